"""Every correct zoo submission gets full marks; every one-bug submission loses points in
the category that targets its bug. Zoo files are our own trusted fixtures, so they run
in-process for speed (hostile ones never do: see test_sandbox.py)."""

from __future__ import annotations

from typing import Any

import pytest

from grader.config import GradeConfig
from grader.engine import grade
from grader.sandbox import InProcessRunner
from tests.zoo import ZooEntry, entries

ZOO = entries()
CONFIG = GradeConfig(max_examples=8)


def in_process(load_header: dict[str, Any], config: GradeConfig) -> InProcessRunner:
    return InProcessRunner(load_header)


def test_the_zoo_is_big_enough_to_mean_something() -> None:
    correct = [e for e in ZOO if e.expect_pass]
    buggy = [e for e in ZOO if not e.expect_pass]
    assert len(correct) >= 6
    assert len(buggy) >= 25
    assert {e.exercise for e in ZOO} >= {"lstm_cell", "lstm", "peephole", "coupled", "gru"}


@pytest.mark.parametrize("entry", [e for e in ZOO if e.expect_pass], ids=lambda e: e.id)
def test_correct_submission_gets_full_marks(entry: ZooEntry) -> None:
    report = grade(entry.path, [entry.exercise], CONFIG, runner_factory=in_process)
    failed = [f"{c.check_id}: {c.message}" for c in report.checks if not c.passed]
    assert not failed, f"{entry.id} ({entry.description}) lost points:\n" + "\n".join(failed)
    assert report.score == report.max_score > 0


@pytest.mark.parametrize("entry", [e for e in ZOO if not e.expect_pass], ids=lambda e: e.id)
def test_one_bug_submission_is_caught_by_the_category_that_targets_it(entry: ZooEntry) -> None:
    report = grade(entry.path, [entry.exercise], CONFIG, runner_factory=in_process)
    failed = {c.category for c in report.checks if not c.passed}
    assert report.score < report.max_score, f"{entry.id} ({entry.description}) got full marks"
    assert entry.category in failed, (
        f"{entry.id} ({entry.description}) should fail {entry.category}; failed: "
        f"{sorted(failed)}")
