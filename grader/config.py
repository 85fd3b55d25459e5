"""Grading configuration: frozen, validated when built, with named profiles."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from grader.errors import ConfigError


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
    submission_timeout_s: float = 600.0  # all exercises of one submission together
    start_timeout_s: float = 60.0
    worker_threads: int = 1
    memory_limit_mb: int = 4096   # address space of the worker (RLIMIT_AS)
    file_limit_mb: int = 64       # largest file the worker may write, its captured output too
    cpu_limit_s: int = 900        # CPU seconds for one worker process (RLIMIT_CPU)
    max_processes: int = 64       # processes and threads of the worker (a pids cgroup, if any)
    notebook_all_cells: bool = False  # run every code cell of a notebook, not only definitions
    sandbox: str = "auto"         # "auto": bubblewrap when usable; "bwrap": required; "none"
    only_visible: bool = False    # students' local checks see visible checks only
    require_pytorch_layout: bool = False  # nn.LSTMCell's parameter names, shapes, gate order
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
        if self.sandbox not in ("auto", "bwrap", "none"):
            raise ConfigError(f"sandbox must be 'auto', 'bwrap' or 'none', got {self.sandbox!r}")
        if self.max_size < 2:
            raise ConfigError("max_size must be at least 2 (hidden_size 1 hides gate-order "
                              "bugs)")
        if not 0 < self.atol < 1e-3:
            raise ConfigError(f"atol must be in (0, 1e-3) for float64 comparisons, "
                              f"got {self.atol}")
        for name in ("request_timeout_s", "start_timeout_s", "submission_timeout_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")

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
