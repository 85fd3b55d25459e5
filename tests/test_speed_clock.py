"""The speed check's clock on the CPU: CPU time of the timing thread, wall-clock time when the
submission leaves that thread idle. Synthetic timings (no test here asserts a wall-clock
time) and the worker's reply in-process."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import pytest

from grader.checks import Outcome
from grader.checks.speed import BUSY_SHARE, busy_share, clock_of, judge
from grader.client import Client, Timing
from grader.config import GradeConfig
from grader.errors import StudentException
from grader.exercises import get_exercise
from grader.i18n import Msg
from tests.test_speed import CORRECT, _client, _time

BANDS = ((4.0, 1.0), (8.0, 0.5))
GRADED = GradeConfig(speed_mode="graded", speed_cpu_bands=BANDS)


def both(reference: list[float], student: list[float]) -> dict[str, dict[str, list[float]]]:
    return {phase: {"reference": reference, "student": student}
            for phase in ("forward", "forward_backward")}


def ctx() -> Any:
    return SimpleNamespace(config=GRADED, exercise=get_exercise("lstm"))


# A busy machine: every other round, both implementations lose most of their wall-clock time
# to other processes, unevenly (the student's block more in even rounds, the reference's in
# odd ones), while the CPU seconds each spends stay the same.
WALL = both([1.0, 9.0] * 6, [3.0 * 9, 3.0] * 6)
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


class _Reply:
    """A runner whose worker answers a timing request with a given reply."""

    def __init__(self, reply: dict[str, Any]) -> None:
        self.reply = reply

    def request(self, header: dict[str, Any], tensors: Any = None,
                timeout: float | None = None, max_reply: int | None = None
                ) -> tuple[dict[str, Any], dict[str, Any]]:
        return self.reply, {}


def _reply(cpu: Any) -> dict[str, Any]:
    reply: dict[str, Any] = {"ok": True, "times": both([1.0] * 3, [2.0] * 3), "hardware": {}}
    if cpu is not None:
        reply["cpu_times"] = cpu
    return reply


@pytest.mark.parametrize(("cpu", "kept"), [
    (both([0.5] * 3, [1.0] * 3), True),
    (None, False),
    (both([0.0] * 3, [1.0] * 3), False),          # a clock too coarse for the blocks
    (both([0.5] * 2, [1.0] * 2), False),          # not one per block
    ({"forward": "garbage"}, False),
])
def test_the_client_keeps_cpu_times_only_when_they_are_usable(cpu: Any, kept: bool) -> None:
    client = Client(_Reply(_reply(cpu)), 5.0)  # type: ignore[arg-type]
    timing = client.time("LSTM", [3, 4, 1], workload=(2, 2, 3, 4), mode="sequence",
                         baseline="lstm", device="cpu")
    assert (timing.cpu_times is not None) == kept
    assert timing.times["forward"]["student"] == [2.0] * 3  # the wall clock is always there


def test_the_worker_reports_cpu_times_with_one_thread_only() -> None:
    one = _time(_client(CORRECT.read_text()), threads=1)
    assert one.cpu_times is not None
    for phase in ("forward", "forward_backward"):
        assert len(one.cpu_times[phase]["student"]) == len(one.times[phase]["student"])
        assert all(t > 0 for t in one.cpu_times[phase]["student"])
    two = _time(_client(CORRECT.read_text()), threads=2)
    assert two.cpu_times is None


def test_threads_the_submission_starts_are_refused_and_the_hosts_own_are_not() -> None:
    # A thread of the process that was there before the submission loaded (here: the test
    # process's own; in a real worker there is none) does not count against it.
    stop = threading.Event()
    host = threading.Thread(target=stop.wait, daemon=True)
    host.start()
    try:
        assert _time(_client(CORRECT.read_text())).rounds >= 3
        source = (CORRECT.read_text() + "\nimport threading as _threading\n"
                  "_stop = _threading.Event()\n"
                  "_threading.Thread(target=_stop.wait, daemon=True).start()\n")
        client = _client(source)
        try:
            with pytest.raises(StudentException, match="threads of its own"):
                _time(client)
        finally:
            client.runner._handler.module._stop.set()  # type: ignore[attr-defined]
    finally:
        stop.set()
