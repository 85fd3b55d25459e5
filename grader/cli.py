"""Command line: ``lstm-grader check|grade|demo``.

Exit codes (``ExitCode``): 0 grading completed (``grade``) or everything passed
(``check``); 1 ``check`` found failures; 2 usage or configuration error; 3 grader fault.
"""

from __future__ import annotations

import argparse
import enum
import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader import __version__
from grader.config import GradeConfig
from grader.errors import ConfigError
from grader.files import atomic_write
from grader.i18n import DEFAULT_LANG, LANGS
from grader.reports.formats import DEFAULT_FORMAT, FORMAT_NAMES, get_format
from grader.results import GradeReport

if TYPE_CHECKING:
    from grader.rubric import Rubric


class ExitCode(enum.IntEnum):
    OK = 0
    CHECKS_FAILED = 1
    USAGE_ERROR = 2
    GRADER_FAULT = 3


def build_parser() -> argparse.ArgumentParser:
    from grader.exercises import DEFAULT_EXERCISES, EXERCISES

    parser = argparse.ArgumentParser(
        prog="lstm-grader",
        description="Grade PyTorch LSTM coursework with property-based checks.")
    parser.add_argument("--version", action="version", version=f"lstm-grader {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("path", type=Path, help="the submission (.py or .ipynb)")
        p.add_argument("--exercise", action="append", choices=sorted(EXERCISES),
                       help="exercise to grade (repeatable); default: "
                            + " and ".join(DEFAULT_EXERCISES))
        p.add_argument("--examples", type=int, default=None,
                       help="Hypothesis examples per check (default 12)")
        p.add_argument("--all-cells", action="store_true",
                       help="for notebooks: run every code cell, not only the definitions")
        p.add_argument("--rubric", type=Path, default=None,
                       help="a TOML rubric (exercises, settings, points and visibility per "
                            "check; docs/rubric.md); --exercise and --examples override it")
        p.add_argument("--html", type=Path, default=None, metavar="REPORT.html",
                       help="also write a self-contained HTML report with plots of your "
                            "cell against the reference")
        lang_option(p)

    def lang_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--lang", choices=LANGS, default=None,
                       help="language of the feedback: en (English, the default) or es "
                            "(español); overrides the configuration's lang")

    check = sub.add_parser("check", help="check your own file and see what to fix")
    common(check)
    grade = sub.add_parser("grade", help="grade a file and write Gradescope's results.json")
    common(grade)
    grade.add_argument("--out", type=Path, default=Path("results.json"),
                       help="where to write results.json (default ./results.json)")
    grade.add_argument("--format", choices=FORMAT_NAMES, default=DEFAULT_FORMAT,
                       help=f"results format: {', '.join(FORMAT_NAMES)} (default "
                            f"{DEFAULT_FORMAT})")
    demo = sub.add_parser("demo", help="grade the bundled example and show the report")
    demo.add_argument("--out", type=Path, default=None,
                      help="also write the example's results.json here")
    lang_option(demo)
    from grader import handout, validate

    validate.add_parser(sub)
    handout.add_parser(sub)
    from grader import autograder, batch, prairielearn

    batch.add_parser(sub)
    autograder.add_parser(sub)
    prairielearn.add_parser(sub)
    return parser


def _config(args: argparse.Namespace, rubric: Rubric | None = None,
            **overrides: object) -> GradeConfig:
    if rubric is not None:
        config = rubric.config.with_(**overrides)
    else:
        config = GradeConfig(**overrides)  # type: ignore[arg-type]
    if getattr(args, "examples", None) is not None:
        config = config.with_(max_examples=args.examples)
    if getattr(args, "all_cells", False):
        config = config.with_(notebook_all_cells=True)
    if getattr(args, "html", None) is not None:
        config = config.with_(visuals=True)  # what the HTML report plots
    if getattr(args, "lang", None):
        config = config.with_(lang=args.lang)
    return config


def _prestart(argv: list[str]) -> Any:
    """For grade, check and demo: start the sandboxed worker now, before this process imports
    torch and the checks, so that the two start-ups overlap (about a second on 2 cores;
    docs/benchmarks.md). The worker is a fresh interpreter that imports torch and waits; it
    runs no student code until its one submission is sent. It is made with the default
    settings; a rubric that changes them gets a worker of its own (``_runner_factory``)."""
    if not argv or argv[0] not in ("grade", "check", "demo"):
        return None
    from grader.sandbox import runner_settings, spare_runner

    settings = runner_settings(GradeConfig(allow_own_user=argv[0] != "grade"))
    runner = spare_runner(settings)
    return None if runner is None else (runner, settings)


def _runner_factory(spare: Any) -> Any:
    """The engine's runner factory: the pre-started worker when its settings fit."""
    from grader.engine import sandbox_runner
    from grader.sandbox import runner_settings

    def factory(load_header: dict[str, Any], config: GradeConfig) -> Any:
        nonlocal spare
        if spare is not None and runner_settings(config) == spare[1]:
            runner, spare = spare[0], None
            return runner.take(load_header)
        return sandbox_runner(load_header, config)

    return factory


def _bundled_example() -> Path:
    """examples/lesson_lstm.py of a checkout, else the copy an install put in its data folder
    (pyproject.toml's data-files: <prefix>/share/lstm-grader/)."""
    checkout = Path(__file__).resolve().parent.parent / "examples" / "lesson_lstm.py"
    if checkout.is_file():
        return checkout
    import sysconfig

    for scheme in (None, f"{os.name}_user"):
        try:
            data = sysconfig.get_path("data", scheme) if scheme else sysconfig.get_path("data")
        except KeyError:
            continue
        installed = Path(data) / "share" / "lstm-grader" / "lesson_lstm.py"
        if installed.is_file():
            return installed
    return checkout


def main(argv: list[str] | None = None) -> int:
    spare = _prestart(sys.argv[1:] if argv is None else list(argv))
    try:
        return _main(argv, spare)
    finally:
        if spare is not None:
            spare[0].close()  # a no-op when the grade used it (it closed it already)


def _main(argv: list[str] | None, spare: Any) -> int:
    from grader.i18n import Msg, tr

    args = build_parser().parse_args(argv)
    lang = getattr(args, "lang", None) or DEFAULT_LANG
    try:
        return _dispatch(args, spare)
    except ConfigError as exc:
        # Errors a student can meet (a wrong path) are Msg; the instructors' are English.
        msg = exc.args[0] if exc.args else ""
        print(f"lstm-grader: {msg.render(lang) if isinstance(msg, Msg) else exc}",
              file=sys.stderr)
        return ExitCode.USAGE_ERROR
    except KeyboardInterrupt:
        print(f"lstm-grader: {tr('ui.interrupted', lang)}", file=sys.stderr)
        return ExitCode.GRADER_FAULT
    except Exception:
        traceback.print_exc()
        print(f"lstm-grader: {tr('ui.internal_error', lang)}", file=sys.stderr)
        return ExitCode.GRADER_FAULT


def _dispatch(args: argparse.Namespace, spare: Any = None) -> int:
    from grader.engine import grade
    from grader.exercises import DEFAULT_EXERCISES
    from grader.i18n import tr
    from grader.reports import gradescope, terminal

    if args.command in ("batch", "gradescope", "prairielearn"):
        from grader import autograder, batch, prairielearn

        return {"batch": batch, "gradescope": autograder,
                "prairielearn": prairielearn}[args.command].command(args)
    if args.command in ("validate", "handout"):
        from grader import handout, validate

        return (validate if args.command == "validate" else handout).command(args)
    exercises = tuple(args.exercise or DEFAULT_EXERCISES) if hasattr(args, "exercise") else ()
    rubric = None
    if getattr(args, "rubric", None) is not None:
        from grader.rubric import load_rubric

        rubric = load_rubric(args.rubric)  # read once: the file could change in between
        exercises = exercises if args.exercise else rubric.exercises
    if args.command == "check":
        # A student's own machine: as root without another usable user (Colab, say), the
        # submission runs as the student, and the report says so.
        config = _config(args, rubric, only_visible=True, allow_own_user=True)
        with terminal.progress_bar(sys.stdout, args.path, config.lang) as progress:
            report = grade(args.path, exercises, config, progress=progress,
                           runner_factory=_runner_factory(spare))
        # Written first, so that its line comes before the next step, which stays last.
        written = _write_html(args.html, report)
        terminal.render(report, sys.stdout, notes=[*_hidden_note(exercises, config), *written,
                                                   *_own_user_note(report)])
        return ExitCode.OK if report.all_passed else ExitCode.CHECKS_FAILED
    if args.command == "grade":
        config = _config(args, rubric)
        if args.format == "prairielearn" and not args.path.is_file():
            return _prairielearn_no_file(args, config.lang)
        report = grade(args.path, exercises, config, runner_factory=_runner_factory(spare))
        _write_atomic(args.out, report, get_format(args.format).render)
        for line in _write_html(args.html, report):
            print(line)
        print(f"lstm-grader: {report.score:g} / {report.max_score:g} -> {args.out}")
        return ExitCode.OK
    if args.command == "demo":
        example = _bundled_example()
        if not example.is_file():
            raise ConfigError(f"the bundled example is missing ({example}); reinstall "
                              "lstm-grader from a full checkout")
        config = _config(args, allow_own_user=True)  # the bundled, trusted example
        with terminal.progress_bar(sys.stdout, example, config.lang) as progress:
            report = grade(example, DEFAULT_EXERCISES, config, progress=progress,
                           runner_factory=_runner_factory(spare))
        terminal.render(report, sys.stdout)
        if args.out is not None:
            _write_atomic(args.out, report, gradescope.render)
            print(tr("ui.results_written", report.lang, path=args.out))
        return ExitCode.OK
    raise ConfigError(f"unknown command {args.command!r}")


def _prairielearn_no_file(args: argparse.Namespace, lang: str) -> int:
    """PrairieLearn shows a job without results.json as "Grading failed": write one that
    says, as "Invalid, not gradable", that there was no file (no attempt is charged)."""
    import json

    from grader.i18n import Msg, tr
    from grader.reports.prairielearn import not_gradable

    reason = tr("pl.nothing_graded", lang, reason=Msg("usage.no_file", path=str(args.path)))
    with atomic_write(args.out) as stream:
        json.dump(not_gradable(reason), stream, indent=2, ensure_ascii=False)
        stream.write("\n")
    print(f"lstm-grader: {reason} -> {args.out}", file=sys.stderr)
    return ExitCode.OK


def _own_user_note(report: GradeReport) -> list[str]:
    """Say so when the student's code ran with the student's own rights."""
    from grader.i18n import tr
    from grader.sandbox import OWN_USER

    return [tr("ui.own_user", report.lang)] if OWN_USER in report.isolation else []


def _hidden_note(exercises: tuple[str, ...], config: GradeConfig) -> list[str]:
    """Tell a student how many of the rubric's checks run only when the work is graded."""
    from grader.i18n import tr
    from grader.rubric import hidden_checks

    hidden = hidden_checks(exercises, config)
    if not hidden:
        return []
    return [tr("ui.hidden_checks.one" if hidden == 1 else "ui.hidden_checks.many", config.lang,
               n=hidden)]


def _write_html(path: Path | None, report: GradeReport) -> list[str]:
    """Write the HTML report when asked; the line that says where it went (or none)."""
    if path is None:
        return []
    from grader.i18n import tr
    from grader.reports import html

    _write_atomic(path, report, html.render)
    return [tr("ui.html_written", report.lang, path=path)]


def _write_atomic(path: Path, report: object, render: object) -> None:
    """Write via a temporary file in the same folder, so a crash never leaves half a file."""
    with atomic_write(path) as stream:
        render(report, stream)  # type: ignore[operator]


if __name__ == "__main__":
    sys.exit(main())
