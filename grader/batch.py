"""``lstm-grader batch``: grade a folder of submissions in parallel into one CSV.

Layout of the folder (hidden entries, ``__pycache__`` and ``.ipynb_checkpoints`` ignored):

- a file per student: ``alice.py``, ``bob.ipynb`` -> ids ``alice``, ``bob``;
- or a folder per student: ``carol/`` -> id ``carol``, graded on the one file chosen by
  ``choose_file`` (see its docstring and the README).

Each submission is one *job*: its bytes, the exercises and the ``GradeConfig`` go to a
worker slot (a process of a local pool, or a Dask worker), which grades it in its own fresh
sandboxed worker process and returns a ``JobResult`` (the CSV row plus the rendered results
file). Only this process writes files: rows are appended and flushed one by one as jobs
finish, and the CSV is rewritten atomically, sorted by id, at the start and at the end, so
an interrupted batch leaves a valid CSV behind and a restart regrades only what is missing.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import grader
from grader.config import GradeConfig
from grader.errors import ConfigError
from grader.files import atomic_write
from grader.reports import status as st

SUFFIXES = (".py", ".ipynb")
_IGNORED = ("__pycache__", ".ipynb_checkpoints", "__MACOSX")
BASE_COLUMNS = ("id", "status", "score", "max_score", "seconds", "file", "error", "digest")
# The fingerprint is the last column on purpose: a row cut short by a crash mid-write then
# lacks it (or has half of it) and is regraded rather than trusted.
LAST_COLUMN = "rubric"


# -- finding submissions --------------------------------------------------------------------
@dataclass(frozen=True)
class Submission:
    id: str
    path: Path | None          # the file graded; None when none could be chosen
    status: str = st.GRADED    # or no_submission / ambiguous (then path is None)
    error: str = ""


def _visible(path: Path) -> bool:
    return not path.name.startswith(".") and path.name not in _IGNORED


def _class_names(exercises: Sequence[str]) -> list[str]:
    from grader.exercises import get_exercise

    return [get_exercise(name).class_name for name in exercises]


def choose_file(folder: Path, exercises: Sequence[str]) -> tuple[Path | None, str]:
    """The file to grade in a student's folder, or (None, why not).

    1. Candidates are the ``.py`` and ``.ipynb`` files anywhere in the folder (hidden files
       and folders, ``__pycache__``, ``.ipynb_checkpoints`` and ``__MACOSX`` ignored).
    2. One candidate: that one.
    3. Several: those whose text defines one of the graded classes (``class LSTMCell`` for
       ``lstm_cell``...). If exactly one does, that one.
    4. Still several: the one named like the handout (``lstm_cell.py``, then
       ``lstm_cell.ipynb``) if exactly one is, else none: the submission is ``ambiguous``.
    """
    path, _, why = _choose(folder, exercises)
    return path, why


def _choose(folder: Path, exercises: Sequence[str]) -> tuple[Path | None, str, str]:
    """``choose_file`` with the batch status of a folder where no file is chosen."""
    from grader.handout import STEM  # the handout's file name

    found = sorted(p for p in _walk(folder) if p.suffix in SUFFIXES and p.is_file())
    if not found:
        return None, st.NO_SUBMISSION, (f"no .py or .ipynb file in {folder.name}/; the "
                                        f"student should upload their solution file")
    if len(found) == 1:
        return found[0], "", ""
    names = _class_names(exercises)
    defining = [p for p in found if _defines(p, names)]
    if len(defining) == 1:
        return defining[0], "", ""
    pool = defining or found
    for handout in (f"{STEM}.py", f"{STEM}.ipynb"):
        named = [p for p in pool if p.name == handout]
        if len(named) == 1:
            return named[0], "", ""
    listed = ", ".join(str(p.relative_to(folder)) for p in pool)
    return None, st.AMBIGUOUS, (f"several candidate files ({listed}) and none is the only one "
                                f"defining {' or '.join(names)}; keep one file in "
                                f"{folder.name}/ or name it {STEM}.py")


def _walk(folder: Path) -> Iterable[Path]:
    for entry in sorted(folder.iterdir()):
        if not _visible(entry):
            continue
        if entry.is_dir() and not entry.is_symlink():
            yield from _walk(entry)
        else:
            yield entry


def _defines(path: Path, class_names: Sequence[str]) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(f"class {name}" in text for name in class_names)


def discover(directory: Path, exercises: Sequence[str]) -> list[Submission]:
    """Every submission in ``directory``, sorted by id."""
    if not directory.is_dir():
        raise ConfigError(f"no folder at {directory}; pass the folder holding the "
                          f"submissions (a file or a folder per student)")
    found: dict[str, Submission] = {}
    origin: dict[str, str] = {}
    for entry in sorted(directory.iterdir()):
        if not _visible(entry):
            continue
        if entry.is_dir():
            path, status, why = _choose(entry, exercises)
            sub = (Submission(entry.name, path) if path is not None else
                   Submission(entry.name, None, status, why))
        elif entry.suffix in SUFFIXES and entry.is_file():
            sub = Submission(entry.stem, entry)
        else:
            continue
        if sub.id in found:
            raise ConfigError(f"two submissions have the id {sub.id!r} ({origin[sub.id]} and "
                              f"{entry.name}); rename or remove one of them")
        found[sub.id] = sub
        origin[sub.id] = entry.name
    return [found[k] for k in sorted(found)]


# -- one job --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """What every job of a batch shares."""

    exercises: tuple[str, ...]
    config: GradeConfig
    format: str = "gradescope"
    prestart: bool = True      # pre-start the next submission's worker (local pool only)
    # One warm sandbox per slot forks each submission's worker (grader/forkserver.py; local
    # pool, bubblewrap only): no interpreter start and import torch per submission.
    fork_server: bool = True
    # Paths no submission's sandbox may show: the class's files, the CSV and the results
    # (run_batch fills them in).
    hide: tuple[str, ...] = ()
    runner_factory: Any = None  # None: the sandbox; tests pass a trusted in-process runner

    @property
    def fingerprint(self) -> str:
        data = {"exercises": list(self.exercises), "config": dataclasses.asdict(self.config),
                "format": self.format, "grader": grader.__version__}
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class JobResult:
    id: str
    status: str
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0
    file: str = ""
    error: str = ""
    digest: str = ""
    checks: dict[str, float] = field(default_factory=dict)
    rendered: str | None = None   # the results file's text, when there is one


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


def grade_job(sub_id: str, filename: str, content: bytes, plan: Plan) -> JobResult:
    """Grade one submission given as bytes; never raises (a grader error becomes a row)."""
    global _hide
    _hide = plan.hide
    started = time.monotonic()
    result = JobResult(sub_id, st.GRADER_ERROR, file=filename, digest=digest(content))
    try:
        from grader.engine import grade
        from grader.reports.formats import render_text

        with tempfile.TemporaryDirectory(prefix="lstm-grader-batch-") as tmp:
            path = Path(tmp) / Path(filename).name
            path.write_bytes(content)
            factory = plan.runner_factory or (
                _forked_runner if plan.fork_server
                else _prestarted_runner if plan.prestart else _plain_runner)
            discards = _server.discards if _server is not None else 0
            report = grade(path, plan.exercises, plan.config, runner_factory=factory)
            if _server is not None and _server.discards > discards:
                _warn_discarded(filename, _server.last_error)
        report.submission = filename
        result.status = st.submission_status(report)
        result.score, result.max_score = report.score, report.max_score
        result.checks = {c.full_id: c.score for c in report.checks}
        result.error = _first_line(report.output) if result.status != st.GRADED else ""
        if result.status != st.GRADED and not result.error:
            failing = [c.message for c in report.checks if not c.passed and c.message]
            result.error = _first_line(failing[0]) if failing else ""
        result.rendered = render_text(report, plan.format)
    except BaseException as exc:  # a grader bug must cost one row, not the batch
        if isinstance(exc, KeyboardInterrupt):
            raise
        result.status = st.GRADER_ERROR
        result.error = _first_line(f"{type(exc).__name__}: {exc}") + " | " + _first_line(
            traceback.format_exc().strip().splitlines()[-1])
    result.seconds = round(time.monotonic() - started, 2)
    return result


def _first_line(text: str, limit: int = 300) -> str:
    line = next((s.strip() for s in str(text).splitlines() if s.strip()), "")
    return line[:limit]


# What the current job's plan hides from the sandbox (set by grade_job for the factories).
_hide: tuple[str, ...] = ()


def _settings(config: GradeConfig) -> dict[str, Any]:
    from grader.sandbox import runner_settings

    return {**runner_settings(config), "hide": _hide}


def _plain_runner(load_header: dict[str, Any], config: GradeConfig) -> Any:
    from grader.sandbox import SandboxRunner

    return SandboxRunner(load_header, **_settings(config))


# One spare per slot process: a fresh worker for the *next* submission, started (interpreter
# and torch imported, no student code) while the current one is graded. Never reused: each
# submission gets the spare made for it, then a new spare is started.
_spare: Any = None
_spare_settings: dict[str, Any] | None = None


def _prestarted_runner(load_header: dict[str, Any], config: GradeConfig) -> Any:
    global _spare, _spare_settings
    from grader.sandbox import SandboxRunner, spare_runner

    settings = _settings(config)
    if _spare is not None and _spare_settings == settings:
        runner: Any = _spare.take(load_header)
    else:
        if _spare is not None:
            _spare.close()
        runner = SandboxRunner(load_header, **settings)
    _spare = spare_runner(settings)  # None: the next submission starts its worker itself
    _spare_settings = settings
    return runner


# One fork server per slot process, kept for every submission the slot grades.
_server: Any = None
_server_settings: dict[str, Any] | None = None


def _forked_runner(load_header: dict[str, Any], config: GradeConfig) -> Any:
    global _server, _server_settings
    from grader.forkserver import ForkServer
    from grader.sandbox import SandboxRunner

    settings = _settings(config)
    if _server is None or _server_settings != settings:
        if _server is not None:
            _server.close()
            _server = None
        if not ForkServer.available(settings):
            return _prestarted_runner(load_header, config)
        _server, _server_settings = ForkServer(settings), settings
    if _server.starts >= 3 and _server.spawns == 0:
        # Three sandboxes in a row never forked a worker: a machine where the fork server
        # cannot run (an old bubblewrap, say). Fresh workers for the rest of this slot.
        return _prestarted_runner(load_header, config)
    try:
        _server.start()  # no-op while it runs; a new sandbox after a discard
    except Exception:
        return _prestarted_runner(load_header, config)
    return SandboxRunner(load_header, **settings, server=_server)


def _warn_discarded(filename: str, why: str) -> None:
    # Grades are not affected, but a sandbox discarded after every submission (a machine
    # where the cleanup cannot work) makes the batch slow, and the instructor should know why.
    print(f"lstm-grader: batch: the sandbox shared by this slot's submissions was discarded "
          f"after {filename} ({why}); the next submission gets a new one (grades are not "
          f"affected; --no-fork-server starts a new sandbox for every submission)",
          file=sys.stderr, flush=True)


def _close_spare() -> None:
    global _spare, _server
    if _spare is not None:
        _spare.close()
        _spare = None
    if _server is not None:
        _server.close()
        _server = None


def _slot_init() -> None:
    """Runs once in each local slot process."""
    import atexit
    from multiprocessing import util

    import torch

    # Slots already run in parallel: one thread each keeps them from fighting over cores.
    torch.set_num_threads(1)
    atexit.register(_close_spare)
    util.Finalize(None, _close_spare, exitpriority=10)  # pool processes skip atexit


# -- the CSV --------------------------------------------------------------------------------
def columns(plan: Plan) -> list[str]:
    from grader.checks import checks_for
    from grader.exercises import get_exercise

    check_columns = [f"{name}/{spec.id}" for name in plan.exercises
                     for spec in checks_for(get_exercise(name), plan.config)]
    return [*BASE_COLUMNS, *check_columns, LAST_COLUMN]


def row_of(result: JobResult, cols: Sequence[str], fingerprint: str) -> dict[str, str]:
    row = {c: "" for c in cols}
    row.update(id=result.id, status=result.status, seconds=f"{result.seconds:g}",
               file=result.file, error=result.error, digest=result.digest)
    if result.score is not None:
        row["score"] = f"{result.score:g}"
    if result.max_score is not None:
        row["max_score"] = f"{result.max_score:g}"
    for name, score in result.checks.items():
        if name in row:
            row[name] = f"{score:g}"
    row[LAST_COLUMN] = fingerprint
    return row


def read_rows(path: Path, cols: Sequence[str]) -> dict[str, dict[str, str]]:
    """Complete rows of an earlier run with the same columns (others are dropped)."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if list(reader.fieldnames or []) != list(cols):
                return {}
            rows = {}
            for row in reader:
                if None in row or any(v is None for v in row.values()):
                    continue  # a row cut short
                rows[row["id"]] = row
            return rows
    except (OSError, csv.Error, UnicodeDecodeError):
        return {}


def write_csv(path: Path, cols: Sequence[str], rows: Iterable[dict[str, str]]) -> None:
    with atomic_write(path, newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(cols))
        writer.writeheader()
        for row in sorted(rows, key=lambda r: r["id"]):
            writer.writerow(row)


# -- progress -------------------------------------------------------------------------------
class ProgressBar:
    """A bar redrawn in place on a terminal; one plain line per submission otherwise."""

    def __init__(self, total: int, done: int, stream: TextIO | None) -> None:
        self.total, self.done, self.stream = total, done, stream
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self.started = time.monotonic()

    def update(self, result: JobResult) -> None:
        self.done += 1
        if self.stream is None:
            return
        score = (f"{result.score:g}/{result.max_score:g}" if result.score is not None
                 and result.max_score is not None else "-")
        what = f"{result.id}: {result.status} {score}"
        if self.tty:
            width = 30
            filled = int(width * self.done / max(1, self.total))
            bar = "#" * filled + "." * (width - filled)
            self.stream.write(f"\r\x1b[K[{bar}] {self.done}/{self.total} {what[:40]}")
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"batch: {self.done}/{self.total} {what} "
                              f"({result.seconds:g} s)\n")
        self.stream.flush()


# -- executors ------------------------------------------------------------------------------
class InlineExecutor:
    """``--jobs 1``: jobs run one after the other in this process (the grader's side is
    trusted; student code still runs only in each submission's sandboxed worker)."""

    def __init__(self) -> None:
        self._calls: dict[Future[JobResult], tuple[Submission, bytes, Plan]] = {}

    def submit(self, sub: Submission, content: bytes, plan: Plan) -> Future[JobResult]:
        future: Future[JobResult] = Future()
        self._calls[future] = (sub, content, plan)
        return future

    def wait_any(self, futures: list[Any]) -> set[Any]:
        future = futures[0]
        sub, content, plan = self._calls.pop(future)
        assert sub.path is not None
        future.set_result(grade_job(sub.id, sub.path.name, content, plan))
        return {future}

    def renew(self) -> None:
        pass

    def close(self) -> None:
        self._calls.clear()
        _close_spare()


class LocalExecutor:
    """``jobs`` slot processes on this machine (spawned: no state shared with this one)."""

    def __init__(self, jobs: int) -> None:
        import multiprocessing

        self.jobs = jobs
        self._ctx = multiprocessing.get_context("spawn")
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.jobs, mp_context=self._ctx, initializer=_slot_init)

    def submit(self, sub: Submission, content: bytes, plan: Plan) -> Future[JobResult]:
        assert sub.path is not None
        return self._pool.submit(grade_job, sub.id, sub.path.name, content, plan)

    def wait_any(self, futures: list[Any]) -> set[Any]:
        from concurrent.futures import FIRST_COMPLETED, wait

        return set(wait(futures, return_when=FIRST_COMPLETED).done)

    def renew(self) -> None:
        """After a slot process died: the pool is broken for good, start another."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


DASK_CONNECT_TIMEOUT = "20s"


class DaskExecutor:
    """Jobs on an existing Dask cluster (``pip install 'lstm-grader[dask]'``)."""

    def __init__(self, scheduler: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise ConfigError("--executor dask needs Dask's distributed scheduler; install "
                              "it with: pip install 'lstm-grader[dask]'") from None
        try:
            self.client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {exc}; start "
                              f"one (dask scheduler) or pass its address, e.g. "
                              f"tcp://10.0.0.5:8786") from None

    def submit(self, sub: Submission, content: bytes, plan: Plan) -> Any:
        assert sub.path is not None
        # pure=False: the same bytes submitted twice (a --force regrade) are graded again.
        return self.client.submit(grade_job, sub.id, sub.path.name, content, plan,
                                  pure=False, key=f"lstm-grader-{sub.id}-{os.urandom(4).hex()}")

    def wait_any(self, futures: list[Any]) -> set[Any]:
        from distributed import wait

        return set(wait(futures, return_when="FIRST_COMPLETED").done)

    def renew(self) -> None:
        pass

    def close(self) -> None:
        self.client.close()


# -- the batch ------------------------------------------------------------------------------
@dataclass
class BatchSummary:
    total: int
    graded_now: int
    kept: int
    seconds: float
    statuses: dict[str, int]

    @property
    def per_minute(self) -> float:
        return 60.0 * self.graded_now / self.seconds if self.seconds > 0 else 0.0


def default_jobs() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def run_batch(directory: Path, out_csv: Path, plan: Plan, *, jobs: int | None = None,
              force: bool = False, results_dir: Path | None = None,
              executor: str = "local", scheduler: str | None = None,
              progress: TextIO | None = None) -> BatchSummary:
    """Grade every submission in ``directory`` into ``out_csv`` (see the module docstring)."""
    from grader.reports.formats import get_format

    started = time.monotonic()
    fmt = get_format(plan.format)
    if jobs is not None and jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}")
    subs = discover(directory, plan.exercises)
    results_dir = results_dir or out_csv.parent / f"{out_csv.stem}-results"
    cols = columns(plan)
    fingerprint = plan.fingerprint
    contents = {s.id: s.path.read_bytes() for s in subs if s.path is not None}

    def results_file(sub_id: str) -> Path:
        return results_dir / f"{sub_id}{fmt.suffix}"

    kept: dict[str, dict[str, str]] = {}
    if not force and out_csv.exists():
        earlier = read_rows(out_csv, cols)
        for sub in subs:
            row = earlier.get(sub.id)
            if row is None or row[LAST_COLUMN] != fingerprint:
                continue
            if row["status"] == st.GRADER_ERROR:
                continue  # not a verdict on the student: try again
            if sub.path is None:
                if row["status"] == sub.status:
                    kept[sub.id] = row
                continue
            if row["digest"] == digest(contents[sub.id]) and results_file(sub.id).is_file():
                kept[sub.id] = row
    # Start from a clean file: the kept rows only, so an appended row never follows half a one.
    write_csv(out_csv, cols, kept.values())
    results_dir.mkdir(parents=True, exist_ok=True)
    # Other students' files and everyone's grades stay out of every sandbox.
    plan = dataclasses.replace(plan, hide=plan.hide + tuple(
        str(p.resolve()) for p in (directory, out_csv, results_dir)))
    if plan.runner_factory is None:
        _can_contain(plan)  # refuse now, not once per submission
    todo = [s for s in subs if s.id not in kept]
    bar = ProgressBar(len(subs), len(kept), progress)
    statuses: dict[str, int] = {}
    rows: dict[str, dict[str, str]] = dict(kept)
    with open(out_csv, "a", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=cols)

        def record(result: JobResult) -> None:
            if result.rendered is not None:
                _write_atomic_text(results_file(result.id), result.rendered)
            row = row_of(result, cols, fingerprint)
            rows[result.id] = row
            writer.writerow(row)
            f.flush()
            statuses[result.status] = statuses.get(result.status, 0) + 1
            bar.update(result)

        for sub in todo:
            if sub.path is None:  # nothing to grade: the row says why
                record(JobResult(sub.id, sub.status, 0.0, None, 0.0, "", sub.error))
        graded = [s for s in todo if s.path is not None]
        try:
            if graded:
                _run_jobs(graded, contents, plan, jobs or default_jobs(), executor,
                          scheduler, record)
        finally:
            _reopen(plan.hide)
    write_csv(out_csv, cols, rows.values())
    return BatchSummary(len(subs), len(todo), len(kept), time.monotonic() - started, statuses)


def _can_contain(plan: Plan) -> None:
    """``ConfigError`` now when no submission could be run safely (root, no bubblewrap, no
    other user able to run this Python: grader.containment)."""
    from grader.sandbox import SandboxRunner

    SandboxRunner({"op": "load", "source": "", "filename": "unused.py"},
                  **{**_settings(plan.config), "hide": plan.hide})


def _reopen(paths: tuple[str, ...]) -> None:
    """Without bubblewrap, as root, the workers found the class's files closed by an ACL
    entry (grader.containment.deny); the batch is over, so it goes."""
    if sys.platform.startswith("linux") and os.geteuid() == 0:
        from grader.containment import undeny

        undeny(list(paths))


def _run_jobs(subs: list[Submission], contents: dict[str, bytes], plan: Plan, jobs: int,
              executor: str, scheduler: str | None,
              record: Callable[[JobResult], None]) -> None:
    pool: InlineExecutor | LocalExecutor | DaskExecutor
    if executor == "local" and jobs == 1:
        pool = InlineExecutor()
    elif executor == "local":
        pool = LocalExecutor(jobs)
    elif executor == "dask":
        if not scheduler:
            raise ConfigError("--executor dask needs --scheduler ADDRESS (the Dask "
                              "scheduler, e.g. tcp://127.0.0.1:8786)")
        # Dask workers may be threads: no per-process spare worker or fork server.
        plan = dataclasses.replace(plan, prestart=False, fork_server=False)
        pool = DaskExecutor(scheduler)
    else:
        raise ConfigError(f"unknown executor {executor!r}; choose local or dask")
    queue = list(subs)
    # Keep at most a few jobs per slot queued, so that a broken pool loses little.
    window = jobs * 2 if isinstance(pool, LocalExecutor) else 1 if isinstance(
        pool, InlineExecutor) else len(subs)
    running: dict[Any, Submission] = {}
    # When a slot process dies, every job in the pool fails with it; those jobs are then
    # "suspects" and rerun one at a time, so only the one that kills its process again is
    # marked crashed, not the innocent ones that happened to share the pool.
    suspects: set[str] = set()

    def crashed(sub: Submission, why: str) -> JobResult:
        return JobResult(sub.id, st.CRASHED, 0.0, None, 0.0,
                         sub.path.name if sub.path else "", why, digest(contents[sub.id]))

    try:
        while queue or running:
            while queue and len(running) < window:
                alone = queue[0].id in suspects or any(
                    s.id in suspects for s in running.values())
                if alone and running:
                    break
                sub = queue.pop(0)
                running[pool.submit(sub, contents[sub.id], plan)] = sub
            done = pool.wait_any(list(running))
            broken = False
            for future in done:
                sub = running.pop(future)
                try:
                    record(future.result())
                except BrokenProcessPool:
                    broken = True
                    if sub.id in suspects:  # it ran alone: it is the one
                        record(crashed(sub, "the grading process died while grading this "
                                            "submission, twice (out of memory?)"))
                    else:
                        suspects.add(sub.id)
                        queue.insert(0, sub)
                except Exception as exc:
                    if type(exc).__name__ == "KilledWorker":  # Dask: it killed its workers
                        record(crashed(sub, _first_line(f"Dask workers died running this "
                                                        f"submission: {exc}")))
                        continue
                    record(JobResult(sub.id, st.GRADER_ERROR, None, None, 0.0,
                                     sub.path.name if sub.path else "",
                                     _first_line(f"{type(exc).__name__}: {exc}"),
                                     digest(contents[sub.id])))
            if broken:
                for future, sub in list(running.items()):
                    running.pop(future)
                    suspects.add(sub.id)
                    queue.insert(0, sub)
                pool.renew()
    finally:
        pool.close()


def _write_atomic_text(path: Path, text: str) -> None:
    with atomic_write(path) as stream:
        stream.write(text)


def add_parser(sub: Any) -> None:
    """The ``batch`` subcommand's options (added to the CLI by grader.cli)."""
    from grader.reports.formats import DEFAULT_FORMAT, FORMAT_NAMES

    p = sub.add_parser("batch", help="grade a folder of submissions into one CSV")
    p.add_argument("dir", type=Path, help="folder with a file (alice.py, bob.ipynb) or a "
                                          "folder per student")
    p.add_argument("--out", type=Path, default=Path("grades.csv"),
                   help="the CSV to write (default ./grades.csv)")
    p.add_argument("--jobs", type=int, default=None,
                   help=f"submissions graded at once (default {default_jobs()}: min(2, CPUs))")
    p.add_argument("--force", action="store_true",
                   help="regrade everything, ignoring rows kept from an earlier run")
    p.add_argument("--rubric", type=Path, default=None,
                   help="rubric TOML file (default: the built-in rubric)")
    p.add_argument("--format", choices=FORMAT_NAMES, default=DEFAULT_FORMAT,
                   help="format of each submission's results file (default gradescope)")
    p.add_argument("--results-dir", type=Path, default=None,
                   help="where each submission's results file goes (default: "
                        "<out>-results/ next to the CSV)")
    p.add_argument("--examples", type=int, default=None,
                   help="Hypothesis examples per check (overrides the rubric)")
    p.add_argument("--no-fork-server", action="store_true",
                   help="start a fresh sandboxed interpreter for every submission instead of "
                        "forking it from a warm one (slower; the grades are the same)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local worker processes (default) or an existing Dask cluster")
    p.add_argument("--scheduler", default=None,
                   help="with --executor dask: the scheduler address, e.g. "
                        "tcp://10.0.0.5:8786")


def load_plan_inputs(rubric_path: Path | None, examples: int | None
                     ) -> tuple[tuple[str, ...], GradeConfig]:
    """Exercises and config from a rubric file (or the built-in one)."""
    from grader.rubric import load_rubric

    rubric = load_rubric(rubric_path)
    config = rubric.config
    if examples is not None:
        config = config.with_(max_examples=examples)
    return tuple(rubric.exercises), config


def command(args: Any, stream: TextIO | None = None) -> int:
    """The ``batch`` command (called by grader.cli)."""
    stream = stream or sys.stderr  # looked up now: tests and tools replace sys.stderr
    exercises, config = load_plan_inputs(args.rubric, args.examples)
    plan = Plan(exercises=exercises, config=config, format=args.format,
                fork_server=not args.no_fork_server)
    summary = run_batch(args.dir, args.out, plan, jobs=args.jobs, force=args.force,
                        results_dir=args.results_dir, executor=args.executor,
                        scheduler=args.scheduler, progress=stream)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.statuses.items()))
    print(f"lstm-grader: {summary.total} submissions ({summary.kept} kept from an earlier "
          f"run, {summary.graded_now} graded now{': ' + counts if counts else ''}) in "
          f"{summary.seconds:.0f} s -> {args.out}", file=stream)
    return 0
