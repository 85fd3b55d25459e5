"""Forged speed: submissions that try to look fast get no speed points, through the real
sandbox. The grader times each worker from outside (wall clock of requests, the kernel's CPU
accounting), times nn.LSTM in a worker that never loaded a submission, and compares the
timed calls' outputs with its reference (grader/checks/speed.py). The forgeries wrap a
correct LSTM that is far slower than nn.LSTM; a control of that LSTM gets no speed points,
a fast correct one gets them all. No test here asserts a duration: the slow LSTM is hundreds
of times nn.LSTM's time, the fast one within a few times, and the band edge sits between."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from grader.config import GradeConfig
from grader.engine import grade
from grader.sandbox import WorkerClocks, _state

ROOT = Path(__file__).resolve().parent.parent
SPEED = ROOT / "tests" / "hostile" / "speed"
# examples/rubrics/speed_graded.toml's settings, with a small workload and little timing.
GRADED = GradeConfig(max_examples=2, speed_mode="graded", speed_device="cpu",
                     speed_points=4.0, speed_cpu_workload=(12, 2, 8, 8),
                     speed_cpu_bands=((8.0, 1.0),), speed_budget_s=0.05,
                     speed_min_rounds=3, speed_max_rounds=5)


def _speed(path: Path, config: GradeConfig = GRADED) -> Any:
    report = grade(path, ["lstm"], config)
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


@pytest.mark.slow
def test_skipping_the_work_of_one_block_gets_no_speed_points() -> None:
    # Its fastest block would set its time (the ratio of the fastest blocks): that block's
    # output is always checked, not only a random few. Twenty rounds: the two drawn at
    # random would seldom be the one it skipped.
    many = GRADED.with_(speed_min_rounds=20, speed_max_rounds=20, speed_budget_s=1.0)
    result = _speed(SPEED / "skips_one_block.py", many)
    assert not result.passed and result.score == 0
    assert "did not compute the reference's function" in result.message


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals and /proc: Linux")
@pytest.mark.parametrize("sandbox", ["auto", "none"])  # none: the fallback, forced
def test_the_submissions_processes_are_stopped_and_share_one_cpu_while_nn_lstm_is_timed(
        monkeypatch: pytest.MonkeyPatch, sandbox: str) -> None:
    # Its spinning thread and child process would otherwise take the CPU and its caches
    # from nn.LSTM while the grader times it.
    seen: list[tuple[int, set[str], set[frozenset[int]]]] = []
    stop = WorkerClocks.stop

    def observed(self: WorkerClocks) -> Any:
        resume = stop(self)
        tree = self.tree()
        cpus = {frozenset(os.sched_getaffinity(int(tid))) for pid in tree
                for tid in os.listdir(f"/proc/{pid}/task")}
        seen.append((len(tree), {_state(pid) for pid in tree}, cpus))
        return resume

    monkeypatch.setattr(WorkerClocks, "stop", observed)
    result = _speed(SPEED / "competes_with_the_baseline.py", GRADED.with_(sandbox=sandbox))
    pinned = result.extra["speed"]["hardware"]["pinned_cpu"]
    assert seen and pinned is not None
    # The worker, its forked child (and bubblewrap around them, where it runs): all stopped,
    # every thread on the one CPU both workers were given.
    assert all(n >= 2 and states == {"T"} and cpus == {frozenset({pinned})}
               for n, states, cpus in seen), seen


@pytest.mark.slow
def test_making_fewer_calls_than_a_request_asks_for_gets_no_speed_points() -> None:
    # The calls of a request form a chain (each input made from the previous call's results):
    # the last output of a request cut short is not the reference's.
    result = _speed(SPEED / "makes_fewer_calls.py")
    assert not result.passed and result.score == 0
    assert "did not compute the reference's function" in result.message
