"""The speed check's measurement: student / nn.LSTM time ratios on this machine's CPU.

For the from-scratch reference (reference/ as one submission file), the expert
(reference/expert.py), the lesson-style example (examples/lesson_lstm.py), the bundled
example (examples/my_lstm.py) and the naive per-gate loop (benchmarks/submissions/), each on
both default exercises (``lstm_cell``: the grader loops the cell over time; ``lstm``: the
student's own stack), through the real sandbox and the default CPU rubric, graded
(``speed_mode="graded"``) so that the band and points are reported too. On a GPU:
``LSTM_GRADER_BENCH_DEVICE=cuda scripts/bench -k ratio`` (GPU workload and bands). The
benchmark's own time is the measurement's duration; the figures are in ``extra_info``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks._support import speed_device, submissions
from grader.checks import Context, Outcome
from grader.checks.speed import vs_pytorch
from grader.client import Client
from grader.config import GradeConfig
from grader.engine import sandbox_runner

NAMES = ("reference", "expert", "lesson", "my_lstm", "naive")
EXERCISES = ("lstm_cell", "lstm")


def graded_on(device: str) -> GradeConfig:
    """The default rubric with the speed check graded on ``device`` (cpu: CPU bands)."""
    return GradeConfig(speed_mode="graded", speed_device=device)


def speed_outcome(path: Path, exercise: str, config: GradeConfig | None = None) -> Outcome:
    """Run the speed check alone on a submission, in a fresh sandboxed worker."""
    from grader.exercises import get_exercise

    config = config or graded_on("cpu")
    source = path.read_text(encoding="utf-8")
    runner = sandbox_runner({"op": "load", "source": source, "filename": path.name}, config)
    try:
        ctx = Context(get_exercise(exercise), config,
                      Client(runner, config.request_timeout_s), source)
        outcome = vs_pytorch(ctx)
    finally:
        runner.close()
    assert isinstance(outcome, Outcome), outcome  # graded on the CPU, never "too slow" here
    return outcome


@pytest.mark.parametrize("exercise", EXERCISES)
@pytest.mark.parametrize("name", NAMES)
def test_ratio_to_nn_lstm(benchmark: Any, tmp_path: Path, name: str, exercise: str) -> None:
    path = submissions(tmp_path)[name]
    config = graded_on(speed_device())
    outcomes: list[Outcome] = []
    benchmark.pedantic(lambda: outcomes.append(speed_outcome(path, exercise, config)),
                       rounds=1, iterations=1)
    speed = outcomes[-1].extra["speed"]
    benchmark.extra_info.update({
        "submission": name, "exercise": exercise,
        "forward": speed["forward"], "forward_backward": speed["forward_backward"],
        "band": speed["band"], "band_fraction": speed["band_fraction"],
        "confidence": speed["confidence"], "workload": speed["workload"],
        "calls_per_block": speed["calls_per_block"], "hardware": speed["hardware"],
    })
