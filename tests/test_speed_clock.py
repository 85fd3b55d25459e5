"""The speed check's clock on the CPU: CPU time of each worker's processes, read by the grader
from the kernel (WorkerClocks), wall-clock time when the submission leaves its process idle.
Synthetic timings (no test here asserts a wall-clock time) and the clocks themselves."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from types import SimpleNamespace
from typing import Any

import pytest

from grader.checks import Outcome
from grader.checks.speed import BUSY_SHARE, busy_share, clock_of, judge
from grader.client import Timing
from grader.config import GradeConfig
from grader.engine import grade, in_process_runner
from grader.exercises import get_exercise
from grader.i18n import Msg
from grader.sandbox import WorkerClocks
from tests.test_speed import CORRECT

BANDS = ((4.0, 1.0), (8.0, 0.5))
GRADED = GradeConfig(speed_mode="graded", speed_cpu_bands=BANDS)


def both(reference: list[float], student: list[float]) -> dict[str, dict[str, list[float]]]:
    return {phase: {"reference": reference, "student": student}
            for phase in ("forward", "forward_backward")}


def ctx() -> Any:
    return SimpleNamespace(config=GRADED, exercise=get_exercise("lstm"))


# A busy machine: in every round both implementations lose wall-clock time to other
# processes, unevenly (the student's block more in even rounds, the reference's in odd ones),
# while the CPU seconds each spends stay the same.
WALL = both([2.0, 9.0] * 6, [3.0 * 9, 4.5] * 6)
CPU = both([1.0] * 12, [3.0] * 12)


def test_on_a_busy_machine_cpu_time_gives_the_ratio_the_wall_clock_blurs() -> None:
    timing = Timing(WALL, 12, {"threads": 1}, cpu_times=CPU)
    times, clock, note = clock_of(timing)
    assert clock == "cpu" and times is CPU and note is None
    outcome = judge(ctx(), timing, "cpu", True, "")
    assert isinstance(outcome, Outcome)
    assert outcome.extra["ratio"] == 3.0 and outcome.fraction == 1.0
    speed = outcome.extra["speed"]
    assert speed["clock"] == "cpu" and speed["confidence"] == "high"
    assert speed["wall_clock"]["forward_backward"]["ratio"] != 3.0  # what wall time would say
    assert "timed in CPU time" in outcome.message


def test_a_submission_that_waits_for_work_done_elsewhere_is_scored_on_wall_clock_time() -> None:
    # Its thread is busy a tenth of the time the reference's is: the work happens elsewhere
    # (another process or thread), which CPU time would not see.
    timing = Timing(both([1.0] * 9, [6.0] * 9), 9, {"threads": 1},
                    cpu_times=both([1.0] * 9, [0.3] * 9))
    assert busy_share(timing, "student") < BUSY_SHARE * busy_share(timing, "reference")
    times, clock, note = clock_of(timing)
    assert clock == "wall" and times is timing.times and note is not None
    outcome = judge(ctx(), timing, "cpu", True, "")
    assert isinstance(outcome, Outcome)
    assert outcome.extra["ratio"] == 6.0 and outcome.fraction == 0.5
    assert outcome.extra["speed"]["clock"] == "wall"
    assert "wall-clock time is scored" in outcome.message
    assert isinstance(outcome.message, Msg)
    assert "tiempo de reloj" in outcome.message.render("es")


def test_the_busy_share_is_the_share_of_all_the_time_not_a_median_of_blocks() -> None:
    # Short blocks are either untouched (share 1) or mostly preempted (share 0.1): the median
    # of 3 blocks would say 0.1, the share of the whole time says 0.25.
    timing = Timing(both([1.0, 10.0, 10.0], [1.0] * 3), 3, {},
                    cpu_times=both([1.0, 1.0, 1.0], [1.0] * 3))
    assert busy_share(timing, "reference") == pytest.approx(3.0 / 21.0)
    assert busy_share(timing, "student") == 1.0


def test_without_cpu_times_the_wall_clock_is_scored_as_before() -> None:
    timing = Timing(both([1.0] * 9, [3.0] * 9), 9, {"threads": 1})
    assert clock_of(timing)[1] == "wall"
    outcome = judge(ctx(), timing, "cpu", True, "")
    assert isinstance(outcome, Outcome) and "busy_share" not in outcome.extra["speed"]
    assert "timed in" not in outcome.message


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kernel CPU clocks: Linux")
def test_worker_clocks_read_the_cpu_time_of_a_process_tree_from_outside() -> None:
    # A parent that waits and a child that works: the child's CPU time is the tree's.
    code = ("import subprocess, sys\n"
            "subprocess.run([sys.executable, '-c', 'sum(range(3_000_000))'])\n")
    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read(1); " + code],
                            stdin=subprocess.PIPE)
    try:
        clocks = WorkerClocks(proc.pid)
        assert clocks.cpu_s() == 0.0
        assert proc.stdin is not None
        proc.stdin.write(b"x")
        proc.stdin.flush()
        used = 0.0
        while proc.poll() is None:
            used = clocks.cpu_s() or used
        assert used > 0
    finally:
        proc.kill()
        proc.wait()
    assert WorkerClocks(proc.pid).cpu_s() is None  # gone: no clock to read


def test_with_more_than_one_thread_wall_clock_time_is_scored() -> None:
    config = GradeConfig(max_examples=2, speed_cpu_workload=(4, 2, 3, 3), speed_budget_s=0.02,
                         speed_min_rounds=3, speed_max_rounds=3, speed_device="cpu")
    one = grade(CORRECT, ["lstm"], config, runner_factory=in_process_runner)
    two = grade(CORRECT, ["lstm"], config.with_(speed_threads=2),
                runner_factory=in_process_runner)
    assert [c.extra["speed"]["clock"] for c in one.checks if c.category == "speed"] == ["cpu"]
    assert [c.extra["speed"]["clock"] for c in two.checks if c.category == "speed"] == ["wall"]


@pytest.mark.slow
def test_a_forked_workers_clocks_are_found_from_outside_its_pid_namespace() -> None:
    from grader.forkserver import ForkServer
    from grader.sandbox import SandboxRunner, runner_settings

    settings = runner_settings(GradeConfig())
    if not ForkServer.available(settings):
        pytest.skip("the fork server needs bubblewrap")
    server = ForkServer(settings)
    server.start()
    try:
        runner = SandboxRunner({"op": "load", "source": "x = 1", "filename": "a.py"},
                               server=server, **settings)
        try:
            runner.request({"op": "ping"})
            clocks = runner.clocks()
            assert clocks is not None and clocks.cpu_s() == 0.0
            runner.request({"op": "ping"})
            assert (clocks.cpu_s() or 0.0) > 0  # the request's own work, in the worker
        finally:
            runner.close()
    finally:
        server.discard()


# A parent with a second thread and a child that spins: the shape of a worker whose
# submission started work of its own.
_TREE = ("import os, sys, threading, time\n"
         "threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
         "if os.fork() == 0:\n"
         "    while True: pass\n"
         "print('ready', flush=True)\n"
         "time.sleep(60)\n")


def _kill_tree(proc: subprocess.Popen[bytes]) -> None:
    for pid in WorkerClocks(proc.pid).tree()[1:]:  # the child would outlive its parent
        os.kill(pid, 9)
    proc.kill()
    proc.wait()


def _threads(clocks: WorkerClocks) -> list[int]:
    return [int(t) for pid in clocks.tree() for t in os.listdir(f"/proc/{pid}/task")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="affinity and /proc: Linux")
def test_pinning_keeps_every_thread_of_a_tree_on_one_cpu_and_gives_their_cpus_back() -> None:
    proc = subprocess.Popen([sys.executable, "-c", _TREE], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
        clocks = WorkerClocks(proc.pid)
        threads = _threads(clocks)
        assert len(clocks.tree()) == 2 and len(threads) == 3
        before = {tid: os.sched_getaffinity(tid) for tid in threads}
        cpu = max(os.sched_getaffinity(0))
        restore = clocks.pin({cpu})
        assert restore is not None
        assert all(os.sched_getaffinity(tid) == {cpu} for tid in threads)
        restore()
        assert {tid: os.sched_getaffinity(tid) for tid in threads} == before
    finally:
        _kill_tree(proc)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals and /proc: Linux")
def test_stopping_a_tree_holds_every_process_until_it_is_resumed() -> None:
    from grader.sandbox import _state

    proc = subprocess.Popen([sys.executable, "-c", _TREE], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
        clocks = WorkerClocks(proc.pid)
        tree = clocks.tree()
        assert len(tree) == 2
        resume = clocks.stop()
        assert resume is not None
        assert [_state(pid) for pid in tree] == ["T", "T"]
        spent = clocks.cpu_s()
        time.sleep(0.05)
        assert clocks.cpu_s() == spent  # the spinning child does not run
        resume()
        deadline = time.monotonic() + 5
        while _state(tree[1]) == "T" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "T" not in [_state(pid) for pid in tree]
    finally:
        _kill_tree(proc)
