"""``lstm-grader validate``: mutation testing of a rubric (does it grade fairly?).

It grades, under the rubric's settings,

1. the reference solution of each of the rubric's exercises: it must get full marks;
2. every known mistake of those exercises (``reference/mistakes.py``): each must lose points,
   in the category that targets it: every known mistake computes another function than the
   reference, which ``equivalence`` targets for a cell and ``sequence`` for the stack;
3. optionally an instructor's past submissions (``--submissions DIR``), each with an expected
   verdict: ``# expect: pass`` or ``# expect: fail CATEGORY`` (or a check id) in the file's
   first lines, or in ``DIR/expected.toml``.

It prints a matrix mistake × check per exercise (which check caught which mistake), flags
the mistakes that survive (holes in the rubric) and the checks that catch no known mistake,
and exits 1 when a reference loses points, a mistake survives or a submission's verdict is
not the expected one.

The references and the mistakes are the grader's own trusted code, so they are graded in
this process (``InProcessRunner``); an instructor's submissions are untrusted and go through
the sandbox like any other. ``--jobs N`` spreads the gradings over N processes.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from grader.config import GradeConfig
from grader.errors import ConfigError
from grader.exercises import EXERCISES

__all__ = ["Expectation", "Job", "Validation", "add_parser", "command", "jobs_for",
           "read_expectations", "run", "validate"]

EXPECTED_FILE = "expected.toml"
_HEADER = re.compile(r"^#\s*(expect|exercise|exercises):\s*(.*)$")


# -- what to grade ------------------------------------------------------------------------

@dataclass(frozen=True)
class Expectation:
    """An expected verdict: pass (full marks), or fail, optionally in a category/check."""

    passes: bool
    target: str = ""  # a category ("semantics") or a check id ("semantics.forget_gate")

    @classmethod
    def parse(cls, text: str, where: str) -> Expectation:
        words = text.split()
        if words == ["pass"]:
            return cls(True)
        if words and words[0] == "fail" and len(words) <= 2:
            target = words[1] if len(words) == 2 else ""
            from grader.checks import CATEGORIES, CHECKS

            if target and target not in CATEGORIES and target not in CHECKS:
                raise ConfigError(f"{where}: expect: unknown category or check {target!r}; "
                                  f"use one of {', '.join(CATEGORIES)} or a check id")
            return cls(False, target)
        raise ConfigError(f"{where}: expected verdict {text!r} not understood; write "
                          f"'pass', 'fail' or 'fail CATEGORY' (e.g. 'fail semantics')")

    def __str__(self) -> str:
        return "pass" if self.passes else f"fail {self.target}".strip()


@dataclass(frozen=True)
class Job:
    """One grading: a reference, a known mistake, or an instructor's submission."""

    kind: str                       # "reference", "mistake" or "submission"
    name: str                       # "reference", the mistake id, or the file's path
    exercises: tuple[str, ...]
    source: str = ""                # trusted code, graded in process (reference, mistake)
    path: str = ""                  # an untrusted submission, graded in the sandbox
    expect: Expectation | None = None

    @property
    def category(self) -> str:
        """The category that must take points from a mistake ("" for other jobs)."""
        return _target(self.exercises[0]) if self.kind == "mistake" else ""


@dataclass
class Graded:
    """What validate needs from one grading (plain data, it crosses process boundaries)."""

    job: Job
    score: float = 0.0
    max_score: float = 0.0
    failed: dict[str, list[str]] = field(default_factory=dict)   # exercise -> check ids
    categories: list[str] = field(default_factory=list)          # failed categories
    lost: list[str] = field(default_factory=list)    # failed checks that cost points
    error: str = ""                 # the grading itself failed (a grader error)
    seconds: float = 0.0
    cpu_s: float = 0.0              # CPU time of the grading process (not a sandbox's)

    @property
    def failed_ids(self) -> set[str]:
        return {c for ids in self.failed.values() for c in ids}

    @property
    def ok(self) -> bool:
        """Did this grading come out as it should?"""
        if self.error:
            return False
        if self.job.kind == "reference":
            return not self.failed_ids and self.score == self.max_score > 0
        if self.job.kind == "mistake":
            return self.score < self.max_score and any(
                c.split(".")[0] == self.job.category for c in self.lost)
        expect = self.job.expect or Expectation(False)
        if expect.passes:
            return not self.failed_ids and self.score == self.max_score
        lost = self.score < self.max_score
        if not expect.target:
            return lost
        return lost and (expect.target in self.categories or expect.target in self.failed_ids)


def _reference_source(exercise: str) -> str:
    ex = EXERCISES[exercise]
    # The stack's oracle (reference.LSTM) names its parameters its own way; the solution
    # graded here must keep the contract students get, nn.LSTM's names included, so that a
    # rubric with require_pytorch_layout is validated too: reference/expert.py's LSTM.
    build = ("reference.expert.ExpertLSTM" if ex.kind == "sequence"
             else f"reference.VARIANTS[{ex.variant!r}].build")
    return _wrapper(ex.class_name, build)


def _mistake_source(exercise: str, mistake_id: str) -> str:
    build = f"reference.mistakes.MISTAKES[{mistake_id!r}].build"
    return _wrapper(EXERCISES[exercise].class_name, build)


def _wrapper(class_name: str, build: str) -> str:
    # A class whose construction returns the trusted module: the worker builds
    # ``class_name(*sizes)`` and gets exactly the reference's (or the mistake's) module.
    return (f"import reference\nimport reference.expert\nimport reference.mistakes\n\n\n"
            f"class {class_name}:\n"
            f"    def __new__(cls, *args, **kwargs):\n"
            f"        return {build}(*args, **kwargs)\n")


def _target(exercise: str) -> str:
    """The category that targets a wrong function: the stack's outputs, or a cell's."""
    return "sequence" if EXERCISES[exercise].kind == "sequence" else "equivalence"


def jobs_for(exercises: Iterable[str], submissions: Path | None = None) -> list[Job]:
    """The references and known mistakes of ``exercises``, then the submissions in a folder
    (graded on ``exercises`` unless they say otherwise)."""
    from reference.mistakes import for_exercise

    exercises = tuple(exercises)
    jobs = []
    for name in exercises:
        jobs.append(Job("reference", "reference", (name,), source=_reference_source(name)))
        for m in for_exercise(name):
            jobs.append(Job("mistake", m.id, (name,), source=_mistake_source(name, m.id)))
    if submissions is not None:
        jobs.extend(read_expectations(submissions, exercises))
    return jobs


def read_expectations(folder: Path, default_exercises: tuple[str, ...]) -> list[Job]:
    """The submissions in ``folder`` with their expected verdicts and exercises.

    A verdict comes from ``folder/expected.toml`` (a table per file, keyed by its path
    relative to the folder: ``expect`` and optionally ``exercises``) or from the file's first
    lines: ``# expect: pass`` / ``# expect: fail CATEGORY`` and ``# exercise: NAME`` (for a
    notebook, in its first code cell). Without an exercise, a file in a folder named after an
    exercise is graded on it; otherwise on the rubric's exercises."""
    if not folder.is_dir():
        raise ConfigError(f"--submissions: no folder at {folder}; pass the folder that "
                          f"holds the past submissions")
    table = _expected_toml(folder)
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".py", ".ipynb")
                   and p.is_file() and not any(part.startswith((".", "__"))
                                               for part in p.relative_to(folder).parts))
    jobs, missing = [], []
    for path in files:
        rel = path.relative_to(folder).as_posix()
        where = f"{folder / rel}"
        header = table.get(rel) or _file_header(path)
        if "expect" not in header:
            missing.append(rel)
            continue
        expect = Expectation.parse(str(header["expect"]), where)
        exercises = header.get("exercises")
        if isinstance(exercises, str):
            exercises = [e.strip() for e in exercises.replace(",", " ").split()]
        if not exercises:
            parent = path.parent.name
            exercises = [parent] if parent in EXERCISES else list(default_exercises)
        for e in exercises:
            if e not in EXERCISES:
                raise ConfigError(f"{where}: unknown exercise {e!r}; choose from "
                                  f"{', '.join(EXERCISES)}")
        jobs.append(Job("submission", rel, tuple(exercises), path=str(path), expect=expect))
    unknown = sorted(set(table) - {p.relative_to(folder).as_posix() for p in files})
    if unknown:
        raise ConfigError(f"{folder / EXPECTED_FILE}: no such submission: "
                          f"{', '.join(unknown)}; keys are paths relative to {folder}")
    if not jobs:
        raise ConfigError(f"--submissions: no submission in {folder} has an expected verdict; "
                          f"start each file with '# expect: pass' or '# expect: fail "
                          f"CATEGORY', or list them in {folder / EXPECTED_FILE}")
    if missing:
        print(f"lstm-grader validate: {len(missing)} file(s) without an expected verdict "
              f"skipped: {', '.join(missing)}", file=sys.stderr)
    return jobs


def _expected_toml(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / EXPECTED_FILE
    if not path.is_file():
        return {}
    from grader.rubric import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    for key, value in data.items():
        if not isinstance(value, dict) or "expect" not in value or set(value) - {
                "expect", "exercises"}:
            raise ConfigError(f'{path}: ["{key}"] must be a table with expect = "pass" or '
                              f'"fail CATEGORY" and optionally exercises = ["lstm_cell"]')
    return data


def _file_header(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
            code = next(c for c in cells if c.get("cell_type") == "code")
            source = code.get("source", "")
            text = "".join(source) if isinstance(source, list) else str(source)
        except (ValueError, StopIteration, AttributeError):
            return {}
    fields: dict[str, Any] = {}
    for line in text.splitlines()[:12]:
        m = _HEADER.match(line.strip())
        if m:
            fields["exercises" if m[1].startswith("exercise") else m[1]] = m[2].strip()
    return fields


# -- grading ------------------------------------------------------------------------------

def _grade(job: Job, config: GradeConfig) -> Graded:
    from grader.engine import grade, in_process_runner, sandbox_runner

    started, cpu = time.monotonic(), time.process_time()
    graded = Graded(job)
    try:
        if job.source:
            with tempfile.TemporaryDirectory(prefix="lstm-grader-validate-") as tmp:
                path = Path(tmp) / f"{job.name.replace('-', '_')}.py"
                path.write_text(job.source, encoding="utf-8")
                report = grade(path, job.exercises, config,
                               runner_factory=in_process_runner)
        else:
            report = grade(job.path, job.exercises, config, runner_factory=sandbox_runner)
    except ConfigError as exc:
        graded.error = str(exc)
        return graded
    graded.score, graded.max_score = report.score, report.max_score
    for ex in report.exercises:
        graded.failed[ex.name] = [c.check_id for c in ex.checks if not c.passed]
    graded.categories = sorted({c.category for c in report.checks if not c.passed})
    graded.lost = [c.check_id for c in report.checks if c.score < c.max_score]
    graded.seconds = round(time.monotonic() - started, 2)
    graded.cpu_s = round(time.process_time() - cpu, 2)
    return graded


def _grade_all(jobs: list[Job], config: GradeConfig, n_jobs: int,
               progress: Callable[[int, int, Graded], None] | None = None) -> list[Graded]:
    results: list[Graded] = []
    if n_jobs <= 1 or len(jobs) <= 1:
        for job in jobs:
            results.append(_grade(job, config))
            if progress:
                progress(len(results), len(jobs), results[-1])
        return results
    # spawn: a fresh interpreter per worker process, no forked torch or Hypothesis state.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(n_jobs, mp_context=context) as pool:
        futures = [pool.submit(_grade, job, config) for job in jobs]
        for future in futures:
            results.append(future.result())
            if progress:
                progress(len(results), len(jobs), results[-1])
    return results


@dataclass
class Validation:
    """The outcome of ``validate``: every grading, and what they mean for the rubric."""

    exercises: tuple[str, ...]
    config: GradeConfig
    graded: list[Graded]
    seconds: float

    def of(self, kind: str, exercise: str | None = None) -> list[Graded]:
        return [g for g in self.graded if g.job.kind == kind
                and (exercise is None or g.job.exercises == (exercise,))]

    @property
    def broken_references(self) -> list[Graded]:
        return [g for g in self.of("reference") if not g.ok]

    @property
    def survivors(self) -> list[Graded]:
        return [g for g in self.of("mistake") if not g.ok]

    @property
    def mismatches(self) -> list[Graded]:
        return [g for g in self.of("submission") if not g.ok]

    @property
    def passed(self) -> bool:
        return not (self.broken_references or self.survivors or self.mismatches)

    def columns(self, exercise: str) -> list[str]:
        from grader.checks import checks_for

        return [c.id for c in checks_for(EXERCISES[exercise], self.config)]

    def visibility(self, exercise: str) -> dict[str, str]:
        from grader.checks import checks_for

        return {c.id: c.visibility for c in checks_for(EXERCISES[exercise], self.config)}

    def idle_checks(self, exercise: str) -> list[str]:
        """Checks of ``exercise`` that no known mistake of it fails."""
        caught = {c for g in self.of("mistake", exercise) for c in g.failed_ids}
        return [c for c in self.columns(exercise) if c not in caught]


def validate(exercises: tuple[str, ...], config: GradeConfig, submissions: Path | None = None,
             n_jobs: int = 1, progress: Callable[[int, int, Graded], None] | None = None
             ) -> Validation:
    """Grade the references, known mistakes and (optionally) submissions under ``config``."""
    # Speed is timing, not correctness: a reference run in process would be timed as a slow
    # Python loop. It is left out here (docs/rubric.md, "validate").
    config = config.with_(speed_mode="off")
    started = time.monotonic()
    jobs = jobs_for(exercises, submissions)
    graded = _grade_all(jobs, config, n_jobs, progress)
    return Validation(tuple(exercises), config, graded, round(time.monotonic() - started, 1))


# -- the report ---------------------------------------------------------------------------

def render(v: Validation, out: TextIO) -> None:
    w = out.write
    for exercise in v.exercises:
        columns = v.columns(exercise)
        rows = v.of("reference", exercise) + v.of("mistake", exercise)
        mistakes = v.of("mistake", exercise)
        width = max([len(g.job.name) for g in rows] + [10]) + 1
        w(f"\n== {exercise}: reference and {len(mistakes)} known mistake"
          f"{'s' if len(mistakes) != 1 else ''} x {len(columns)} checks (x: failed)\n")
        # Column numbers written vertically (tens over units) to keep the matrix narrow.
        numbers = [f"{k + 1:2d}" for k in range(len(columns))]
        w(" " * (width + 2) + " ".join(n[0] for n in numbers) + "\n")
        w(" " * (width + 2) + " ".join(n[1] for n in numbers) + "\n")
        for g in rows:
            marks = " ".join("x" if c in g.failed_ids else "." for c in columns)
            verdict = _verdict(g)
            w(f"  {g.job.name:<{width}}{marks}  {g.score:g}/{g.max_score:g}  {verdict}\n")
        idle = set(v.idle_checks(exercise))
        w("  columns (known mistakes caught; *: none, the check guards against other bugs):\n")
        shown = v.visibility(exercise)
        legend = [f"{k + 1:2d} {c} {sum(c in g.failed_ids for g in mistakes)}"
                  f"{'*' if c in idle else ''}"
                  f"{'' if shown[c] == 'visible' else ' (' + shown[c] + ')'}"
                  for k, c in enumerate(columns)]
        half = (len(legend) + 1) // 2
        cell = max(len(item) for item in legend) + 3
        for left, right in zip(legend[:half], [*legend[half:], ""], strict=False):
            w(f"   {left:<{cell}}{right}".rstrip() + "\n")
    subs = v.of("submission")
    if subs:
        w(f"\n== submissions: {len(subs)} with expected verdicts\n")
        width = max(len(g.job.name) for g in subs)
        for g in subs:
            failed = ", ".join(sorted(g.failed_ids)) or "-"
            w(f"  {g.job.name:<{width}}  expected {g.job.expect}; got {g.score:g}/"
              f"{g.max_score:g}, failed: {failed}  {'ok' if g.ok else 'MISMATCH'}"
              f"{(': ' + g.error) if g.error else ''}\n")
    w("\n")
    for g in v.broken_references:
        w(f"PROBLEM: the reference of {g.job.exercises[0]} loses points "
          f"({g.score:g}/{g.max_score:g}; failed {', '.join(sorted(g.failed_ids))})"
          f"{': ' + g.error if g.error else ''}: a setting of the rubric makes a correct "
          f"solution fail; loosen it\n")
    for g in v.survivors:
        if g.score < g.max_score:
            w(f"HOLE: known mistake {g.job.name} ({g.job.exercises[0]}) loses points, but "
              f"not in {g.job.category}, the category that targets it: enable or give "
              f"points to a {g.job.category} check that catches it (see the matrix)\n")
        else:
            w(f"HOLE: known mistake {g.job.name} ({g.job.exercises[0]}) does not lose "
              f"points: enable a check that catches it (see the matrix) or raise its "
              f"points\n")
    for g in v.mismatches:
        w(f"MISMATCH: {g.job.name}: expected {g.job.expect}, failed "
          f"{', '.join(sorted(g.failed_ids)) or 'nothing'} ({g.score:g}/{g.max_score:g})\n")
    n_mistakes = len(v.of("mistake"))
    w(f"{'OK' if v.passed else 'FAILED'}: {len(v.of('reference'))} reference(s) "
      f"{'with' if not v.broken_references else 'NOT all with'} full marks; "
      f"{n_mistakes - len(v.survivors)}/{n_mistakes} known mistakes caught"
      + (f"; {len(subs) - len(v.mismatches)}/{len(subs)} submissions as expected"
         if subs else "")
      + f" ({v.seconds:g} s, gradings {sum(g.cpu_s for g in v.graded):.0f} CPU s; "
        f"the speed check is not validated)\n")


def _verdict(g: Graded) -> str:
    if g.job.kind == "reference":
        return "ok" if g.ok else "LOSES POINTS"
    if g.ok:
        return "caught"
    return "SURVIVES" if g.score >= g.max_score else f"NOT BY {g.job.category.upper()}"


# -- command line -------------------------------------------------------------------------

def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "validate", help="prove a rubric grades fairly: references get full marks and "
                         "every known mistake loses points",
        description="Grade the references (full marks expected) and every known mistake of "
                    "the rubric's exercises (each must lose points), print a matrix mistake "
                    "x check; exit 1 when a reference loses points, a mistake survives or "
                    "a submission's verdict differs from the expected one.")
    p.add_argument("--rubric", type=Path, default=None,
                   help="the TOML rubric to validate (default: the built-in one)")
    p.add_argument("--submissions", type=Path, default=None,
                   help="a folder of past submissions with expected verdicts ('# expect: "
                        "pass' / '# expect: fail CATEGORY' headers or expected.toml)")
    p.add_argument("--jobs", type=int, default=1,
                   help="gradings in parallel, one process each (default 1)")
    p.add_argument("--exercise", action="append", choices=sorted(EXERCISES),
                   help="validate only this exercise of the rubric (repeatable)")
    p.add_argument("--examples", type=int, default=None,
                   help="Hypothesis examples per check (default: the rubric's)")


def run(args: argparse.Namespace, out: TextIO | None = None) -> Validation:
    from grader.rubric import load_rubric

    out = out or sys.stdout

    rubric = load_rubric(args.rubric)
    config = rubric.config
    if args.examples is not None:
        config = config.with_(max_examples=args.examples)
    if args.jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {args.jobs}")
    exercises = tuple(args.exercise or rubric.exercises)

    def progress(done: int, total: int, g: Graded) -> None:
        if out.isatty():
            out.write(f"\rvalidating: {done}/{total} ({g.job.name})".ljust(70))
            out.flush()

    v = validate(exercises, config, args.submissions, args.jobs, progress)
    if out.isatty():
        out.write("\r" + " " * 70 + "\r")
    out.write(f"lstm-grader validate: rubric {rubric.path or '(built-in default)'}, "
              f"exercises {', '.join(exercises)}\n")
    render(v, out)
    return v


def command(args: argparse.Namespace) -> int:
    return 0 if run(args).passed else 1
