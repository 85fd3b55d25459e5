"""Grades one submission: starts the sandbox, runs every check, builds the GradeReport."""

from __future__ import annotations

import difflib
import functools
import os
import platform
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.configuration
import torch

import grader
from grader.checks import CheckFailed, CheckSpec, Context, Outcome, checks_for
from grader.client import Budget, Client
from grader.config import GradeConfig
from grader.errors import ConfigError, StudentException, SubmissionError, UnreadableNotebook
from grader.exercises import DEFAULT_EXERCISES, Exercise, get_exercise
from grader.i18n import Msg, append_field, as_msg, join, registered, set_field
from grader.notebook import NotebookSource, notebook_source
from grader.results import CheckResult, ExerciseResult, GradeReport, maths_failures
from grader.sandbox import InProcessRunner, Runner, SandboxRunner, runner_settings

RunnerFactory = Callable[[dict[str, Any], GradeConfig], Runner]
# progress(exercise, step, done, total): step is a check id, "visuals", or "" at the end.
Progress = Callable[[str, str, int, int], None]

_hypothesis_home: tempfile.TemporaryDirectory[str] | None = None


def _isolate_hypothesis() -> None:
    """Keep Hypothesis from creating .hypothesis/ in the current (student's) folder."""
    global _hypothesis_home
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY") or _hypothesis_home is not None:
        return
    _hypothesis_home = tempfile.TemporaryDirectory(prefix="lstm-grader-hypothesis-")
    hypothesis.configuration.set_hypothesis_home_dir(_hypothesis_home.name)


def _one_thread(fn: Callable[..., GradeReport]) -> Callable[..., GradeReport]:
    """Run ``fn`` with one intra-op torch thread in this (the grader's) process.

    The grader's own tensors are tiny (sizes up to ``max_size``), so a second thread never
    pays, while it competes for the cores with the worker (and with the other submissions of
    a batch): measured on a busy 2-core machine, a grade took 15-25 s with torch's default two
    threads and 5-6 s with one (docs/benchmarks.md). The caller's setting is restored."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> GradeReport:
        previous = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(previous)

    return wrapper


def sandbox_runner(load_header: dict[str, Any], config: GradeConfig) -> Runner:
    return SandboxRunner(load_header, **runner_settings(config))


def in_process_runner(load_header: dict[str, Any], config: GradeConfig) -> Runner:
    """Runs the code in this process: for trusted code only (the references, the known
    mistakes, the project's own test submissions), never for a student's file."""
    return InProcessRunner(load_header)


def read_submission(path: Path, all_cells: bool = False
                    ) -> tuple[str, str, NotebookSource | None]:
    """(source, filename, notebook map) of a .py or .ipynb submission."""
    if not path.is_file():
        raise ConfigError(Msg("usage.no_file", path=str(path)))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        notebook = notebook_source(text, all_cells)
        return notebook.source, path.name, notebook
    return text, path.name, None


def environment(config: GradeConfig, isolation: str) -> dict[str, Any]:
    return {
        "grader_version": grader.__version__,
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "hypothesis_version": hypothesis.__version__,
        "device": "cpu",
        "isolation": isolation,
        "hypothesis": {"max_examples": config.max_examples, "derandomize": True,
                       "database": None, "deadline": None},
    }


@_one_thread
def grade(path: str | Path, exercises: Sequence[str] = DEFAULT_EXERCISES,
          config: GradeConfig | None = None, runner_factory: RunnerFactory = sandbox_runner,
          progress: Progress | None = None) -> GradeReport:
    """Grade the submission at ``path`` on ``exercises``; always returns a full report.

    ``progress`` (optional) is told before each step, for a progress bar."""
    started = time.monotonic()  # the budget counts from here: start-up is part of it
    config = config or GradeConfig()
    _isolate_hypothesis()
    specs = [get_exercise(name) for name in dict.fromkeys(exercises)]
    ticker = _Ticker(progress, sum(len(checks_for(ex, config)) + int(config.visuals)
                                   for ex in specs))
    path = Path(path)
    unreadable: CheckFailed | None = None
    try:
        source, filename, notebook = read_submission(path, config.notebook_all_cells)
    except UnreadableNotebook as exc:
        # The student's file, not the command, is at fault: a report like any failed load.
        source, filename, notebook = "", path.name, None
        unreadable = CheckFailed(Msg("load.notebook_unreadable", error=str(exc)),
                                 hint=Msg("load.notebook_unreadable.hint"))
    budget = Budget(started + _checking_time(config.submission_timeout_s))
    runner = runner_factory({"op": "load", "source": source, "filename": filename}, config)
    results: list[ExerciseResult] = []
    output = ""
    try:
        if config.speed_mode != "off" and unreadable is None:
            # The speed check's baseline worker imports torch while the other checks run.
            getattr(runner, "speed_baseline", lambda: None)()
        load_failure = unreadable or _load(runner, notebook)
        if load_failure is not None:
            output = load_failure.message
        for ex in specs:
            results.append(_grade_exercise(ex, runner, config, source, load_failure,
                                           budget, ticker))
    finally:
        runner.close()
    ticker.finish()
    if (getattr(runner, "load_reply", None) or {}).get("cxx") is False and \
            re.search(r"\btorch\.compile\b|\bimport compile\b", source):
        output = join(output, Msg("engine.compiled_without_cxx")) if output else \
            Msg("engine.compiled_without_cxx")
    if notebook is not None:
        output = _notebook_notes(notebook, filename, results, output)
    env = environment(config, runner.isolation)
    printed = "".join(getattr(runner, "captured", []))
    if printed.strip():
        env["student_output"] = printed[-8000:]
    report = GradeReport(
        submission=str(path),
        exercises=results,
        execution_time_s=round(time.monotonic() - started, 3),
        environment=env,
        isolation=runner.isolation,
        lang=config.lang,
    )
    set_field(report, "output", output)
    return report


class _Ticker:
    """Counts the steps of a grading run for a ``Progress`` callback."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def step(self, exercise: str, step: str) -> None:
        if self.progress is not None:
            self.progress(exercise, step, self.done, self.total)
        self.done += 1

    def finish(self) -> None:
        if self.progress is not None:
            self.progress("", "", self.total, self.total)


def _notebook_notes(notebook: NotebookSource, filename: str,
                    results: list[ExerciseResult], output: str) -> str:
    """Point errors to notebook cells, and say which cells were not used."""
    for ex in results:
        for c in ex.checks:
            c.traceback = notebook.relabel(c.traceback, filename)
    notes = [output] if output else []
    if notebook.skipped:
        notes.append(Msg("engine.notebook_skipped", cells="; ".join(notebook.skipped)))
    return join(*notes) if notes else ""


def _load(runner: Runner, notebook: NotebookSource | None = None) -> CheckFailed | None:
    """Start the worker and load the submission; a failure here fails every check.
    A syntax error's place is a notebook cell when the submission is a notebook."""
    try:
        runner.request({"op": "ping"})
    except StudentException as exc:
        info = exc.info
        if exc.kind == "syntax":
            text = str(info.get("text", "")).rstrip("\n")
            caret = " " * max(0, int(info.get("offset") or 1) - 1) + "^"
            return CheckFailed(
                Msg("load.syntax_error", where=_where(info.get("lineno"), notebook),
                    message=str(info.get("message")), code=text, caret=caret),
                hint=Msg("load.syntax_error.hint"))
        return CheckFailed(Msg("load.import_failed", error=str(exc)), traceback=exc.traceback,
                           hint=Msg("load.import_failed.hint"))
    except SubmissionError as exc:  # its worker hung, died or replied garbage
        return CheckFailed(Msg("load.failed", error=str(exc)), extra={"error_kind": exc.kind})
    return None


def _where(line: Any, notebook: NotebookSource | None) -> Msg:
    line = line if isinstance(line, int) else None  # e.g. no line for a null byte
    return notebook.where_msg(line) if notebook is not None else Msg("where.line", line=line)


def _checking_time(budget_s: float) -> float:
    """The part of a submission's budget that checks may use: the rest (a tenth, at most
    10 s) is kept for stopping the worker, cleaning up and writing the reports."""
    return budget_s - min(10.0, budget_s / 10)


def _grade_exercise(ex: Exercise, runner: Runner, config: GradeConfig, source: str,
                    load_failure: CheckFailed | None, budget: Budget,
                    ticker: _Ticker) -> ExerciseResult:
    deadline = budget.deadline
    checks = checks_for(ex, config)
    failure = load_failure
    if failure is None:
        classes = (getattr(runner, "load_reply", None) or {}).get("classes", [])
        if ex.class_name not in classes:
            close = difflib.get_close_matches(ex.class_name, classes, n=2, cutoff=0.5)
            names = close[0] if len(close) == 1 else Msg("load.two_names", a=close[0],
                                                                     b=close[-1])
            failure = CheckFailed(
                Msg("load.no_class", name=ex.class_name,
                    found=", ".join(classes) or Msg("load.no_classes"),
                    suggestion=Msg("load.did_you_mean", names=names) if close else ""),
                hint=Msg("load.no_class.hint", signature=ex.signature))
    if failure is not None:
        return ExerciseResult(ex.name, ex.class_name, [
            _result(spec, ex, passed=False, failure=failure) for spec in checks])
    ctx = Context(ex, config, Client(runner, config.request_timeout_s, budget), source)
    results = []
    for spec in checks:
        ticker.step(ex.name, spec.id)
        if time.monotonic() > deadline:
            out_of_time = CheckFailed(Msg("engine.out_of_time",
                                          limit=f"{config.submission_timeout_s:g}"))
            results.append(_result(spec, ex, passed=False, failure=out_of_time))
        else:
            results.append(_run_check(spec, ctx, runner))
    _attach_diagnosis(ctx, results)
    visuals: dict[str, Any] = {}
    if config.visuals and time.monotonic() <= deadline:
        from grader.visuals import collect

        ticker.step(ex.name, "visuals")
        visuals = collect(ctx)
    note = ""
    integrity = [r for r in results if r.category == "integrity"]
    # A check whose example reached a built-in kernel that integrity's own examples missed
    # (say, only in float64 or only in backward) counts the same.
    reached = any(r.extra.get("error_kind") == "builtin_rnn" for r in results)
    if reached or any(not r.passed for r in integrity):
        note = Msg("engine.no_credit_builtin")
        for r in results:
            r.score = 0.0
    _speed_needs_correct_maths(results)
    result = ExerciseResult(ex.name, ex.class_name, results, visuals=visuals)
    set_field(result, "note", note)
    return result


def _speed_needs_correct_maths(results: list[CheckResult]) -> None:
    """Speed points go only to an implementation that computes the right thing."""
    wrong = maths_failures(results)
    if not wrong:
        return
    for r in results:
        if r.category == "speed" and r.max_score > 0:
            r.score = 0.0
            r.passed = False
            append_field(r, "message", Msg("engine.no_speed_points", checks=", ".join(wrong)))


def _apply_outcome(result: CheckResult, outcome: Outcome) -> None:
    """Partial credit, informational checks and data from a check's ``Outcome``."""
    if outcome.informational:
        result.max_score = 0.0
    result.score = round(result.max_score * min(1.0, max(0.0, outcome.fraction)), 4)
    result.extra.update(outcome.extra)


_DIAGNOSED = ("equivalence", "sequence", "semantics")


def _attach_diagnosis(ctx: Context, results: list[CheckResult]) -> None:
    """Name the known mistake behind failing maths checks, when there is one."""
    failing = [r for r in results if not r.passed and r.category in _DIAGNOSED
               and r.extra.get("error_kind") is None]
    if not failing:
        return
    from grader.diagnosis import diagnose

    found = diagnose(ctx)
    if found is None:
        return
    for r in failing:
        append_field(r, "message", found.text())
        r.extra["diagnosis"] = found.id
        r.i18n["diagnosis"] = {"id": found.id, "title": as_msg(found.title).to_data(),
                               "explanation": as_msg(found.explanation).to_data(),
                               "equation": found.equation}


def _run_check(spec: CheckSpec, ctx: Context, runner: Runner) -> CheckResult:
    started = time.monotonic()
    ctx.notes = {}
    try:
        outcome = spec.fn(ctx)
        if isinstance(outcome, Outcome):
            result = _result(spec, ctx.exercise, passed=True, message=outcome.message)
            _apply_outcome(result, outcome)
        else:
            result = _result(spec, ctx.exercise, passed=True, message=outcome)
    except CheckFailed as failed:
        result = _result(spec, ctx.exercise, passed=False, failure=failed)
        if failed.fatal:
            runner.restart()
    except SubmissionError as exc:
        converted = CheckFailed.from_submission_error(exc, Msg("doing.check", check=spec.id))
        result = _result(spec, ctx.exercise, passed=False, failure=converted)
        if converted.fatal:
            runner.restart()
    result.duration_s = round(time.monotonic() - started, 3)
    if "layout" in ctx.notes:
        result.extra["layout"] = ctx.notes["layout"]
    if not result.passed and "layout_fallback" in ctx.notes:
        append_field(result, "message", Msg("engine.layout_fallback",
                                            reason=ctx.notes["layout_fallback"]))
    return result


def _result(spec: CheckSpec, ex: Exercise, *, passed: bool, message: str = "",
            failure: CheckFailed | None = None) -> CheckResult:
    result = CheckResult(check_id=spec.id, exercise=ex.name, category=spec.category,
                         title=spec.title, max_score=spec.points,
                         score=spec.points if passed else 0.0, passed=passed,
                         visibility=spec.visibility)
    own = ex.hints.get(spec.id)
    hint = Msg(own) if own else registered(f"check.{spec.id}.hint", spec.hint)
    set_field(result, "title", registered(f"check.{spec.id}.title", spec.title))
    set_field(result, "message", message)
    set_field(result, "hint", "" if passed else hint)
    if failure is not None:
        set_field(result, "message", failure.message)
        set_field(result, "hint", failure.hint or hint)
        set_field(result, "expected", failure.expected)
        set_field(result, "got", failure.got)
        result.example = failure.example
        result.traceback = failure.traceback
        result.extra.update(failure.extra)
    return result
