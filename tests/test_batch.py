"""Batch grading: discovery, the CSV, resuming, grader errors, Dask.

The trusted files here are graded in-process (``in_process`` below, passed to the slot
processes by reference); the real sandbox, with pre-started workers, is the slow test.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from grader.batch import (
    LAST_COLUMN,
    Plan,
    ProgressBar,
    choose_file,
    columns,
    discover,
    run_batch,
)
from grader.config import GradeConfig
from grader.engine import in_process_runner as in_process
from grader.errors import ConfigError
from grader.sandbox import InProcessRunner

ROOT = Path(__file__).resolve().parent.parent
CORRECT = ROOT / "examples" / "my_lstm.py"
BUGGY = ROOT / "tests" / "submissions" / "lstm_cell" / "bug_default_state_ones.py"
# Speed off: these tests are about batching, and timing nn.LSTM costs seconds per file; the
# real-sandbox test keeps the default (speed informational on a CPU) and checks what it gives.
QUICK = GradeConfig(max_examples=2, speed_mode="off")
DEFAULTS = GradeConfig(max_examples=2)


def explodes_on_boom(load_header: dict[str, Any], config: GradeConfig) -> InProcessRunner:
    if load_header.get("filename", "").startswith("boom"):
        raise RuntimeError("a grader bug")
    return InProcessRunner(load_header)


def kills_its_process_on_kill(load_header: dict[str, Any], config: GradeConfig
                              ) -> InProcessRunner:
    import os

    if load_header.get("filename", "").startswith("kill"):
        os._exit(9)  # the slot process dies, as on an out-of-memory kill
    return InProcessRunner(load_header)


def plan(factory: Any = in_process, fmt: str = "gradescope") -> Plan:
    return Plan(exercises=("lstm_cell",), config=QUICK, format=fmt, runner_factory=factory)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def make_class(tmp: Path) -> Path:
    subs = tmp / "subs"
    subs.mkdir()
    shutil.copy(CORRECT, subs / "alice.py")
    shutil.copy(BUGGY, subs / "bob.py")
    (subs / "carol").mkdir()
    shutil.copy(CORRECT, subs / "carol" / "lstm_cell.py")
    (subs / "carol" / "notes.py").write_text("print('scratch')\n")
    (subs / "dave").mkdir()                                   # nothing handed in
    (subs / "erin.py").write_text("class LSTMCell(:\n")      # syntax error
    (subs / ".DS_Store").write_text("")
    (subs / "readme.txt").write_text("not a submission")
    return subs


# -- discovery ------------------------------------------------------------------------------
def test_choose_file_rules(tmp_path: Path) -> None:
    one = tmp_path / "one"
    (one / "sub").mkdir(parents=True)
    (one / "sub" / "work.ipynb").write_text("{}")
    (one / ".ipynb_checkpoints").mkdir()
    (one / ".ipynb_checkpoints" / "work-checkpoint.ipynb").write_text("{}")
    assert choose_file(one, ["lstm_cell"]) == (one / "sub" / "work.ipynb", "")

    defining = tmp_path / "defining"
    defining.mkdir()
    (defining / "helpers.py").write_text("X = 1\n")
    (defining / "mine.py").write_text("class LSTMCell:\n    pass\n")
    assert choose_file(defining, ["lstm_cell"])[0] == defining / "mine.py"

    handout = tmp_path / "handout"
    handout.mkdir()
    for name in ("lstm_cell.py", "old.py"):
        (handout / name).write_text("class LSTMCell:\n    pass\n")
    assert choose_file(handout, ["lstm_cell"])[0] == handout / "lstm_cell.py"

    ambiguous = tmp_path / "ambiguous"
    ambiguous.mkdir()
    for name in ("a.py", "b.py"):
        (ambiguous / name).write_text("class LSTMCell:\n    pass\n")
    path, why = choose_file(ambiguous, ["lstm_cell"])
    assert path is None and "a.py, b.py" in why

    empty = tmp_path / "empty"
    empty.mkdir()
    path, why = choose_file(empty, ["lstm_cell"])
    assert path is None and why.startswith("no .py or .ipynb")


def test_discover_ids_statuses_and_clashes(tmp_path: Path) -> None:
    subs = make_class(tmp_path)
    found = discover(subs, ["lstm_cell"])
    assert [s.id for s in found] == ["alice", "bob", "carol", "dave", "erin"]
    by_id = {s.id: s for s in found}
    assert by_id["carol"].path == subs / "carol" / "lstm_cell.py"
    assert by_id["dave"].path is None and by_id["dave"].status == "no_submission"
    (subs / "alice").mkdir()
    (subs / "alice" / "x.py").write_text("")
    with pytest.raises(ConfigError, match="alice"):
        discover(subs, ["lstm_cell"])
    with pytest.raises(ConfigError, match="no folder"):
        discover(tmp_path / "missing", ["lstm_cell"])


def test_progress_bar_writes_plain_lines_when_not_a_terminal() -> None:
    from grader.batch import JobResult

    out = io.StringIO()
    bar = ProgressBar(2, 0, out)
    bar.update(JobResult("alice", "graded", 3.0, 4.0, 1.5))
    assert out.getvalue() == "batch: 1/2 alice: graded 3/4 (1.5 s)\n"


# -- a whole batch --------------------------------------------------------------------------
def test_batch_writes_a_row_per_submission_and_resumes(tmp_path: Path) -> None:
    subs = make_class(tmp_path)
    out = tmp_path / "out" / "grades.csv"
    progress = io.StringIO()
    summary = run_batch(subs, out, plan(), jobs=2, progress=progress)
    rows = read_csv(out)
    assert [r["id"] for r in rows] == ["alice", "bob", "carol", "dave", "erin"]
    assert summary.graded_now == 5 and summary.kept == 0
    by_id = {r["id"]: r for r in rows}
    assert {k: r["status"] for k, r in by_id.items()} == {
        "alice": "graded", "bob": "graded", "carol": "graded", "dave": "no_submission",
        "erin": "load_error"}
    check_cols = [c for c in columns(plan()) if "/" in c]
    assert check_cols and all(c.startswith("lstm_cell/") for c in check_cols)
    for r in rows:
        if r["status"] in ("graded", "load_error"):
            assert float(r["score"]) == pytest.approx(sum(float(r[c]) for c in check_cols))
    assert by_id["alice"]["score"] == by_id["alice"]["max_score"]
    assert float(by_id["bob"]["score"]) < float(by_id["bob"]["max_score"])
    assert by_id["erin"]["score"] == "0" and "syntax error" in by_id["erin"]["error"]
    assert "lstm_cell.py" in by_id["carol"]["file"]
    assert "no .py" in by_id["dave"]["error"]
    results = tmp_path / "out" / "grades-results"
    assert sorted(p.name for p in results.iterdir()) == [
        "alice.json", "bob.json", "carol.json", "erin.json"]
    bob = json.loads((results / "bob.json").read_text())
    assert bob["score"] == float(by_id["bob"]["score"])
    assert progress.getvalue().count("\n") == 5

    # A second run keeps everything; a half-written row and a changed file are redone.
    summary = run_batch(subs, out, plan(), jobs=1)
    assert summary.kept == 5 and summary.graded_now == 0
    assert read_csv(out) == rows
    with open(out, "a", encoding="utf-8") as f:
        f.write("zed,graded,1,")  # a crash mid-row
    shutil.copy(BUGGY, subs / "alice.py")
    summary = run_batch(subs, out, plan(), jobs=1)
    assert summary.kept == 4 and summary.graded_now == 1
    again = {r["id"]: r for r in read_csv(out)}
    assert sorted(again) == ["alice", "bob", "carol", "dave", "erin"]
    assert again["alice"]["score"] == again["bob"]["score"]

    # --force regrades everything (one after the other in this process with --jobs 1).
    summary = run_batch(subs, out, plan(), jobs=1, force=True)
    assert summary.graded_now == 5 and summary.kept == 0
    assert {r["id"]: r["score"] for r in read_csv(out)} == {
        k: r["score"] for k, r in again.items()}
    # Another rubric or format is another fingerprint: nothing would be kept.
    assert len({r[LAST_COLUMN] for r in read_csv(out)}) == 1
    assert plan(fmt="junit").fingerprint != plan().fingerprint
    assert Plan(("lstm_cell",), QUICK.with_(max_examples=3)).fingerprint != plan().fingerprint


def test_a_grader_error_costs_one_row_and_is_retried_on_resume(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(CORRECT, subs / "alice.py")
    (subs / "boom").mkdir()
    shutil.copy(CORRECT, subs / "boom" / "boom.py")
    out = tmp_path / "grades.csv"
    run_batch(subs, out, plan(explodes_on_boom), jobs=1)
    rows = {r["id"]: r for r in read_csv(out)}
    assert rows["alice"]["status"] == "graded"
    assert rows["boom"]["status"] == "grader_error"
    assert "a grader bug" in rows["boom"]["error"]
    summary = run_batch(subs, out, plan(explodes_on_boom), jobs=1)
    assert summary.kept == 1 and summary.graded_now == 1


@pytest.mark.slow
def test_a_slot_process_that_dies_costs_only_its_own_row(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("alice", "bob", "carol"):
        shutil.copy(CORRECT, subs / f"{name}.py")
    shutil.copy(CORRECT, subs / "kill.py")
    out = tmp_path / "grades.csv"
    summary = run_batch(subs, out, plan(kills_its_process_on_kill), jobs=2)
    rows = {r["id"]: r for r in read_csv(out)}
    assert summary.graded_now == 4
    assert rows["kill"]["status"] == "crashed" and "died" in rows["kill"]["error"]
    for name in ("alice", "bob", "carol"):
        assert rows[name]["status"] == "graded"
        assert rows[name]["score"] == rows[name]["max_score"]


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    subs = make_class(tmp_path)
    with pytest.raises(ConfigError, match="--jobs"):
        run_batch(subs, tmp_path / "g.csv", plan(), jobs=0)
    with pytest.raises(ConfigError, match="--scheduler"):
        run_batch(subs, tmp_path / "g.csv", plan(), executor="dask")


def test_dask_executor_on_a_local_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(CORRECT, subs / "alice.py")
    shutil.copy(BUGGY, subs / "bob.py")
    (subs / "erin.py").write_text("class LSTMCell(:\n")
    out = tmp_path / "grades.csv"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        summary = run_batch(subs, out, plan(), executor="dask",
                            scheduler=cluster.scheduler_address)
    rows = {r["id"]: r for r in read_csv(out)}
    assert summary.graded_now == 3
    assert [rows[k]["status"] for k in ("alice", "bob", "erin")] == [
        "graded", "graded", "load_error"]
    assert rows["alice"]["score"] == rows["alice"]["max_score"]
    assert float(rows["bob"]["score"]) < float(rows["bob"]["max_score"])


def test_an_unreachable_scheduler_is_a_usage_error(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr("grader.batch.DASK_CONNECT_TIMEOUT", "1s")
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(CORRECT, subs / "alice.py")
    with pytest.raises(ConfigError, match="Dask scheduler"):
        run_batch(subs, tmp_path / "g.csv", plan(), executor="dask",
                  scheduler="tcp://127.0.0.1:9")


@pytest.mark.slow
def test_batch_through_the_real_sandbox_with_prestarted_workers(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(CORRECT, subs / "alice.py")
    shutil.copy(ROOT / "tests" / "hostile" / "exits_in_forward.py", subs / "mallory.py")
    shutil.copy(ROOT / "tests" / "hostile" / "exits_at_import.py", subs / "trent.py")
    shutil.copy(BUGGY, subs / "bob.py")
    out = tmp_path / "grades.csv"
    run_batch(subs, out, Plan(("lstm_cell",), DEFAULTS), jobs=2)
    rows = {r["id"]: r for r in read_csv(out)}
    assert sorted(rows) == ["alice", "bob", "mallory", "trent"]
    assert rows["alice"]["status"] == "graded"
    assert rows["alice"]["score"] == rows["alice"]["max_score"]
    # The default rubric's speed check ran: its column, and its result beside the others.
    assert "lstm_cell/speed.vs_pytorch" in rows["alice"]
    alice = json.loads((tmp_path / "grades-results" / "alice.json").read_text())
    (speed,) = [t for t in alice["tests"] if t["tags"][0] == "speed"]
    assert "× the time of nn.LSTM" in speed["output"]
    assert float(rows["bob"]["score"]) < float(rows["bob"]["max_score"])
    assert rows["trent"]["status"] == "load_error"
    assert float(rows["mallory"]["score"]) < float(rows["mallory"]["max_score"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades-results", "grades.csv",
                                                          "subs"]


@pytest.mark.slow
def test_a_prestarted_worker_serves_only_the_submission_it_is_given_then_goes() -> None:
    import os

    from grader.engine import sandbox_runner

    runner = sandbox_runner({"op": "load", "source": "", "filename": "unused.py"}, QUICK)
    runner.prestart()
    assert runner._proc is not None
    pid = runner._proc.pid
    runner.load_header = {"op": "load", "source": CORRECT.read_text(), "filename": "a.py"}
    runner.request({"op": "ping"})
    assert runner.starts == 1 and runner._proc.pid == pid  # the same process, loaded once
    assert "LSTMCell" in (runner.load_reply or {}).get("classes", [])
    runner.close()
    spare = sandbox_runner({"op": "load", "source": "", "filename": "unused.py"}, QUICK)
    spare.prestart()
    assert spare._proc is not None
    spare_pid = spare._proc.pid
    spare.close()  # never used: closed like any other
    for gone in (pid, spare_pid):
        with pytest.raises(ProcessLookupError):
            os.kill(gone, 0)

