"""``grader.check``: check your work from a notebook (Jupyter, Colab) or a Python session.

In a notebook cell::

    from grader import check
    check("lstm_cell")              # the classes defined by the cells run so far
    check(["lstm_cell", "lstm"])    # several exercises
    check("lstm", file="lstm_cell.py")   # a file instead (.py or .ipynb)

Without ``file``, the submission is the code of the cells this kernel has run (IPython's
input history, as typed: ``In``), made into a notebook, one cell per execution number, and
read by the same rules as an ``.ipynb`` file (``grader/notebook.py``): only definitions are
kept; training, plotting and printing, magics, shell lines and the check cell itself are
skipped; an error says ``cell N`` for the cell run as ``[N]``. A cell that did not parse never
ran, so it is left out; a class defined again in a later cell counts only in its latest form,
as in the kernel. Nothing is read from disk: Colab's notebook is not a file.

The code is never run in this process: it goes to the same sandboxed worker as
``lstm-grader check`` (``grader.engine.grade`` with its ``SandboxRunner``), under bubblewrap
where it is available and as a separate process with limits and timeouts elsewhere; the
report's isolation line says which. While it runs a progress line is shown; then the report:
in a notebook frontend the HTML report with its plots (``grader.reports.html.fragment``), in a
terminal or a plain Python session the same text as ``lstm-grader check``. The return value is
a small ``CheckSummary`` that code can use (``summary.passed``, ``summary.failed``...).
"""

from __future__ import annotations

import ast
import html
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.config import GradeConfig
from grader.errors import ConfigError
from grader.i18n import DEFAULT_LANG, Msg, check_lang, tr
from grader.results import GradeReport

__all__ = ["CheckSummary", "check", "kernel_notebook"]

# The name the kernel's code goes by in the report and in its tracebacks.
KERNEL_NOTEBOOK = "notebook.ipynb"
Progress = Callable[[str, str, int, int], None]


@dataclass(frozen=True)
class CheckSummary:
    """What ``check`` found, for code to use: the points, the failed checks (ids such as
    ``"lstm_cell/equivalence.forward"``) and the one next step, in the report's language.
    ``report`` is the full ``GradeReport`` (every check's feedback, as data)."""

    score: float
    max_score: float
    failed: tuple[str, ...]
    next_step: str
    exercises: tuple[str, ...]
    isolation: str
    report: GradeReport = field(repr=False, compare=False)

    @property
    def passed(self) -> bool:
        """Every check passed."""
        return not self.failed

    def __repr__(self) -> str:
        return (f"CheckSummary(score={self.score:g}/{self.max_score:g}, "
                f"exercises={list(self.exercises)!r}, failed={list(self.failed)!r}, "
                f"next_step={self.next_step!r})")

    @classmethod
    def from_report(cls, report: GradeReport) -> CheckSummary:
        from grader.reports.next_step import next_step

        return cls(score=report.score, max_score=report.max_score,
                   failed=tuple(c.full_id for c in report.checks if not c.passed),
                   next_step=next_step(report), exercises=tuple(e.name for e in report.exercises),
                   isolation=report.isolation or str(report.environment.get("isolation", "")),
                   report=report)


def check(exercise: str | Sequence[str] | None = None, file: str | os.PathLike[str] | None = None,
          *, examples: int | None = None, lang: str | None = None,
          rubric: str | os.PathLike[str] | None = None, all_cells: bool = False,
          plots: bool | None = None, show: bool = True,
          config: GradeConfig | None = None) -> CheckSummary:
    """Check your work and show the report; return a ``CheckSummary``.

    ``exercise``: one exercise name (``"lstm_cell"``) or several; default: the course's
    default exercises (``lstm_cell`` and ``lstm``), or the rubric's. ``file``: a ``.py`` or
    ``.ipynb`` file to check instead of the code this notebook's kernel has run. ``examples``:
    Hypothesis examples per check (default 12). ``lang``: ``"en"`` or ``"es"``. ``rubric``: a
    TOML rubric, as ``lstm-grader check --rubric``. ``all_cells``: run every cell, not only the
    definitions. ``plots``: measure the HTML report's plots (a few seconds more); default: in
    a notebook frontend, yes. ``show``: display the progress and the report (default yes).
    ``config``: a ``GradeConfig`` to start from (``GradeConfig(sandbox="none")``, say).

    As ``lstm-grader check``, only the rubric's visible checks run. Your code runs only in a
    separate, sandboxed worker process, never in this kernel.
    """
    config = config or GradeConfig()
    shell = _shell()
    if file is None and shell is None:  # said before torch is imported: a plain script
        raise ConfigError(Msg("api.no_session").render(check_lang(lang or config.lang)))
    from grader.engine import grade
    from grader.exercises import DEFAULT_EXERCISES, EXERCISES

    exercises: tuple[str, ...] = ()
    if isinstance(exercise, str):
        exercises = (exercise,)
    elif exercise is not None:
        exercises = tuple(exercise)
    if rubric is not None:
        from grader.rubric import load_rubric

        loaded = load_rubric(Path(rubric))
        config = loaded.config
        exercises = exercises or loaded.exercises
    say = lang or config.lang or DEFAULT_LANG
    check_lang(say)
    for name in exercises:
        if name not in EXERCISES:
            raise ConfigError(Msg("api.unknown_exercise", name=name,
                                  choices=", ".join(EXERCISES)).render(say))
    exercises = exercises or tuple(DEFAULT_EXERCISES)
    frontend = _is_notebook_frontend(shell)
    overrides: dict[str, Any] = {"only_visible": True, "lang": say}
    if examples is not None:
        overrides["max_examples"] = examples
    if all_cells:
        overrides["notebook_all_cells"] = True
    if plots if plots is not None else (show and frontend):
        overrides["visuals"] = True
    config = config.with_(**overrides)

    with tempfile.TemporaryDirectory(prefix="lstm-grader-notebook-") as tmp:
        if file is not None:
            path = Path(file)
        else:
            path = Path(tmp) / KERNEL_NOTEBOOK
            path.write_text(kernel_notebook(shell, all_cells), encoding="utf-8")
        display = _Display(path.name, say) if show and frontend else None
        with _progress(display, path, say, show) as progress:
            report = grade(path, exercises, config, progress=progress)
    if file is None:
        report.submission = KERNEL_NOTEBOOK  # not the temporary folder it was read from
    summary = CheckSummary.from_report(report)
    if show:
        _show(report, exercises, config, display)
    return summary


# -- the kernel's code -------------------------------------------------------------------------

def _shell() -> Any:
    """The running IPython shell, or None (plain Python, or IPython not installed)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    return ipython.get_ipython()


def _is_notebook_frontend(shell: Any) -> bool:
    """A kernel that a notebook (Jupyter, Colab, VS Code) talks to, which can show HTML; not
    the terminal IPython."""
    return shell is not None and getattr(shell, "kernel", None) is not None


def kernel_notebook(shell: Any, all_cells: bool = False) -> str:
    """The code this IPython session has run, as a notebook: cell N is what ran as ``[N]``.

    Raw inputs (magics as typed, which the notebook rules skip) are used; a cell whose
    transformed code does not parse never ran and becomes an empty cell, so numbers still
    match; a class or function defined again later is kept only where it was last defined.
    With ``all_cells``, the running cell (the one calling ``check``) is left out too: its
    code after the call has not run."""
    import nbformat

    history = shell.history_manager
    raw = list(history.input_hist_raw)
    parsed = list(history.input_hist_parsed)
    codes = []
    for n in range(1, len(raw)):
        code = raw[n]
        try:
            ast.parse(parsed[n] if n < len(parsed) else code)
        except SyntaxError:
            code = ""
        if all_cells and n == len(raw) - 1:
            code = ""
        codes.append(code)
    cells = [nbformat.v4.new_code_cell(code) for code in _latest_definitions(codes)]
    return str(nbformat.writes(nbformat.v4.new_notebook(cells=cells)))


def _latest_definitions(codes: list[str]) -> list[str]:
    """The cells with every class or function that a later cell defines again blanked out
    (line numbers kept): the kernel holds only the latest ``LSTMCell``, and a first attempt
    that used ``nn.LSTMCell`` must not count against the one that replaced it."""
    spans: dict[str, list[tuple[int, int, int]]] = {}  # name -> [(cell, first, last line)]
    for k, code in enumerate(codes):
        # Magic and shell lines as the notebook rules see them: not code.
        lines = ["#" if line.lstrip().startswith(("%", "!", "?")) else line
                 for line in code.splitlines()]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                spans.setdefault(node.name, []).append(
                    (k, first, node.end_lineno or node.lineno))
    out = [code.splitlines() for code in codes]
    for found in spans.values():
        for k, first, last in found[:-1]:
            out[k][first - 1:last] = [""] * (last - first + 1)
    return ["\n".join(lines) for lines in out]


# -- what the student sees ---------------------------------------------------------------------

class _Display:
    """One notebook output that shows the progress, then the report, updated in place."""

    def __init__(self, name: str, lang: str) -> None:
        from IPython.display import display

        self.lang = lang
        self.started = time.monotonic()
        self.handle = display(self._bundle(tr("ui.loading", lang, file=name), 0, 0),
                              raw=True, display_id=True)

    @staticmethod
    def _bundle(text: str, done: int, total: int) -> dict[str, str]:
        count = f" ({done}/{total})" if total else ""
        bar = (f'<progress value="{done}" max="{total}"></progress> ' if total
               else "<progress></progress> ")
        return {"text/plain": f"lstm-grader: {text}{count}",
                "text/html": f"<div>{bar}lstm-grader: {html.escape(text)}{count}</div>"}

    def progress(self, exercise: str, step: str, done: int, total: int) -> None:
        text = (tr("ui.running", self.lang, exercise=exercise, check=step) if step
                else tr("ui.finishing", self.lang))
        self.handle.update(self._bundle(text, done, total), raw=True)

    def report(self, bundle: dict[str, str]) -> None:
        self.handle.update(bundle, raw=True)


@contextmanager
def _progress(display: _Display | None, path: Path, lang: str, show: bool
              ) -> Iterator[Progress | None]:
    if display is not None:
        yield display.progress
        return
    if not show:
        yield None
        return
    from grader.reports import terminal

    with terminal.progress_bar(sys.stdout, path, lang) as bar:
        yield bar


def _show(report: GradeReport, exercises: tuple[str, ...], config: GradeConfig,
          display: _Display | None) -> None:
    from grader.cli import _hidden_note
    from grader.reports import text

    notes = _hidden_note(exercises, config)
    if display is None:
        from grader.reports import terminal

        terminal.render(report, sys.stdout, notes=notes)
        return
    from grader.reports import html as html_report
    from grader.reports.next_step import next_step_line

    plain = io.StringIO()
    text.render(report, plain, notes=notes)
    step = html.escape(next_step_line(report))
    fragment = html_report.fragment(report, notes=[*notes, tr("api.done", report.lang,
                                                           seconds=time.monotonic()
                                                           - display.started)])
    display.report({"text/plain": plain.getvalue(),
                    "text/html": f"{fragment}<p><strong>{step}</strong></p>"})
