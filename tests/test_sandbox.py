"""Hostile and broken submissions, run only through the real sandbox (a worker process).

Each ends with a full report in bounded time, no credit for what could not be graded, and
no worker process left behind. The tests marked with ``MODES`` run both with every layer this
machine offers ("auto") and with the portable core alone ("portable": what Windows gets).
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
FAST = GradeConfig(max_examples=4, request_timeout_s=3.0, speed_mode="off",  # speed: test_speed
                   sandbox="auto")
MODES = pytest.mark.parametrize("mode", ["auto", "portable"])


def only(config: GradeConfig, *kept: str) -> GradeConfig:
    """``config`` with every check but ``kept`` (and the integrity gate) turned off: a crash
    costs a worker restart per check, and these tests need a few checks around the crash."""
    from grader.checks import CHECKS
    from grader.config import CheckSetting

    kept = ("integrity.no_builtin_rnn", *kept)
    return config.with_(check_settings=tuple(
        CheckSetting(check_id, enabled=False) for check_id in CHECKS if check_id not in kept))


# A check that crashes on batch 1, one that needs no forward, and ones after both.
AROUND_A_CRASH = ("shapes.structure", "parameters.count", "equivalence.forward",
                  "semantics.forget_gate", "robustness.batch_independent")


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


@MODES
def test_a_worker_that_dies_fails_the_running_check_and_is_restarted(mode: str) -> None:
    report = grade(HOSTILE / "crash_on_batch_one.py", ["lstm_cell"],
                   only(FAST.with_(sandbox=mode), *AROUND_A_CRASH))
    by_id = {c.check_id: c for c in report.checks}
    crashed = [c for c in report.checks if "exited with status 3" in c.message]
    assert crashed, "the crash was not reported"
    assert all(not c.passed for c in crashed)
    # Checks that never use batch 1 still pass on the restarted worker.
    assert by_id["robustness.batch_independent"].passed is False  # it runs rows alone
    assert by_id["parameters.count"].passed
    assert report.score < report.max_score


@MODES
def test_a_worker_that_hangs_is_killed_at_the_timeout_and_grading_goes_on(mode: str) -> None:
    config = FAST.with_(request_timeout_s=1.0, sandbox=mode)
    report = grade(HOSTILE / "hang_on_batch_one.py", ["lstm_cell"], config)
    by_id = {c.check_id: c for c in report.checks}
    hung = [c for c in report.checks if "no answer within 1 s" in c.message]
    assert hung and all(not c.passed for c in hung)
    assert by_id["parameters.count"].passed
    # After two timeouts of forward the remaining checks that call it fail without running
    # it (the budget itself: tests/test_containment.py).
    assert "so it is not called again" in report.checks[-1].message
    assert report.score < report.max_score


@MODES
def test_output_that_imitates_the_protocol_cannot_corrupt_the_channel(mode: str) -> None:
    report = grade(HOSTILE / "prints_protocol_garbage.py", ["lstm_cell"],
                   FAST.with_(sandbox=mode))
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
    config = only(FAST.with_(memory_limit_mb=1200, submission_timeout_s=60.0),
                  *AROUND_A_CRASH)
    started = time.monotonic()
    report = grade(HOSTILE / "eats_memory.py", ["lstm_cell"], config)
    assert time.monotonic() - started < 120
    forward_checks = [c for c in report.checks if c.check_id == "equivalence.forward"]
    assert forward_checks and not forward_checks[0].passed
    message = forward_checks[0].message
    assert any(m in message for m in ("MemoryError", "allocate memory", "killed")), message
    assert {c.check_id: c for c in report.checks}["parameters.count"].passed


@MODES
def test_a_submission_that_floods_its_output_is_stopped_by_the_output_limit(mode: str) -> None:
    config = FAST.with_(file_limit_mb=1, submission_timeout_s=60.0, sandbox=mode)
    report = grade(HOSTILE / "floods_output.py", ["lstm_cell"], config)
    forward = {c.check_id: c for c in report.checks}["equivalence.forward"]
    assert not forward.passed
    # Past the limit the capture pipe is closed: the next print fails in the student's code.
    assert "BrokenPipeError" in forward.message
    printed = report.environment["student_output"]
    assert "output refused past 1 MiB" in printed and len(printed) < 8200


def _daemons() -> list[str]:
    out = subprocess.run(["pgrep", "-f", "sleep 4321.5"], capture_output=True, text=True)
    return out.stdout.split()


@MODES
def test_a_daemon_started_in_a_new_session_does_not_survive_grading(mode: str) -> None:
    report = grade(HOSTILE / "spawns_daemon.py", ["lstm_cell"], FAST.with_(sandbox=mode))
    assert report.checks
    time.sleep(0.5)
    assert _daemons() == []


def test_a_worker_that_ignores_sigterm_is_killed_anyway() -> None:
    config = FAST.with_(request_timeout_s=1.0, submission_timeout_s=10.0)
    report = grade(HOSTILE / "ignores_sigterm.py", ["lstm_cell"], config)
    assert any("no answer within 1 s" in c.message for c in report.checks)


def test_a_segfault_is_reported_as_a_crash_and_grading_goes_on() -> None:
    report = grade(HOSTILE / "segfaults.py", ["lstm_cell"], only(FAST, *AROUND_A_CRASH))
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
                   only(FAST.with_(sandbox="none"), *AROUND_A_CRASH))
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


# -- a protocol the worker cannot abuse --------------------------------------------------------
def _failed_with(report: object, needle: str) -> list[object]:
    checks = report.checks  # type: ignore[attr-defined]
    return [c for c in checks if not c.passed and needle in c.message]


def test_a_worker_that_shrinks_its_pipe_and_stops_reading_cannot_block_the_grader() -> None:
    config = only(FAST.with_(request_timeout_s=2.0, submission_timeout_s=12.0),
                  *AROUND_A_CRASH)
    report = grade(HOSTILE / "shrinks_request_pipe.py", ["lstm_cell"], config)
    assert _failed_with(report, "did not take its request within 2 s")
    assert report.score < report.max_score


def test_a_forged_header_announcing_a_gigabyte_is_refused_before_anything_is_read() -> None:
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Every check that calls forward meets the forgery and restarts the worker: bounded here.
    report = grade(HOSTILE / "forges_huge_reply.py", ["lstm_cell"],
                   only(FAST.with_(submission_timeout_s=10.0), *AROUND_A_CRASH))
    assert _failed_with(report, "sent a reply larger than this request can return")
    # Not even a tenth of the announced gigabyte was allocated here.
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 100 << 10


def test_a_reply_that_answers_an_earlier_request_is_detected() -> None:
    report = grade(HOSTILE / "desyncs_replies.py", ["lstm_cell"],
                   only(FAST.with_(submission_timeout_s=10.0), *AROUND_A_CRASH))
    assert _failed_with(report, "out of step")
    assert report.score < report.max_score


def test_replies_to_one_submission_share_a_total_budget() -> None:
    from grader.errors import WorkerGarbage
    from grader.sandbox import SandboxRunner, runner_settings
    from tests.zoo import ZOO

    source = (ZOO / "lstm_cell" / "correct_einsum.py").read_text()
    runner = SandboxRunner({"op": "load", "source": source, "filename": "s.py"},
                           **runner_settings(FAST), reply_budget=40_000)
    with runner, pytest.raises(WorkerGarbage, match="all replies to one submission"):
        for _ in range(1000):
            runner.request({"op": "ping"})
    # Read past the budget: at most the refused reply's fixed prefix (magic and length).
    assert 40_000 - 1000 < runner.reply_bytes <= 40_000 + 14


# -- every worker dies with its grader ---------------------------------------------------------
@pytest.mark.parametrize("mode", ["auto", "none", "portable"])
def test_a_worker_dies_with_its_grader_even_when_it_ignores_sigterm(mode: str,
                                                                    tmp_path: Path) -> None:
    import psutil

    from grader.sandbox import bwrap_available

    if mode == "auto" and not bwrap_available():
        pytest.skip("bubblewrap is not installed or not permitted here")
    grader_proc = subprocess.Popen(
        [sys.executable, "-m", "grader.cli", "grade", str(HOSTILE / "busy_loops_forever.py"),
         "--exercise", "lstm_cell", "--out", str(tmp_path / "results.json")],
        cwd=tmp_path, env={**os.environ, "LSTM_GRADER_SANDBOX": mode},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        family: list[psutil.Process] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the worker spins in forward
            family = psutil.Process(grader_proc.pid).children(recursive=True)
            if any(_spinning(p) for p in family):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the worker never reached the busy loop")
        family = psutil.Process(grader_proc.pid).children(recursive=True)
        grader_proc.kill()
        grader_proc.wait()
        _gone, alive = psutil.wait_procs(family, timeout=5)
        alive = [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]
        assert not alive, f"left behind: {[p.cmdline() for p in alive]}"
    finally:
        grader_proc.kill()
        grader_proc.wait()


def _spinning(proc: object) -> bool:
    import psutil

    assert isinstance(proc, psutil.Process)
    try:
        return any(f.path.endswith("busy-marker") for f in proc.open_files())
    except psutil.Error:
        return False
