"""Every correct zoo submission gets full marks; every one-bug submission loses points in the
category that targets its bug and, when it is a known mistake, is named. Every check of the
grader is failed by at least one mutant. Zoo files are our own trusted fixtures, so they run
in-process for speed (hostile ones never do: see test_sandbox.py)."""

from __future__ import annotations

from functools import cache

import pytest

from grader.checks import CHECKS
from grader.config import GradeConfig
from grader.engine import grade
from grader.engine import in_process_runner as in_process
from grader.exercises import EXERCISES
from grader.results import GradeReport
from reference.mistakes import MISTAKES
from tests.zoo import ZooEntry, entries

ZOO = entries()
CONFIG = GradeConfig(max_examples=8, speed_mode="off")  # speed: tests/test_speed.py
# Diagnoses the grader makes without a mistake module behind them.
BUILT_IN_DIAGNOSES = {"gate-sign-inverted"}
# Known mistakes the inference cannot identify: at θ = 0 both factors of i ⊙ g vanish, so
# neither gate ever becomes visible (see README, "Naming the exact mistake").
UNNAMEABLE = {"relu-on-candidate", "tanh-on-input-gate"}
# Checks that no submission in the zoo can fail by construction, with the reason.
CANNOT_FAIL_HERE = {
    # Off by default (GradeConfig.require_pytorch_layout); exercised in test_engine.py.
    "equivalence.pytorch_layout",
    # Off here (it measures time, and informational on a CPU it cannot fail); a slow or wrong
    # submission failing it is exercised in test_speed.py.
    "speed.vs_pytorch",
}


def KNOWN_IDS() -> set[str]:
    return set(MISTAKES) | BUILT_IN_DIAGNOSES


@cache
def graded(entry: ZooEntry) -> GradeReport:
    return grade(entry.path, [entry.exercise], CONFIG, runner_factory=in_process)


def test_the_zoo_is_big_enough_to_mean_something() -> None:
    correct = [e for e in ZOO if e.expect_pass]
    buggy = [e for e in ZOO if not e.expect_pass]
    assert len(correct) >= 10
    assert len(buggy) >= 25
    assert {e.exercise for e in ZOO} >= set(EXERCISES)


@pytest.mark.parametrize("entry", [e for e in ZOO if e.expect_pass], ids=lambda e: e.id)
def test_correct_submission_gets_full_marks(entry: ZooEntry) -> None:
    report = graded(entry)
    failed = [f"{c.check_id}: {c.message}" for c in report.checks if not c.passed]
    assert not failed, f"{entry.id} ({entry.description}) lost points:\n" + "\n".join(failed)
    assert report.score == report.max_score > 0


@pytest.mark.parametrize("entry", [e for e in ZOO if not e.expect_pass], ids=lambda e: e.id)
def test_one_bug_submission_is_caught_by_the_category_that_targets_it(entry: ZooEntry) -> None:
    report = graded(entry)
    failed = {c.category for c in report.checks if not c.passed}
    assert report.score < report.max_score, f"{entry.id} ({entry.description}) got full marks"
    assert entry.category in failed, (
        f"{entry.id} ({entry.description}) should fail {entry.category}; failed: "
        f"{sorted(failed)}")


KNOWN = [e for e in ZOO if not e.expect_pass
         and (e.mistake in MISTAKES or e.mistake in BUILT_IN_DIAGNOSES)
         and e.mistake not in UNNAMEABLE]


@pytest.mark.parametrize("entry", KNOWN, ids=lambda e: e.id)
def test_a_known_mistake_is_named(entry: ZooEntry) -> None:
    report = graded(entry)
    named = {c.extra.get("diagnosis") for c in report.checks if not c.passed} - {None}
    assert named == {entry.mistake}, f"{entry.id}: named {named}"


@pytest.mark.parametrize("entry", [e for e in ZOO if not e.expect_pass
                                   and e.mistake not in KNOWN_IDS()], ids=lambda e: e.id)
def test_a_bug_that_is_no_known_mistake_is_not_given_a_wrong_name(entry: ZooEntry) -> None:
    named = {c.extra.get("diagnosis") for c in graded(entry).checks} - {None}
    assert named <= {entry.mistake}, f"{entry.id}: wrongly named {named}"


def test_every_check_is_failed_by_some_mutant() -> None:
    failed: set[str] = set()
    for entry in ZOO:
        if not entry.expect_pass:
            failed |= {c.check_id for c in graded(entry).checks if not c.passed}
    never = set(CHECKS) - failed - CANNOT_FAIL_HERE
    assert not never, f"no mutant in tests/submissions fails: {sorted(never)}"
