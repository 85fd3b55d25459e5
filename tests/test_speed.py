"""The speed check: its statistics on synthetic timings (no test here asserts a wall-clock
time), the scoring modes, the worker's timing op in-process, the GPU path on CPU, and
tampering through the real sandbox."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

from grader.checks import CHECKS, CheckFailed, Outcome, checks_for
from grader.checks.speed import (
    band_of,
    check_points,
    confidence,
    judge,
    median,
    min_ratio,
    phase_stats,
)
from grader.client import Client, Timing
from grader.config import GradeConfig
from grader.engine import grade
from grader.engine import in_process_runner as in_process
from grader.errors import ConfigError
from grader.exercises import get_exercise
from grader.reports import gradescope
from grader.sandbox import InProcessRunner

ROOT = Path(__file__).resolve().parent.parent
CORRECT = ROOT / "examples" / "my_lstm.py"
EXPERT = ROOT / "reference" / "expert.py"
ZOO = ROOT / "tests" / "submissions"
HOSTILE = ROOT / "tests" / "hostile"
BANDS = ((4.0, 1.0), (8.0, 0.75), (16.0, 0.5), (32.0, 0.25))
# Tiny timings keep these tests fast; they check plumbing and verdicts, never durations.
QUICK = GradeConfig(max_examples=2, speed_cpu_workload=(4, 2, 3, 3), speed_budget_s=0.02,
                    speed_min_rounds=3, speed_max_rounds=5)
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def speed_result(report: Any, exercise: str) -> Any:
    return {c.full_id: c for c in report.checks}[f"{exercise}/speed.vs_pytorch"]


def timing(reference: list[float], student: list[float]) -> Timing:
    both = {"reference": reference, "student": student}
    return Timing({"forward": both, "forward_backward": both}, len(reference),
                  {"device_name": "test CPU", "threads": 1, "precision": "float32"})


def ctx_for(config: GradeConfig, exercise: str = "lstm") -> Any:
    return SimpleNamespace(config=config, exercise=get_exercise(exercise))


# -- statistics --------------------------------------------------------------------------------
def test_the_median_of_odd_and_even_counts() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_the_ratio_of_the_fastest_blocks_ignores_what_slowed_either_side() -> None:
    # Another process slowed the reference's blocks in some rounds and the student's in
    # others, by different amounts: the per-round ratios wander from 2.5 to 7.5, the fastest
    # blocks still stand 5 apart.
    reference = [1.0, 2.0, 1.0, 1.0, 1.3, 1.0, 1.0, 1.6, 1.0, 1.0]
    student = [5.0, 5.0, 6.5, 5.0, 5.0, 7.5, 5.0, 5.0, 5.0, 6.0]
    assert min_ratio(reference, student) == 5.0
    stats = phase_stats(reference, student)
    assert stats.ratio == 5.0 and (stats.low, stats.high) == (5.0, 5.0)
    assert stats.median_ratio == 5.0 and stats.reference_s == 1.0 and stats.student_s == 5.0


def test_paired_rounds_cancel_a_machine_that_slows_down_during_the_measurement() -> None:
    drift = [1.0 + 0.5 * k for k in range(12)]      # the machine gets 6.5 times slower
    stats = phase_stats([1e-3 * d for d in drift], [5e-3 * d for d in drift])
    assert stats.ratio == pytest.approx(5.0)
    assert stats.spread == pytest.approx(0.0, abs=1e-12)
    assert stats.rounds == 12


def test_the_halves_are_the_ratio_over_each_half_of_the_rounds() -> None:
    student = [4.0, 5.0, 6.0, 5.0, 5.0, 4.5, 5.5, 5.0, 5.2, 4.8]
    stats = phase_stats([1.0] * 10, student)
    assert stats.ratio == 4.0
    assert (stats.low, stats.high) == (4.0, 4.5)     # min of rounds 1-5, and of 6-10
    assert stats.spread == pytest.approx(0.5 / 8.0)
    assert stats.median_ratio == 5.0
    odd = phase_stats([1.0] * 5, [3.0, 2.0, 4.0, 5.0, 6.0])   # halves: rounds 1-2 and 3-5
    assert (odd.low, odd.high) == (2.0, 4.0)


def test_bands_include_their_upper_edge_and_slower_than_all_gets_nothing() -> None:
    assert band_of(4.0, BANDS).fraction == 1.0
    assert band_of(4.01, BANDS).fraction == 0.75
    assert band_of(32.0, BANDS).fraction == 0.25
    slowest = band_of(40.0, BANDS)
    assert slowest.fraction == 0.0 and slowest.label == "> 32×" and slowest.index == 4


def test_confidence_is_high_inside_a_band_and_names_the_edge_it_straddles() -> None:
    inside = phase_stats([1.0] * 12, [5.5, 5.8, 6.0, 6.1, 6.2, 6.0, 5.9, 6.3, 6.1, 6.0, 5.7,
                                      6.4])
    assert confidence(inside, BANDS)[0] == "high"
    # The first half's fastest block is under 8×, the second half's over it.
    edge = phase_stats([1.0] * 12, [7.5, 8.5, 9.0, 7.8, 8.2, 8.6, 8.1, 8.9, 8.4, 8.6, 8.8,
                                    8.3])
    level, why = confidence(edge, BANDS)
    assert level == "low" and "8×" in why


# -- scoring modes -----------------------------------------------------------------------------
def test_informational_mode_is_worth_nothing_and_always_passes_however_slow() -> None:
    config = GradeConfig(speed_cpu_bands=BANDS)
    outcome = judge(ctx_for(config), timing([1.0] * 9, [100.0] * 9), "cpu", graded=False,
                    note="the rubric grades speed on a GPU only")
    assert isinstance(outcome, Outcome) and outcome.informational
    assert outcome.extra["ratio"] == 100.0
    assert "Not graded here" in outcome.message and "100.00×" in outcome.message


def test_graded_mode_awards_the_band_and_fails_beyond_the_last_one() -> None:
    config = GradeConfig(speed_mode="graded", speed_cpu_bands=BANDS)
    outcome = judge(ctx_for(config), timing([1.0] * 9, [6.0] * 9), "cpu", True, "")
    assert isinstance(outcome, Outcome) and outcome.fraction == 0.75
    assert outcome.extra["speed"]["band"] == "≤ 8×"
    assert outcome.extra["speed"]["confidence"] == "high"
    with pytest.raises(CheckFailed) as failed:
        judge(ctx_for(config), timing([1.0] * 9, [50.0] * 9), "cpu", True, "")
    assert "too slow" in failed.value.message and failed.value.extra["ratio"] == 50.0


def test_the_scored_phase_follows_the_rubric() -> None:
    config = GradeConfig(speed_mode="graded", speed_cpu_bands=BANDS, speed_metric="forward")
    t = Timing({"forward": {"reference": [1.0] * 9, "student": [2.0] * 9},
                "forward_backward": {"reference": [1.0] * 9, "student": [20.0] * 9}}, 9, {})
    outcome = judge(ctx_for(config), t, "cpu", True, "")
    assert isinstance(outcome, Outcome) and outcome.extra["ratio"] == 2.0


def test_the_points_depend_on_the_mode_and_the_device() -> None:
    assert check_points(GradeConfig(speed_device="cpu")) == 0.0            # auto, no GPU
    assert check_points(GradeConfig(speed_device="cuda")) == 2.0           # auto, a GPU
    assert check_points(GradeConfig(speed_device="cpu", speed_mode="graded",
                                    speed_points=3.0)) == 3.0
    assert check_points(GradeConfig(speed_device="cuda",
                                    speed_mode="informational")) == 0.0
    lstm = get_exercise("lstm")
    assert "speed.vs_pytorch" not in {c.id for c in checks_for(lstm, GradeConfig(
        speed_mode="off"))}
    assert CHECKS["speed.vs_pytorch"].category == "speed"


@pytest.mark.parametrize("bad", [
    {"speed_mode": "sometimes"}, {"speed_device": "tpu"}, {"speed_metric": "backward"},
    {"speed_precision": "bf16"}, {"speed_cpu_workload": (50, 8, 64)},
    {"speed_gpu_workload": (100, 0, 512, 512)}, {"speed_cpu_bands": ()},
    {"speed_cpu_bands": ((8.0, 1.0), (4.0, 0.5))}, {"speed_gpu_bands": ((4.0, 0.5), (8.0, 1.0))},
    {"speed_min_rounds": 2}, {"speed_max_rounds": 4, "speed_min_rounds": 5},
    {"speed_budget_s": 0.0}, {"speed_points": -1.0}, {"speed_threads": 0},
])
def test_bad_speed_settings_are_configuration_errors(bad: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        GradeConfig(**bad)


def test_rubric_lists_become_tuples() -> None:
    config = GradeConfig(speed_cpu_workload=[10, 2, 8, 8],  # type: ignore[arg-type]
                         speed_cpu_bands=[[2, 1], [4, 0.5]])  # type: ignore[arg-type]
    assert config.speed_cpu_workload == (10, 2, 8, 8)
    assert config.speed_cpu_bands == ((2.0, 1.0), (4.0, 0.5))


# -- end to end (in-process: trusted files) -----------------------------------------------
def test_by_default_on_a_cpu_the_check_informs_and_costs_nothing() -> None:
    report = grade(CORRECT, ["lstm_cell", "lstm"], QUICK.with_(speed_device="cpu"),
                   runner_factory=in_process)
    for exercise in ("lstm_cell", "lstm"):
        result = speed_result(report, exercise)
        assert result.passed and result.max_score == 0 and result.score == 0
        assert result.extra["ratio"] > 0
        speed = result.extra["speed"]
        assert speed["graded"] is False and speed["device"] == "cpu"
        assert set(speed["hardware"]) >= {"device_name", "torch", "threads", "precision"}
        assert speed["forward"]["rounds"] >= 3
    assert report.score == report.max_score


def test_graded_on_cpu_the_ratio_earns_band_points_and_reaches_the_leaderboard() -> None:
    generous = ((1e6, 1.0),)
    config = QUICK.with_(speed_device="cpu", speed_mode="graded", speed_cpu_bands=generous)
    report = grade(CORRECT, ["lstm_cell", "lstm"], config, runner_factory=in_process)
    cell = speed_result(report, "lstm_cell")
    assert cell.passed and cell.score == cell.max_score == 2.0
    board = gradescope.to_dict(report)["leaderboard"]
    assert [e["name"] for e in board] == ["speed ratio vs nn.LSTM (lstm_cell)",
                                          "speed ratio vs nn.LSTM (lstm)"]
    assert all(e["order"] == "asc" and e["value"] > 0 for e in board)
    one = grade(CORRECT, ["lstm"], config, runner_factory=in_process)
    assert gradescope.to_dict(one)["leaderboard"][0]["name"] == "speed ratio vs nn.LSTM"


def test_a_wrong_cell_gets_no_speed_points_however_fast() -> None:
    config = QUICK.with_(speed_device="cpu", speed_mode="graded", speed_cpu_bands=((1e6, 1.0),))
    report = grade(ZOO / "lstm_cell" / "bug_missing_tanh_on_c.py", ["lstm_cell"], config,
                   runner_factory=in_process)
    result = speed_result(report, "lstm_cell")
    assert result.score == 0 and not result.passed
    # Its timed calls are compared with the reference: a ratio of the wrong function is none.
    assert "did not compute the reference's function" in result.message
    assert "ratio" not in result.extra


def test_the_gru_is_timed_against_nn_gru() -> None:
    report = grade(ZOO / "gru" / "correct_declared.py", ["gru"], QUICK.with_(speed_device="cpu"),
                   runner_factory=in_process)
    assert speed_result(report, "gru").extra["speed"]["baseline"] == "nn.GRU"


def test_the_expert_reference_is_itself_a_correct_submission() -> None:
    report = grade(EXPERT, ["lstm_cell", "lstm"], QUICK.with_(speed_mode="off"),
                   runner_factory=in_process)
    failed = [f"{c.full_id}: {c.message}" for c in report.checks if not c.passed]
    assert not failed
    assert report.score == report.max_score > 0


def test_speed_off_runs_no_timing() -> None:
    report = grade(CORRECT, ["lstm"], QUICK.with_(speed_mode="off"), runner_factory=in_process)
    assert not [c for c in report.checks if c.category == "speed"]


# -- the worker's speed requests -------------------------------------------------------------------
def _client(source: str) -> Client:
    return Client(InProcessRunner({"op": "load", "source": source, "filename": "s.py"}))


def _ready(client: Client, class_name: str = "LSTM", mode: str = "sequence",
           device: str = "cpu", precision: str = "float32") -> dict[str, Any]:
    args = [3, 4] + ([1] if mode == "sequence" else [])
    model = client.build(class_name, args, torch.float32)
    return client.speed_setup(model, mode=mode, state="lstm", device=device, sizes=(2, 5, 3, 4),
                              layers=1, threads=1, precision=precision)


def test_a_speed_run_is_timed_from_outside_and_returns_the_last_calls_results() -> None:
    client = _client(CORRECT.read_text())
    hardware = _ready(client)
    assert hardware["device"] == "cpu" and hardware["threads"] == 1
    clocks = client.runner.clocks()  # type: ignore[attr-defined]
    block = client.speed_run(clocks, seed=3, number=2, backward=True, reply_numel=8)
    assert block.wall_s > 0 and block.cpu_s is not None and block.cpu_s >= 0
    assert block.last.shape == (2, 4) and block.grad_first is not None
    assert block.grad_first.shape == (2, 3)
    cell = _client(CORRECT.read_text())
    _ready(cell, "LSTMCell", mode="cell")
    assert cell.speed_run(None, seed=3, number=1, backward=False,
                          reply_numel=8).last.shape == (2, 4)


def test_the_baseline_worker_runs_pytorchs_own_kernels_unguarded() -> None:
    from grader import speedrun

    client = Client(InProcessRunner(speedrun.load_header()))
    model = client.build(speedrun.CLASS_NAME, ["lstm", 3, 4, 1], torch.float32)
    client.speed_setup(model, mode="sequence", state="lstm", device="cpu", sizes=(2, 5, 3, 4),
                       layers=1, threads=1, precision="float32")
    assert client.speed_run(None, seed=1, number=1, backward=True,
                            reply_numel=8).last.shape == (2, 4)


def test_a_speed_run_before_its_setup_is_a_protocol_error() -> None:
    client = _client(CORRECT.read_text())
    with pytest.raises(Exception, match="speed_run before speed_setup"):
        client.speed_run(None, seed=1, number=1, backward=False, reply_numel=8)


def test_when_a_gpu_is_asked_for_but_not_visible_the_check_informs_on_the_cpu(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The GPU code path of the check, run on a CPU: the worker reports no CUDA device.
    monkeypatch.setattr(Client, "devices", lambda self: {"cuda": False, "cuda_devices": []})
    report = grade(CORRECT, ["lstm"], QUICK.with_(speed_device="cuda"), runner_factory=in_process)
    result = speed_result(report, "lstm")
    assert result.passed and result.max_score == 0
    assert "no GPU is visible" in result.message
    assert result.extra["speed"]["device"] == "cpu"


@pytest.mark.gpu
@CUDA
def test_on_a_gpu_a_speed_run_synchronises_and_reports_tf32_off() -> None:
    client = _client(CORRECT.read_text())
    hardware = _ready(client, device="cuda", precision="float32")
    assert hardware["device"] == "cuda" and "cudnn" in hardware
    assert "TF32 off" in hardware["precision"]
    block = client.speed_run(None, seed=2, number=2, backward=True, reply_numel=8)
    assert block.last.device.type == "cpu" and block.last.shape == (2, 4)


@pytest.mark.gpu
@CUDA
def test_on_a_gpu_the_check_is_graded_with_gpu_bands() -> None:
    report = grade(CORRECT, ["lstm"], QUICK.with_(speed_gpu_workload=(5, 2, 4, 4)),
                   runner_factory=in_process)
    result = speed_result(report, "lstm")
    assert result.max_score == 2.0 and result.extra["speed"]["device"] == "cuda"


# -- through the real sandbox ----------------------------------------------------------------
@pytest.mark.slow
def test_a_cell_that_slows_nn_lstm_in_its_own_process_leaves_the_baseline_alone() -> None:
    # The baseline runs in a worker of its own and the clocks are read from outside: what
    # this cell does to nn.LSTM and time.perf_counter in its own process changes nothing.
    config = QUICK.with_(speed_device="cpu", speed_mode="graded", speed_cpu_bands=((1e6, 1.0),))
    report = grade(HOSTILE / "slows_the_baseline.py", ["lstm_cell"], config)
    result = speed_result(report, "lstm_cell")
    assert result.passed and result.extra["speed"]["clock"] == "cpu"
    assert result.extra["speed"]["forward"]["reference_ms"] < 10  # no 10 ms sleep in it


def test_outputs_are_checked_unless_mapping_the_weights_at_the_speed_sizes_costs_too_much() -> None:
    naive = ROOT / "benchmarks" / "submissions" / "naive_loop.py"
    small = QUICK.with_(speed_device="cpu")
    assert speed_result(grade(naive, ["lstm"], small, runner_factory=in_process),
                        "lstm").extra["speed"]["outputs_checked"]
    # Above INFER_UP_TO and not declared: the layout the other checks inferred is carried
    # to these sizes (grader.transfer)...
    carried = small.with_(speed_cpu_workload=(3, 2, 17, 17))
    assert speed_result(grade(naive, ["lstm"], carried, runner_factory=in_process),
                        "lstm").extra["speed"]["outputs_checked"]
    # ...but never to an input size of 1 (it reads as a bias), too large to infer there.
    large = small.with_(speed_cpu_workload=(3, 2, 1, 17))
    result = speed_result(grade(naive, ["lstm"], large, runner_factory=in_process), "lstm")
    assert not result.extra["speed"]["outputs_checked"]
    assert "were not compared with the reference" in result.message
    assert speed_result(grade(CORRECT, ["lstm"], large, runner_factory=in_process),
                        "lstm").extra["speed"]["outputs_checked"]  # declared layout: cheap
