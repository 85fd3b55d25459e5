"""pytest plugin: ``pytest --lstm-submission my_lstm.py`` runs lstm-grader's checks as tests.

Registered through the ``pytest11`` entry point (pyproject.toml), so it is loaded in every
pytest run of an environment where lstm-grader is installed; without ``--lstm-submission``
it only adds its options and does nothing else (no import of torch, no collection).

With it, the submission gets one test item per check, named ``EXERCISE/CHECK`` under the
submission's file (``my_lstm.py::lstm_cell/equivalence.forward``), so ``-k``, ``-x``,
``--lf``-style selection and CI reports work as for any test. The submission is graded once
per session, lazily when the first item runs, through the normal engine and sandbox (the
student's code never runs in the pytest process); each item then reports its check from that
one result, and a failure shows the same feedback as ``lstm-grader check``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

_PLUGIN_NAME = "lstm-grader-submission"


def pytest_addoption(parser: pytest.Parser) -> None:
    from grader.i18n import LANGS

    group = parser.getgroup("lstm-grader", "grading an LSTM submission with lstm-grader")
    group.addoption("--lstm-submission", metavar="PATH", default=None,
                    help="grade this .py or .ipynb file: one test per check")
    group.addoption("--lstm-exercise", metavar="NAME", action="append", default=None,
                    help="exercise to grade (repeatable); default: lstm_cell and lstm")
    group.addoption("--lstm-lang", choices=LANGS, default=None,
                    help="language of the feedback: en (default) or es")
    group.addoption("--lstm-examples", metavar="N", type=int, default=None,
                    help="Hypothesis examples per check (default 12)")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("lstm_submission", default=None)
    if not path:
        return
    submission = Path(config.invocation_params.dir, path).resolve()
    if not submission.is_file():
        raise pytest.UsageError(f"--lstm-submission: no file at {path}; pass the path of "
                                f"your .py or .ipynb submission")
    from grader.config import GradeConfig
    from grader.errors import ConfigError
    from grader.exercises import DEFAULT_EXERCISES, EXERCISES

    exercises = tuple(dict.fromkeys(config.getoption("lstm_exercise") or DEFAULT_EXERCISES))
    unknown = [name for name in exercises if name not in EXERCISES]
    if unknown:
        raise pytest.UsageError(f"--lstm-exercise: unknown exercise {', '.join(unknown)}; "
                                f"choose from {', '.join(sorted(EXERCISES))}")
    settings: dict[str, Any] = {"only_visible": True}  # what `lstm-grader check` grades
    if config.getoption("lstm_lang"):
        settings["lang"] = config.getoption("lstm_lang")
    if config.getoption("lstm_examples") is not None:
        settings["max_examples"] = config.getoption("lstm_examples")
    try:
        grade_config = GradeConfig(**settings)
    except ConfigError as exc:
        raise pytest.UsageError(f"lstm-grader: {exc}") from None
    config.addinivalue_line("markers", "lstm_grader: a check run by lstm-grader's plugin")
    config.pluginmanager.register(SubmissionPlugin(submission, exercises, grade_config),
                                  _PLUGIN_NAME)
    # The submission is collected like a path given on the command line, wherever it is.
    if not any(_same_path(config, arg, submission) for arg in config.args):
        config.args.append(str(submission))


def _same_path(config: pytest.Config, arg: str, path: Path) -> bool:
    base = arg.split("::", 1)[0]
    return Path(config.invocation_params.dir, base).resolve() == path


class GradingError(Exception):
    """The grader itself failed (not the submission): every item reports it as an error."""


class CheckFailure(AssertionError):
    """A check failed; ``args[0]`` is its feedback text."""


class SubmissionPlugin:
    """Collects the submission and grades it once per session."""

    def __init__(self, submission: Path, exercises: tuple[str, ...], config: Any) -> None:
        self.submission = submission
        self.exercises = exercises
        self.config = config  # a grader.config.GradeConfig
        self._report: Any = None
        self._error: BaseException | None = None
        self._made: set[Path] = set()

    @pytest.hookimpl(trylast=True)
    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector
                            ) -> pytest.Collector | None:
        # Runs after pytest's python plugin: when that one took the file for a test module,
        # pytest_pycollect_makemodule (below) has already answered for it.
        path = file_path.resolve()
        if path == self.submission and path not in self._made:
            return self._collector(file_path, parent)
        return None

    @pytest.hookimpl(tryfirst=True)
    def pytest_pycollect_makemodule(self, module_path: Path, parent: pytest.Collector
                                    ) -> pytest.Collector | None:
        # Answering first keeps pytest from importing the submission as a test module,
        # outside the sandbox (a student's file may well be called test_lstm.py).
        if module_path.resolve() == self.submission:
            return self._collector(module_path, parent)
        return None

    def _collector(self, path: Path, parent: pytest.Collector) -> pytest.Collector:
        self._made.add(path.resolve())
        return SubmissionFile.from_parent(parent, path=path, plugin=self)

    def report(self) -> Any:
        """The GradeReport (graded on first use), or GradingError if the grader failed."""
        if self._report is None and self._error is None:
            from grader.engine import grade

            try:
                self._report = grade(self.submission, self.exercises, self.config)
            except Exception as exc:  # a fault in the grader: report it on every item
                self._error = exc
        if self._error is not None:
            from grader.i18n import tr

            raise GradingError(tr("ui.pytest_grader_error", self.config.lang,
                                  submission=self.submission.name,
                                  error=f"{type(self._error).__name__}: {self._error}"))
        return self._report

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self._report is None:
            return
        from grader.i18n import tr
        from grader.reports.next_step import next_step_line, total_line

        report, lang = self._report, self.config.lang
        terminalreporter.write_sep("-", "lstm-grader")
        terminalreporter.write_line(tr("ui.pytest_summary", lang, submission=self.submission.name,
                                       score=f"{report.score:g}", max=f"{report.max_score:g}"))
        terminalreporter.write_line(total_line(report, lang))
        terminalreporter.write_line(next_step_line(report, lang))


class SubmissionFile(pytest.File):
    """The submission: its items are the checks of the chosen exercises (nothing is imported)."""

    def __init__(self, *, plugin: SubmissionPlugin, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plugin = plugin

    def collect(self) -> list[pytest.Item]:
        from grader.checks import checks_for
        from grader.exercises import get_exercise

        items: list[pytest.Item] = []
        for name in self.plugin.exercises:
            for spec in checks_for(get_exercise(name), self.plugin.config):
                items.append(CheckItem.from_parent(self, name=f"{name}/{spec.id}",
                                                   exercise=name, check_id=spec.id))
        return items


class CheckItem(pytest.Item):
    """One check of one exercise; passes or fails as the graded result says."""

    def __init__(self, *, exercise: str, check_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.exercise = exercise
        self.check_id = check_id
        self.add_marker(pytest.mark.lstm_grader)

    @property
    def plugin(self) -> SubmissionPlugin:
        assert isinstance(self.parent, SubmissionFile)
        return self.parent.plugin

    def runtest(self) -> None:
        report = self.plugin.report()
        for c in report.checks:
            if c.exercise == self.exercise and c.check_id == self.check_id:
                if not c.passed:
                    raise CheckFailure(feedback(report, c, self.plugin.config.lang))
                return
        raise GradingError(f"lstm-grader reported no result for {self.name}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailure | GradingError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[os.PathLike[str] | str, int | None, str]:
        # Not the bare name: pytest would show a name that ends the node id with its dots
        # as "::" (lstm_cell/shapes::unbatched).
        return self.path, None, f"lstm-grader {self.name}"


def feedback(report: Any, c: Any, lang: str) -> str:
    """What ``lstm-grader check`` prints for this failing check (and the exercise's note)."""
    from grader.i18n import field_text
    from grader.reports import text

    lines = [f"{text.check_line(c, lang)} ({c.score:g}/{c.max_score:g})"]
    note = next((field_text(ex, "note", lang) for ex in report.exercises
                 if ex.name == c.exercise and ex.note), "")
    if note:
        lines.append(note)
    lines.extend(text.failure_block(c, lang))
    return "\n".join(lines)
