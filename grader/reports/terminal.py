"""What ``check`` and ``demo`` show in a terminal: a progress bar while the checks run, a
coloured summary table, every failure with its feedback, and the one next step.

Colour and redraws are for terminals only. When the output is not a TTY (a pipe, a file, CI
logs) the plain text writer (``grader/reports/text.py``) is used instead: no escape codes,
no progress bar. On a terminal, ``NO_COLOR`` (any non-empty value, https://no-color.org)
drops the colours and keeps the layout; PASS/FAIL are words, so nothing depends on colour.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from grader.i18n import DEFAULT_LANG, field_text, tr
from grader.reports import text
from grader.reports.next_step import next_step_line, total_line
from grader.results import GradeReport

if TYPE_CHECKING:
    from rich.console import Console

Progress = Callable[[str, str, int, int], None]

# Styles by the kind of a failure's part (grader.reports.text.failure_parts).
_PART_STYLES = {"message": "", "example": "cyan", "expected": "yellow", "traceback": "magenta",
                "hint": "green"}


def is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except (ValueError, OSError):  # a closed or detached stream
        return False


def _console(stream: TextIO) -> Console:
    from rich.console import Console  # imported only when something is drawn

    # Student text may contain "[...]" or ":name:"; it is never read as markup or emoji.
    return Console(file=stream, force_terminal=True, no_color=bool(os.environ.get("NO_COLOR")),
                   highlight=False, markup=False, emoji=False, soft_wrap=False)


@contextmanager
def progress_bar(stream: TextIO, submission: str | Path,
                 lang: str = DEFAULT_LANG) -> Iterator[Progress | None]:
    """A callback for ``grader.engine.grade(progress=...)`` that draws a progress bar on a
    terminal; None when ``stream`` is not one (nothing is drawn)."""
    if not is_terminal(stream):
        yield None
        return
    from rich import progress as rp

    loading = tr("ui.loading", lang, file=Path(submission).name)
    with rp.Progress(rp.TextColumn("{task.description}"), rp.BarColumn(),
                     rp.MofNCompleteColumn(), rp.TimeElapsedColumn(), console=_console(stream),
                     transient=True) as bar:
        task = bar.add_task(loading, total=None)

        def update(exercise: str, step: str, done: int, total: int) -> None:
            description = (tr("ui.running", lang, exercise=exercise, check=step) if step
                           else tr("ui.finishing", lang))
            # Drawn at once rather than at the next tick, so the bar names the running check.
            bar.update(task, description=description, completed=done, total=total, refresh=True)

        yield update


def render(report: GradeReport, stream: TextIO, lang: str | None = None,
           notes: Sequence[str] = ()) -> None:
    """The report in ``lang`` (default: the report's): drawn on a terminal, plain otherwise.
    ``notes`` (already in ``lang``) come just before the total, so the next step stays last."""
    lang = lang or report.lang or DEFAULT_LANG
    if not is_terminal(stream):
        text.render(report, stream, lang, notes)
        return
    from rich import box
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    console = _console(stream)
    console.print(Text(f"lstm-grader: {report.submission}", style="bold"))
    output = field_text(report, "output", lang)
    if output:
        console.print()
        console.print(Text(output, style="red"))
    for ex in report.exercises:
        console.print()
        ok = ex.score >= ex.max_score and all(c.passed for c in ex.checks)
        table = Table(title=Text(f"{ex.name} ({ex.class_name}): {ex.score:g} / {ex.max_score:g}",
                                 style="bold green" if ok else "bold"),
                      title_justify="left", box=box.SIMPLE_HEAD, expand=False)
        table.add_column(tr("ui.status", lang), no_wrap=True)
        table.add_column(tr("ui.check", lang), overflow="fold")
        table.add_column(tr("ui.points", lang), justify="right", no_wrap=True)
        for c in ex.checks:
            table.add_row(Text(text.status_word(c, lang),
                               style="bold green" if c.passed else "bold red"),
                          Text(text.check_line(c, lang)),
                          Text(f"{c.score:g}/{c.max_score:g}"))
        console.print(table)
        note = field_text(ex, "note", lang)
        if note:
            console.print(Text(note, style="bold red"))
        for c in ex.checks:
            if c.passed:
                continue
            console.print()
            console.rule(Text(c.full_id, style="bold red"), align="left", style="red")
            for kind, lines in text.failure_parts(c, lang):
                # Indented as a block, so that wrapped lines keep the indentation.
                console.print(Padding(Text("\n".join(lines), style=_PART_STYLES[kind]),
                                      (0, 0, 0, 0 if kind == "message" else 2)))
    for note in notes:
        console.print()
        console.print(Text(note))
    console.print()
    failed = not report.all_passed
    console.print(Text(total_line(report, lang), style="bold red" if failed else "bold green"))
    console.print(Text(next_step_line(report, lang), style="bold"))
