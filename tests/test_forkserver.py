"""The fork server (grader/forkserver.py): one warm sandbox forks a fresh worker per submission.

Every hostile file here runs only inside the real sandbox (bubblewrap), forked by the server,
and what it tries to leave behind or reach is checked from the *next* submission's point of
view (tests/hostile/forkserver/probe.py) and from the grader's. A server that cannot clean up
must be discarded, and grading must go on with a new one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.config import GradeConfig
from grader.engine import grade, sandbox_runner
from grader.errors import StudentException, SubmissionError
from grader.forkserver import ForkServer
from grader.sandbox import SandboxRunner, bwrap_available, runner_settings
from tests.test_batch import read_csv
from tests.zoo import HOSTILE

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not bwrap_available(),
                                 reason="the fork server runs only under bubblewrap")]
FILES = HOSTILE / "forkserver"
ROOT = Path(__file__).resolve().parent.parent
FAST = GradeConfig(max_examples=4, request_timeout_s=3.0, speed_mode="off")
SETTINGS = runner_settings(FAST)


def _sandboxes() -> set[int]:
    """bubblewrap processes started by this test process (each holds one server or worker)."""
    out = subprocess.run(["pgrep", "-P", str(os.getpid()), "bwrap"], capture_output=True,
                         text=True)
    return {int(p) for p in out.stdout.split()}


@pytest.fixture
def server() -> Iterator[ForkServer]:
    before = _sandboxes()
    fs = ForkServer(SETTINGS, reap_timeout=3.0)
    yield fs
    fs.close()
    deadline = time.monotonic() + 5
    while _sandboxes() - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _sandboxes() - before, "a sandbox outlived its fork server"


def _run(server: ForkServer, name: str, requests: list[dict[str, Any]] | None = None
         ) -> tuple[SandboxRunner, list[Any]]:
    """Load one file through a runner forked by ``server``, send ``requests``, close it."""
    source = (FILES / name).read_text() if (FILES / name).exists() else \
        (ROOT / name).read_text()
    runner = SandboxRunner({"op": "load", "source": source, "filename": name}, **SETTINGS,
                           server=server)
    replies: list[Any] = []
    try:
        for request in [{"op": "ping"}, *(requests or [])]:
            try:
                replies.append(runner.request(request)[0])
            except (StudentException, SubmissionError) as exc:
                replies.append(exc)
    finally:
        runner.close()
    return runner, replies


def _printed(runner: SandboxRunner, tag: str) -> dict[str, Any]:
    for line in "".join(runner.captured).splitlines():
        if line.startswith(tag + " "):
            return json.loads(line[len(tag) + 1:])
    raise AssertionError(f"no {tag} line in the output: {runner.captured}")


def _probe(server: ForkServer) -> dict[str, Any]:
    """What a submission sees (the sandbox's own folder name made neutral: a new sandbox
    gets a new one)."""
    source = (FILES / "probe.py").read_text()
    runner = SandboxRunner({"op": "load", "source": source, "filename": "probe.py"},
                           **SETTINGS, server=server)
    try:
        runner.request({"op": "build", "class": "Probe", "args": [], "seed": 0})
        _, out = runner.request({"op": "call", "args": []})
    finally:
        runner.close()
    text = bytes(int(v) for v in out["out0"].tolist()).decode()
    return json.loads(re.sub(r"lstm-grader-worker-\w+", "lstm-grader-worker-X", text))


def test_submissions_share_one_warm_sandbox_and_each_gets_a_fresh_process(server) -> None:
    pids = []
    for _ in range(3):
        runner, replies = _run(server, "probe.py")
        pids.append(replies[0]["pid"])
        assert "fork server" in runner.isolation or "forked" in runner.isolation
    assert server.starts == 1 and server.spawns == 3 and server.discards == 0
    assert len(set(pids)) == 3 and 1 not in pids  # never the server itself (the init)


def test_nothing_a_submission_leaves_behind_reaches_the_next_one(server) -> None:
    before = _probe(server)
    runner, _ = _run(server, "leaves_everything.py")
    done = _printed(runner, "DONE")
    # It did write everywhere it could (else this test would prove nothing): /tmp, /dev,
    # /dev/shm, its home, the tmpfs over the grader's folders (devpts takes no files) ...
    assert {"/tmp", "/dev", "/dev/shm", str(ROOT / "grader")} <= set(done["writable"])
    assert all(done[top] == "written" for top in done["writable"] if top != "/dev/pts"), done
    assert done["beside home"] == "written", done
    assert min(done["shmget"], done["semget"], done["msgget"]) >= 0, done
    assert str(done["mq_open"]).startswith(("refused", "no librt")), done
    # ... and the next submission finds the sandbox exactly as the first one did.
    after = _probe(server)
    assert after == before
    assert after["processes"] == [] and after["sysv_shm"] == 0 and after["sysv_msg"] == 0
    assert server.starts == 1 and server.discards == 0  # cleaned, not thrown away


def test_without_the_reap_the_next_submission_would_see_it_all(server, tmp_path: Path) -> None:
    # The control for the test above: the probe does see what was left when nothing cleans.
    from grader import protocol
    from grader.portable import Channel

    before = _probe(server)
    with open(tmp_path / "out", "wb") as out, open(tmp_path / "err", "wb") as err:
        _pid, to_child, from_child = server.spawn(out.fileno(), err.fileno())
    source = (FILES / "leaves_everything.py").read_text()
    channel, deadline = Channel(from_child, to_child), time.monotonic() + 60
    channel.write(protocol.encode({"op": "load", "source": source, "filename": "a.py"}),
                  deadline)
    assert protocol.read_message(lambda n: channel.read_exact(n, deadline))[0]["ok"]
    channel.close()  # the worker exits on it, and the channel's descriptors close with it
    time.sleep(0.2)
    seen = _probe(server)  # no reap in between
    assert seen != before
    assert seen["processes"] and seen["sysv_shm"] == 1
    assert any(path.endswith("/left_by_a.txt") for path in seen["/tmp"])
    assert _probe(server) == before  # the probe's own close did reap


def test_limits_or_scheduling_a_submission_changed_in_the_server_discard_it(server) -> None:
    before = _probe(server)
    runner, _ = _run(server, "lowers_the_server_limits.py")
    done = _printed(runner, "LIMITS")
    # Same user, no ptrace needed: it could (else this test would prove nothing) ...
    assert done["RLIMIT_AS"] == done["RLIMIT_NOFILE"] == done["nice"] == "changed", done
    # ... and no later child inherits them: the sandbox is thrown away.
    assert server.discards == 1 and "server's RLIMIT_AS changed" in server.last_error
    assert _probe(server) == before
    honest = grade(ROOT / "examples" / "my_lstm.py", ["lstm_cell"], FAST,
                   runner_factory=_forked_by(server))
    assert honest.score == honest.max_score


def test_attributes_acls_links_and_keys_a_submission_left_are_removed(server) -> None:
    before = _probe(server)
    runner, _ = _run(server, "marks_the_folders.py")
    done = _printed(runner, "MARKS")
    assert done["xattr /tmp"] == done["xattr /dev/shm"] == "set", done
    assert done["acl /tmp"] == "set" and done["symlink"] == "replaced", done
    after = _probe(server)
    assert after == before  # attributes, ACLs and the link as they were
    assert after["reads back"] and after["keys"] == []
    assert server.discards == 0  # put back, not thrown away


def test_a_socket_left_behind_discards_the_sandbox(server) -> None:
    before = _probe(server)
    runner, _ = _run(server, "leaves_a_socket.py")
    assert "SOCKET closed" in "".join(runner.captured)
    assert server.discards == 1 and "sockets" in server.last_error
    assert _probe(server) == before and before["tcp"] == 0


def test_atexit_functions_and_threads_run_at_exit_as_in_a_fresh_worker(server) -> None:
    forked, _ = _run(server, "prints_at_exit.py")
    source = (FILES / "prints_at_exit.py").read_text()
    fresh = SandboxRunner({"op": "load", "source": source, "filename": "x.py"}, **SETTINGS)
    try:
        fresh.request({"op": "ping"})
    finally:
        fresh.close()
    for runner in (forked, fresh):
        printed = "".join(runner.captured)
        assert "bye from atexit" in printed and "bye from a thread" in printed, printed


def test_a_submission_cannot_reach_the_server_that_forked_it(server) -> None:
    runner, _ = _run(server, "attacks_the_server.py")
    got = _printed(runner, "ATTACK")
    assert "--fork-server" in got["cmdline"] and got["server_pid"] == 1  # it found it ...
    for what in ("mem", "environ", "maps"):  # ... and could open nothing of it
        assert str(got[what]).startswith("refused"), got
    assert got["fd"] and all(v.startswith("refused") and "opened" not in v
                             for v in got["fd"].values()), got
    assert got["ptrace"].startswith("refused"), got
    assert got["sockets"] == [], got  # the control socket is not among its descriptors


def test_a_submission_can_neither_kill_nor_stop_the_server(server) -> None:
    # The server is its namespace's init: the kernel drops every signal sent to it from
    # inside for which it has no handler (all of them, SIGKILL and SIGSTOP included).
    before = _probe(server)
    runner, _ = _run(server, "kills_the_server.py")
    sent = _printed(runner, "KILL")
    assert sent["server_pid"] == 1 and sent["SIGKILL"] == sent["SIGSTOP"] == "sent"
    assert _probe(server) == before
    assert server.starts == 1 and server.discards == 0


def test_a_sandbox_the_cleanup_cannot_restore_is_discarded(server) -> None:
    before = _probe(server)
    runner, _ = _run(server, "moves_the_grader_folder.py")
    assert "MOVED" in "".join(runner.captured)  # it did move it
    assert server.discards == 1 and "not clean" in server.last_error
    assert _probe(server) == before  # a new sandbox, as the first was
    assert server.starts == 2


def _forked_by(server: ForkServer) -> Any:
    def factory(load_header: dict[str, Any], config: GradeConfig) -> SandboxRunner:
        return SandboxRunner(load_header, **runner_settings(config), server=server)
    return factory


def test_a_crash_or_a_hang_kills_the_worker_not_the_server(server) -> None:
    crashed = grade(HOSTILE / "segfaults.py", ["lstm_cell"], FAST,
                    runner_factory=_forked_by(server))
    assert [c for c in crashed.checks if "SIGSEGV" in c.message and not c.passed]
    assert {c.check_id: c for c in crashed.checks}["parameters.count"].passed
    hung = grade(HOSTILE / "hang_on_batch_one.py", ["lstm_cell"],
                 FAST.with_(request_timeout_s=1.0, submission_timeout_s=6.0),
                 runner_factory=_forked_by(server))
    assert any("no answer within 1 s" in c.message for c in hung.checks)
    assert server.discards == 0 and server.starts == 1
    assert _probe(server)["processes"] == []


def test_when_the_server_fails_the_submission_gets_a_fresh_worker_and_is_told(server) -> None:
    from grader.forkserver import NOTE

    server.start()
    # Ready first: bubblewrap arms its child's parent-death signal while starting, and a
    # kill before that leaves the server running (then only the marker sweep at its
    # discard would stop it), which is not the failure this test is about.
    server.ready()
    assert server.host is not None and server.host._proc is not None
    server.host._proc.kill()  # the sandbox dies before it could fork anything
    runner, replies = _run(server, "probe.py")
    assert isinstance(replies[0], dict) and replies[0]["ok"]  # served all the same ...
    assert server.discards == 1 and runner.starts == 1
    assert NOTE not in runner.isolation and "bubblewrap" in runner.isolation  # ... and said so
    assert _probe(server)["processes"] == []  # the next one gets a new server
    assert server.starts == 2


def test_printed_output_of_a_forked_worker_is_kept(server) -> None:
    runner, _ = _run(server, "probe.py")
    assert "PROBE" in "".join(runner.captured)


def test_a_poisoned_interpreter_does_not_reach_the_next_grade(server) -> None:
    forked = _forked_by(server)
    fresh = grade(ROOT / "examples" / "my_lstm.py", ["lstm_cell"], FAST,
                  runner_factory=sandbox_runner)
    poisoned = grade(FILES / "poisons_torch.py", ["lstm_cell"], FAST, runner_factory=forked)
    after = grade(ROOT / "examples" / "my_lstm.py", ["lstm_cell"], FAST, runner_factory=forked)
    assert poisoned.score == 0
    assert after.score == fresh.score == fresh.max_score
    assert [(c.check_id, c.score, c.message) for c in after.checks] == \
        [(c.check_id, c.score, c.message) for c in fresh.checks]
    assert server.starts == 1 and server.discards == 0


def test_the_server_refuses_to_run_outside_a_pid_namespace_of_its_own() -> None:
    # Trusted code only (the worker itself, no submission): kill(-1) must never be reachable
    # outside a sandbox, so the server checks where it runs before anything else.
    fs = ForkServer({**SETTINGS, "sandbox": "none"})
    assert not ForkServer.available(fs.settings)
    import socket

    host = SandboxRunner({}, **{**SETTINGS, "sandbox": "none"})
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        host.spawn_fork_server(theirs.fileno())
        theirs.close()
        ours.settimeout(60)
        reply = json.loads(ours.recv(1 << 16))
        assert reply == {"ok": False, "error": "not the init of a PID namespace of its own"}
        assert host._proc is not None and host._proc.wait(timeout=30) == 2
    finally:
        ours.close()
        host.close()


def _normalized(results: Path) -> dict[str, Any]:
    """A results.json without what may differ between two runs (times, the isolation text)."""
    text = re.sub(r'"execution_time": [0-9.]+', '"execution_time": 0', results.read_text())
    text = re.sub(r'"duration_s": [0-9.]+', '"duration_s": 0', text)
    text = re.sub(r"lstm-grader-worker-\w+", "lstm-grader-worker-X", text)
    data = json.loads(text)
    data.get("extra_data", {}).pop("isolation", None)
    data.get("extra_data", {}).get("environment", {}).pop("isolation", None)
    return data


def test_a_batch_grades_the_same_with_and_without_the_fork_server(tmp_path: Path) -> None:
    from grader.batch import Plan, run_batch

    subs = tmp_path / "subs"
    subs.mkdir()
    for name, src in [("alice", ROOT / "examples" / "my_lstm.py"),
                      ("bob", ROOT / "tests" / "submissions" / "lstm_cell" /
                       "bug_tanh_on_forget_gate.py"),
                      ("mallory", HOSTILE / "exits_in_forward.py"),
                      ("trent", HOSTILE / "exits_at_import.py"),
                      ("eve", FILES / "leaves_everything.py"),
                      ("carol", ROOT / "examples" / "lesson_lstm.py")]:
        (subs / f"{name}.py").write_bytes(src.read_bytes())
    out: dict[bool, Path] = {}
    for forked in (True, False):
        out[forked] = tmp_path / f"grades-{forked}.csv"
        run_batch(subs, out[forked], Plan(("lstm_cell", "lstm"), FAST, fork_server=forked),
                  jobs=2)
    rows = {forked: {r["id"]: r for r in read_csv(out[forked])} for forked in out}
    assert rows[True].keys() == {"alice", "bob", "mallory", "trent", "eve", "carol"}
    for sub_id, row in rows[False].items():
        assert {k: v for k, v in rows[True][sub_id].items() if k != "seconds"} == \
            {k: v for k, v in row.items() if k != "seconds"}, sub_id
        forked = _normalized(tmp_path / "grades-True-results" / f"{sub_id}.json")
        fresh = _normalized(tmp_path / "grades-False-results" / f"{sub_id}.json")
        assert forked == fresh, sub_id
    assert rows[True]["alice"]["score"] == rows[True]["alice"]["max_score"]
    assert rows[True]["trent"]["status"] == "load_error"



def test_a_batch_says_when_its_shared_sandbox_was_discarded(tmp_path: Path, capfd) -> None:
    from grader.batch import Plan, run_batch

    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "a_mover.py").write_bytes((FILES / "moves_the_grader_folder.py").read_bytes())
    (subs / "b_correct.py").write_bytes((ROOT / "examples" / "my_lstm.py").read_bytes())
    run_batch(subs, tmp_path / "grades.csv", Plan(("lstm_cell",), FAST), jobs=1)
    rows = {r["id"]: r for r in read_csv(tmp_path / "grades.csv")}
    assert rows["b_correct"]["score"] == rows["b_correct"]["max_score"]  # a new sandbox
    err = capfd.readouterr().err
    assert "discarded after a_mover.py" in err and "not clean" in err
    assert "grades are not affected" in err
    assert "b_correct.py" not in err


def test_a_slot_gives_up_on_a_fork_server_that_never_forks(monkeypatch, capfd) -> None:
    # A machine where the server cannot run (here: what should be the server exits at once).
    from grader import batch

    def exits_at_once(self: SandboxRunner, control_fd: int) -> None:
        self._proc = subprocess.Popen(["true"], pass_fds=(control_fd,), start_new_session=True)

    monkeypatch.setattr(SandboxRunner, "spawn_fork_server", exits_at_once)
    content = (ROOT / "examples" / "my_lstm.py").read_bytes()
    plan = batch.Plan(("lstm_cell",), FAST)
    try:
        results = [batch.grade_job(f"s{i}", f"s{i}.py", content, plan) for i in range(4)]
        assert [r.status for r in results] == ["graded"] * 4
        assert all(r.score == r.max_score for r in results)
        assert batch._server.starts == 3 and batch._server.spawns == 0  # then no more tries
    finally:
        batch._close_spare()
    err = capfd.readouterr().err
    assert err.count("was discarded") == 3


def test_hidden_paths_show_empty_in_fresh_and_forked_workers(server) -> None:
    # Stand-ins (read, never written) for a batch's class folder and its CSV: the batch's
    # own ones live under the test's temporary folder, which /tmp's tmpfs hides anyway.
    folder, file = ROOT / "examples", ROOT / "README.md"
    source = (f"import json, os\nfrom torch import nn\nseen = {{}}\n"
              f"try:\n    seen['folder'] = os.listdir({str(folder)!r})\n"
              f"except OSError as exc:\n    seen['folder'] = exc.strerror\n"
              f"try:\n    seen['file'] = open({str(file)!r}).read(40)\n"
              f"except OSError as exc:\n    seen['file'] = exc.strerror\n"
              f"print('SEEN ' + json.dumps(seen))\nclass LSTMCell(nn.Module):\n    pass\n")
    hide = (str(folder), str(file), str(ROOT))  # ROOT holds the interpreter: not hidden
    for fork in (None, ForkServer({**SETTINGS, "hide": hide})):
        runner = SandboxRunner({"op": "load", "source": source, "filename": "x.py"},
                               **SETTINGS, hide=hide, server=fork)
        try:
            assert runner.request({"op": "ping"})[0]["ok"]
        finally:
            runner.close()
            if fork is not None:
                fork.close()
        seen = _printed(runner, "SEEN")
        # Empty, or (a checkout under /tmp, as in CI) not there at all.
        assert seen["folder"] in ([], "No such file or directory"), seen
        assert "lstm-grader" not in seen["file"], seen
    assert os.listdir(folder)  # (they are not empty outside)


def test_a_batch_hides_its_class_csv_and_results_from_every_sandbox(tmp_path: Path) -> None:
    from grader import batch
    from grader.engine import in_process_runner

    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_bytes((ROOT / "examples" / "my_lstm.py").read_bytes())
    plan = batch.Plan(("lstm_cell",), FAST.with_(max_examples=2),
                      runner_factory=in_process_runner)  # trusted file: only the wiring
    batch.run_batch(subs, tmp_path / "g.csv", plan, jobs=1)
    assert batch._hide == (str(subs), str(tmp_path / "g.csv"), str(tmp_path / "g-results"))
