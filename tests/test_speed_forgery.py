"""Forged speed: submissions that try to look fast get no speed points, through the real
sandbox. The grader times each worker from outside (wall clock of requests, the kernel's CPU
accounting), times nn.LSTM in a worker that never loaded a submission, and compares the
timed calls' outputs with its reference (grader/checks/speed.py). The forgeries wrap a
correct LSTM that is far slower than nn.LSTM; a control of that LSTM gets no speed points,
a fast correct one gets them all. No test here asserts a duration: the slow LSTM is hundreds
of times nn.LSTM's time, the fast one within a few times, and the band edge sits between."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from grader.config import GradeConfig
from grader.engine import grade

ROOT = Path(__file__).resolve().parent.parent
SPEED = ROOT / "tests" / "hostile" / "speed"
# examples/rubrics/speed_graded.toml's settings, with a small workload and little timing.
GRADED = GradeConfig(max_examples=2, speed_mode="graded", speed_device="cpu",
                     speed_points=4.0, speed_cpu_workload=(12, 2, 8, 8),
                     speed_cpu_bands=((8.0, 1.0),), speed_budget_s=0.05,
                     speed_min_rounds=3, speed_max_rounds=5)


def _speed(path: Path) -> Any:
    report = grade(path, ["lstm"], GRADED)
    return {c.full_id: c for c in report.checks}["lstm/speed.vs_pytorch"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["slow_control", "forges_the_clock", "slows_the_baseline"])
def test_a_slow_lstm_gets_no_speed_points_whatever_it_does_to_its_own_process(name: str) -> None:
    result = _speed(SPEED / f"{name}.py")
    assert not result.passed and result.score == 0, result.message
    assert result.extra["ratio"] > 8.0


@pytest.mark.slow
def test_returning_cached_outputs_at_the_speed_checks_sizes_gets_no_speed_points() -> None:
    result = _speed(SPEED / "caches_at_speed_sizes.py")
    assert not result.passed and result.score == 0
    assert "did not compute the reference's function" in result.message
    assert "ratio" not in result.extra


@pytest.mark.slow
def test_a_fast_correct_lstm_gets_all_speed_points() -> None:
    result = _speed(ROOT / "reference" / "expert.py")
    assert result.passed and result.score == 4.0, result.message
