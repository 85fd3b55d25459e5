"""Grading configuration: frozen, validated when built, with named profiles."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from grader.errors import ConfigError

# Gradescope's per-test visibility values (docs/rubric.md).
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


@dataclass(frozen=True)
class CheckSetting:
    """A rubric's setting for one check: ``target`` is a check id ("semantics.forget_gate")
    or one exercise's check ("lstm_cell/semantics.forget_gate"); None keeps the default."""

    target: str
    points: float | None = None
    visibility: str | None = None
    enabled: bool | None = None

    def applies_to(self, exercise: str, check_id: str) -> bool:
        return self.target in (check_id, f"{exercise}/{check_id}")


@dataclass(frozen=True)
class GradeConfig:
    """How hard and how safely to grade.

    ``max_examples`` is the Hypothesis example budget per check; examples are derandomized
    (the same submission gets the same examples on every run) and there is no deadline.
    """

    max_examples: int = 12
    max_size: int = 6             # largest input/hidden size drawn
    max_batch: int = 4
    max_seq: int = 5
    max_layers: int = 3
    atol: float = 1e-9            # float64 comparisons, rtol 0
    request_timeout_s: float = 30.0
    # The wall-clock budget of one submission, start-up to reports (all exercises together):
    # checks stop in time for the results to be written (keep it below a platform's limit,
    # e.g. Gradescope's 10 minutes). A forward that timed out twice is not called again.
    submission_timeout_s: float = 300.0
    start_timeout_s: float = 60.0
    worker_threads: int = 1
    memory_limit_mb: int = 4096   # address space of the worker (RLIMIT_AS)
    file_limit_mb: int = 64       # largest file the worker may write, its captured output too
    cpu_limit_s: int = 900        # CPU seconds for one worker process (RLIMIT_CPU)
    max_processes: int = 64       # processes and threads of the worker (a pids cgroup, if any)
    notebook_all_cells: bool = False  # run every code cell of a notebook, not only definitions
    # "auto": every layer the platform offers (bubblewrap when usable); "bwrap": required;
    # "none": no bubblewrap; "portable": the portable core alone, as on a platform without
    # any layer (Windows), to test it on Linux. Default: $LSTM_GRADER_SANDBOX, else "auto".
    sandbox: str = field(default_factory=lambda: os.environ.get("LSTM_GRADER_SANDBOX")
                         or "auto")
    only_visible: bool = False    # students' local checks see visible checks only
    # As root without bubblewrap, when no other user can run this Python: run the submission
    # as root and say so (``check`` on a student's own machine) instead of refusing (grade,
    # batch). Not a rubric setting.
    allow_own_user: bool = False
    # Per-check points, visibility and on/off from a rubric (grader/rubric.py); an
    # exercise-specific setting ("lstm_cell/...") wins over a check-wide one.
    check_settings: tuple[CheckSetting, ...] = ()
    require_pytorch_layout: bool = False  # nn.LSTMCell's parameter names, shapes, gate order
    lang: str = "en"              # language of the feedback: "en" or "es" (grader/i18n)
    visuals: bool = False         # also compute what the HTML report plots (grader/visuals.py)
    # Speed against nn.LSTM / nn.GRU (grader/checks/speed.py, docs/benchmarks.md).
    speed_mode: str = "auto"      # auto: graded on a GPU, informational on CPU; graded;
    #                               informational (0 points, always passes); off (not run)
    speed_device: str = "auto"    # auto (the GPU when the worker sees one), cpu, cuda
    speed_points: float = 2.0     # points of the speed check when it is graded
    speed_metric: str = "forward_backward"  # the ratio that is scored: or "forward"
    # (seq_len, batch, input_size, hidden_size); GPU: PyTorch's fastrnns defaults
    speed_cpu_workload: tuple[int, int, int, int] = (50, 8, 64, 64)
    speed_gpu_workload: tuple[int, int, int, int] = (100, 64, 512, 512)
    speed_layers: int = 1         # layers of the timed stack (sequence exercises)
    # (largest ratio student/PyTorch, fraction of the points), best band first; slower: 0.
    # CPU (workers' CPU time, ratio of the fastest blocks, docs/benchmarks.md): correct
    # solutions up to 6.0x, the naive loop from 6.9x, over many regrades, loaded machine
    # included; the 6.5x edge sits between them, 6-8% from each.
    # GPU: provisional (no GPU measured yet; fastrnns: scripted loop 2.2x fwd, 4.7x bwd).
    speed_cpu_bands: tuple[tuple[float, float], ...] = ((6.5, 1.0), (14.0, 0.5), (28.0, 0.25))
    speed_gpu_bands: tuple[tuple[float, float], ...] = ((5.0, 1.0), (10.0, 0.75), (20.0, 0.5),
                                                        (40.0, 0.25))
    speed_threads: int = 1        # torch threads while timing (both implementations)
    speed_budget_s: float = 0.5   # timed seconds per exercise, warm-up not included
    speed_min_rounds: int = 5     # interleaved rounds (one block of each implementation)
    speed_max_rounds: int = 60
    speed_precision: str = "float32"  # GPU: "float32" (TF32 off for both) or "tf32" (on for both)
    forbidden_apis: tuple[str, ...] = field(default=(
        "nn.LSTM", "nn.LSTMCell", "nn.GRU", "nn.GRUCell", "nn.RNN", "nn.RNNCell",
        "torch.lstm", "torch.lstm_cell", "torch.gru", "torch.gru_cell", "torch.rnn_tanh",
        "torch.rnn_tanh_cell", "torch.rnn_relu", "torch.rnn_relu_cell", "torch._VF",
    ))

    def __post_init__(self) -> None:
        positive = ("max_examples", "max_size", "max_batch", "max_seq", "max_layers",
                    "worker_threads", "file_limit_mb", "cpu_limit_s", "max_processes")
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if self.memory_limit_mb < 1024:
            raise ConfigError(f"memory_limit_mb must be at least 1024 (importing torch needs "
                              f"about 1 GiB of address space), got {self.memory_limit_mb}")
        if self.sandbox not in ("auto", "bwrap", "none", "portable"):
            raise ConfigError(f"sandbox must be 'auto', 'bwrap', 'none' or 'portable', got "
                              f"{self.sandbox!r} (from the rubric or $LSTM_GRADER_SANDBOX)")
        if self.max_size < 2:
            raise ConfigError("max_size must be at least 2 (hidden_size 1 hides gate-order "
                              "bugs)")
        if not 0 < self.atol < 1e-3:
            raise ConfigError(f"atol must be in (0, 1e-3) for float64 comparisons, "
                              f"got {self.atol}")
        for name in ("request_timeout_s", "start_timeout_s", "submission_timeout_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        self._check_speed()
        self._check_settings()
        from grader.i18n import check_lang

        check_lang(self.lang)

    def _check_speed(self) -> None:
        choices = {"speed_mode": ("auto", "graded", "informational", "off"),
                   "speed_device": ("auto", "cpu", "cuda"),
                   "speed_metric": ("forward_backward", "forward"),
                   "speed_precision": ("float32", "tf32")}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name} must be one of {', '.join(allowed)}; got "
                                  f"{getattr(self, name)!r}")
        for name in ("speed_cpu_workload", "speed_gpu_workload"):
            value = tuple(getattr(self, name))
            if len(value) != 4 or not all(isinstance(v, int) and v >= 1 for v in value):
                raise ConfigError(f"{name} must be four positive integers (seq_len, batch, "
                                  f"input_size, hidden_size); got {getattr(self, name)!r}")
            object.__setattr__(self, name, value)  # a list from a rubric file becomes a tuple
        for name in ("speed_cpu_bands", "speed_gpu_bands"):
            try:
                bands = tuple((float(r), float(f)) for r, f in getattr(self, name))
            except (TypeError, ValueError):
                bands = ()
            ratios = [r for r, _ in bands]
            fractions = [f for _, f in bands]
            if (not bands or ratios[0] <= 0 or ratios != sorted(set(ratios))
                    or not all(0 <= f <= 1 for f in fractions)
                    or fractions != sorted(fractions, reverse=True)):
                raise ConfigError(
                    f"{name} must be pairs (largest ratio, fraction of the points) with "
                    f"increasing ratios and fractions in [0, 1] that do not increase, e.g. "
                    f"((4, 1.0), (8, 0.5)); got {getattr(self, name)!r}")
            object.__setattr__(self, name, bands)
        for name in ("speed_layers", "speed_threads", "speed_min_rounds", "speed_max_rounds"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if self.speed_min_rounds < 3 or self.speed_max_rounds < self.speed_min_rounds:
            raise ConfigError(f"speed_min_rounds must be at least 3 (a median needs a few "
                              f"rounds) and at most speed_max_rounds; got "
                              f"{self.speed_min_rounds} and {self.speed_max_rounds}")
        if not self.speed_budget_s > 0 or self.speed_points < 0:
            raise ConfigError(f"speed_budget_s must be positive and speed_points not "
                              f"negative; got {self.speed_budget_s} and {self.speed_points}")

    def _check_settings(self) -> None:
        settings = tuple(self.check_settings)
        for s in settings:
            if not isinstance(s, CheckSetting):
                raise ConfigError(f"check_settings must hold CheckSetting objects, got {s!r}")
            if s.visibility is not None and s.visibility not in VISIBILITIES:
                raise ConfigError(f"visibility of {s.target} must be one of "
                                  f"{', '.join(VISIBILITIES)}; got {s.visibility!r}")
            if s.points is not None and not s.points >= 0:
                raise ConfigError(f"points of {s.target} must be a number >= 0, got "
                                  f"{s.points!r}")
        object.__setattr__(self, "check_settings", settings)

    def setting(self, exercise: str, check_id: str) -> CheckSetting:
        """The rubric's merged setting for one check of one exercise (fields None: default)."""
        merged: dict[str, object] = {}
        # Check-wide settings first, so the exercise-specific ones override them.
        for s in sorted(self.check_settings, key=lambda s: "/" in s.target):
            if s.applies_to(exercise, check_id):
                merged.update({k: v for k, v in (("points", s.points),
                                                 ("visibility", s.visibility),
                                                 ("enabled", s.enabled)) if v is not None})
        return CheckSetting(f"{exercise}/{check_id}", **merged)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> GradeConfig:
        return replace(self, **changes)  # type: ignore[arg-type]


PROFILES: dict[str, GradeConfig] = {
    "grading": GradeConfig(),
    "local": GradeConfig(only_visible=True),
    "quick": GradeConfig(max_examples=4),
    "thorough": GradeConfig(max_examples=50, max_size=8, max_seq=7),
}


def profile(name: str) -> GradeConfig:
    try:
        return PROFILES[name]
    except KeyError:
        raise ConfigError(f"unknown profile {name!r}; choose one of "
                          f"{', '.join(sorted(PROFILES))}") from None
