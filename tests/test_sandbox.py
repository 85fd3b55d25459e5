"""Hostile and broken submissions, run only through the real sandbox (a worker process).

Each ends with a full report in bounded time, no credit for what could not be graded, and
no worker process left behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.config import GradeConfig
from grader.engine import grade
from tests.zoo import HOSTILE

pytestmark = pytest.mark.slow
FAST = GradeConfig(max_examples=4, request_timeout_s=3.0, speed_mode="off")  # speed: test_speed


def _workers() -> set[int]:
    """Processes descending from this test process (other graders on the machine aside)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    mine, me = set(), os.getpid()
    for pid in parents:
        p = pid
        while p in parents and p > 1:
            p = parents[p]
            if p == me:
                mine.add(pid)
                break
    return mine


ROOT = Path(__file__).resolve().parent.parent


def _files() -> set[Path]:
    # Where a hostile file could try to leave something: the checkout's top level, the
    # grader's and references' folders, the hostile folder itself, and the current folder.
    folders = [ROOT, ROOT / "grader", ROOT / "reference", HOSTILE, Path.cwd()]
    return {p for folder in folders for p in folder.iterdir() if p.name != "__pycache__"}


@pytest.fixture(autouse=True)
def no_worker_survives_and_no_file_appears():
    before, files = _workers(), _files()
    started = time.monotonic()
    yield
    # Every hostile case ends in bounded time: limits here are seconds, so a minute is ample.
    assert time.monotonic() - started < 90, "grading a hostile file took too long"
    deadline = time.monotonic() + 5
    while _workers() - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not (_workers() - before), "a worker process outlived the grading"
    assert _files() == files, f"files appeared or vanished: {_files() ^ files}"


def test_a_worker_that_dies_fails_the_running_check_and_is_restarted() -> None:
    report = grade(HOSTILE / "crash_on_batch_one.py", ["lstm_cell"], FAST)
    by_id = {c.check_id: c for c in report.checks}
    crashed = [c for c in report.checks if "exited with status 3" in c.message]
    assert crashed, "the crash was not reported"
    assert all(not c.passed for c in crashed)
    # Checks that never use batch 1 still pass on the restarted worker.
    assert by_id["robustness.batch_independent"].passed is False  # it runs rows alone
    assert by_id["parameters.count"].passed
    assert report.score < report.max_score


def test_a_worker_that_hangs_is_killed_at_the_timeout_and_grading_goes_on() -> None:
    config = FAST.with_(request_timeout_s=1.0, submission_timeout_s=12.0)
    report = grade(HOSTILE / "hang_on_batch_one.py", ["lstm_cell"], config)
    by_id = {c.check_id: c for c in report.checks}
    hung = [c for c in report.checks if "no answer within 1 s" in c.message]
    assert hung and all(not c.passed for c in hung)
    assert by_id["parameters.count"].passed
    # Past the submission's limit the remaining checks are failed, not run.
    assert "took longer than the limit of 12 s" in report.checks[-1].message
    assert report.score < report.max_score


def test_output_that_imitates_the_protocol_cannot_corrupt_the_channel() -> None:
    report = grade(HOSTILE / "prints_protocol_garbage.py", ["lstm_cell"], FAST)
    # The hostile files' cell takes batched input only; everything else must pass.
    assert {c.check_id for c in report.checks if not c.passed} == {"shapes.unbatched"}


def test_a_forged_results_file_or_score_on_stdout_has_no_effect(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "grader.cli", "grade", str(HOSTILE / "forges_results.py"),
         "--exercise", "lstm_cell", "--examples", "4", "--out", str(out)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    assert results["score"] <= sum(t["max_score"] for t in results["tests"])
    assert results["score"] != 1000
    assert sorted(os.listdir(tmp_path)) == ["results.json"]


@pytest.mark.parametrize(("name", "needle"), [
    ("syntax_error.py", "syntax error on line 4"),
    ("import_error.py", "ModuleNotFoundError"),
    ("exits_at_import.py", "SystemExit"),
    ("misspelled_class.py", "Did you mean LSTMcell"),
])
def test_a_submission_that_cannot_be_loaded_scores_zero_with_a_clear_message(
        name: str, needle: str) -> None:
    report = grade(HOSTILE / name, ["lstm_cell", "lstm"], FAST)
    assert report.score == 0
    assert report.checks and all(not c.passed for c in report.checks)
    assert all(needle in c.message for c in report.checks), report.checks[0].message


def test_a_submission_that_eats_memory_is_stopped_by_the_limit() -> None:
    config = FAST.with_(memory_limit_mb=1200, submission_timeout_s=60.0)
    started = time.monotonic()
    report = grade(HOSTILE / "eats_memory.py", ["lstm_cell"], config)
    assert time.monotonic() - started < 120
    forward_checks = [c for c in report.checks if c.check_id == "equivalence.forward"]
    assert forward_checks and not forward_checks[0].passed
    message = forward_checks[0].message
    assert any(m in message for m in ("MemoryError", "allocate memory", "killed")), message
    assert {c.check_id: c for c in report.checks}["parameters.count"].passed


def test_a_submission_that_floods_its_output_is_stopped_by_the_file_limit() -> None:
    config = FAST.with_(file_limit_mb=1, submission_timeout_s=60.0)
    report = grade(HOSTILE / "floods_output.py", ["lstm_cell"], config)
    forward = {c.check_id: c for c in report.checks}["equivalence.forward"]
    assert not forward.passed
    assert "File too large" in forward.message


def _daemons() -> list[str]:
    out = subprocess.run(["pgrep", "-f", "sleep 4321.5"], capture_output=True, text=True)
    return out.stdout.split()


def test_a_daemon_started_in_a_new_session_does_not_survive_grading() -> None:
    report = grade(HOSTILE / "spawns_daemon.py", ["lstm_cell"], FAST)
    assert report.checks
    time.sleep(0.5)
    assert _daemons() == []


def test_a_worker_that_ignores_sigterm_is_killed_anyway() -> None:
    config = FAST.with_(request_timeout_s=1.0, submission_timeout_s=10.0)
    report = grade(HOSTILE / "ignores_sigterm.py", ["lstm_cell"], config)
    assert any("no answer within 1 s" in c.message for c in report.checks)


def test_a_segfault_is_reported_as_a_crash_and_grading_goes_on() -> None:
    report = grade(HOSTILE / "segfaults.py", ["lstm_cell"], FAST)
    crashed = [c for c in report.checks if "SIGSEGV" in c.message]
    assert crashed and all(not c.passed for c in crashed)
    assert {c.check_id: c for c in report.checks}["parameters.count"].passed


def test_infinite_recursion_fails_with_the_students_recursion_error() -> None:
    report = grade(HOSTILE / "recursion_bomb.py", ["lstm_cell"], FAST)
    forward = {c.check_id: c for c in report.checks}["equivalence.forward"]
    assert not forward.passed and "RecursionError" in forward.message
    assert report.score < report.max_score / 2


def test_nan_outputs_are_always_a_mismatch() -> None:
    report = grade(HOSTILE / "returns_nan.py", ["lstm_cell"], FAST)
    forward = {c.check_id: c for c in report.checks}["equivalence.forward"]
    assert not forward.passed and "NaN" in forward.message


def test_a_wrong_return_type_is_a_structure_failure() -> None:
    report = grade(HOSTILE / "returns_a_string.py", ["lstm_cell"], FAST)
    structure = {c.check_id: c for c in report.checks}["shapes.structure"]
    assert not structure.passed
    assert "a str" in structure.message and "tuple (h, c)" in structure.message


def test_a_wrong_constructor_signature_is_explained() -> None:
    report = grade(HOSTILE / "wrong_constructor.py", ["lstm_cell"], FAST)
    assert report.score == 0
    failed = [c for c in report.checks if not c.passed]
    assert failed and all("__init__" in c.message for c in failed)


def test_the_grader_cannot_be_imported_from_inside_the_sandbox() -> None:
    report = grade(HOSTILE / "imports_the_grader.py", ["lstm_cell"], FAST)
    forward = {c.check_id: c for c in report.checks}["equivalence.forward"]
    assert not forward.passed
    assert "ImportError" in forward.message or "ModuleNotFoundError" in forward.message


def test_monkeypatching_comparisons_in_the_worker_cannot_fool_the_grader() -> None:
    report = grade(HOSTILE / "monkeypatches_torch.py", ["lstm_cell"], FAST)
    forward = {c.check_id: c for c in report.checks}["equivalence.forward"]
    assert not forward.passed and "differs from the reference" in forward.message


def test_under_bubblewrap_a_submission_cannot_write_outside_its_folder() -> None:
    from grader.sandbox import bwrap_available

    if not bwrap_available():
        pytest.skip("bubblewrap is not installed or not permitted here")
    marker = Path("/tmp/lstm-grader-escape-test/marker")
    report = grade(HOSTILE / "writes_outside.py", ["lstm_cell"], FAST)
    assert "bubblewrap" in report.isolation
    assert report.score > 0  # it wrote into its private /tmp, which is allowed
    assert not marker.exists()


def test_without_bubblewrap_the_fallback_isolation_still_grades_and_says_so() -> None:
    report = grade(HOSTILE / "crash_on_batch_one.py", ["lstm_cell"],
                   FAST.with_(sandbox="none"))
    assert "bubblewrap" not in report.isolation
    assert "resource limits" in report.isolation
    assert any("exited with status 3" in c.message for c in report.checks)


def test_an_infinite_loop_at_import_is_stopped_and_every_check_fails_with_the_reason() -> None:
    config = FAST.with_(start_timeout_s=3.0)
    report = grade(HOSTILE / "hangs_at_import.py", ["lstm_cell", "lstm"], config)
    assert report.score == 0
    assert all("no answer within 3 s" in c.message for c in report.checks)


def test_sys_exit_in_forward_is_the_students_error_not_a_crash() -> None:
    report = grade(HOSTILE / "exits_in_forward.py", ["lstm_cell"], FAST)
    forward = {c.check_id: c for c in report.checks}["equivalence.forward"]
    assert not forward.passed and "SystemExit" in forward.message
    assert "bye" in report.environment.get("student_output", "")


def test_a_fork_bomb_hits_the_process_cap_and_leaves_nothing_behind() -> None:
    report = grade(HOSTILE / "fork_bomb.py", ["lstm_cell"], FAST.with_(max_processes=32))
    if "processes (cgroup)" not in report.isolation:
        pytest.skip("no writable pids cgroup here: the process cap is not available")
    forward = {c.check_id: c for c in report.checks}["equivalence.forward"]
    assert not forward.passed
    assert "BlockingIOError" in forward.message or "Resource temporarily" in forward.message
    time.sleep(0.5)
    leftover = subprocess.run(["pgrep", "-f", "sleep 4321.25"], capture_output=True, text=True)
    assert leftover.stdout.split() == []
