"""The terminal report for students, as plain text: what passed, what failed, the smallest
example, a hint, and the one next step.

This is what ``check`` prints when its output is not a terminal (a pipe, a file, CI logs):
no colour, no escape codes. ``grader/reports/terminal.py`` draws the same content with
colour on a terminal, and the pytest plugin reuses ``failure_block`` for each failing check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from grader.i18n import DEFAULT_LANG, field_text, tr
from grader.reports.feedback import example_lines
from grader.reports.next_step import next_step_line, total_line
from grader.results import CheckResult, ExerciseResult, GradeReport


def status_word(c: CheckResult, lang: str = DEFAULT_LANG) -> str:
    return tr("ui.pass" if c.passed else "ui.fail", lang)


def category_name(category: str, lang: str = DEFAULT_LANG) -> str:
    try:
        return tr(f"category.{category}", lang)
    except KeyError:  # a category added without a catalog entry still shows, in English
        return category


def check_line(c: CheckResult, lang: str = DEFAULT_LANG) -> str:
    """``category: title`` of one check."""
    return f"{category_name(c.category, lang)}: {field_text(c, 'title', lang)}"


def failure_parts(c: CheckResult, lang: str = DEFAULT_LANG) -> list[tuple[str, list[str]]]:
    """What a failing check tells the student, as (kind, lines): kinds are ``message``,
    ``example``, ``expected``, ``traceback`` and ``hint``, so that a writer can style each."""
    parts: list[tuple[str, list[str]]] = [
        ("message", field_text(c, "message", lang).splitlines())]
    if c.example is not None:
        parts.append(("example", example_lines(c.example, lang)))
    if c.expected or c.got:
        labels = (tr("ui.expected", lang) + ":", tr("ui.got", lang) + ":")
        width = max(len(label) for label in labels) + 1
        parts.append(("expected", [f"{labels[0]:<{width}}{field_text(c, 'expected', lang)}",
                                   f"{labels[1]:<{width}}{field_text(c, 'got', lang)}"]))
    if c.traceback:
        parts.append(("traceback", [tr("ui.traceback", lang)]
                      + [f"  {line}" for line in c.traceback.rstrip().splitlines()]))
    if c.hint:
        parts.append(("hint", [tr("ui.hint", lang, hint=field_text(c, "hint", lang))]))
    return parts


def failure_block(c: CheckResult, lang: str = DEFAULT_LANG) -> list[str]:
    """The lines ``check`` prints under a failing check (the message flush left, the rest
    indented by two)."""
    lines: list[str] = []
    for kind, part in failure_parts(c, lang):
        indent = "" if kind == "message" else "  "
        lines.extend(f"{indent}{line}" for line in part)
    return lines


def check_text(ex: ExerciseResult, c: CheckResult, lang: str = DEFAULT_LANG) -> str:
    """One check as plain text (PrairieLearn's and JUnit's per-test output): its failure
    block, after the exercise's note when it got no credit, or its confirmation when it
    passed."""
    if c.passed:
        message = field_text(c, "message", lang)
        return tr("ui.passed_message", lang, message=message) if message else \
            tr("ui.passed", lang)
    lines = failure_block(c, lang)
    note = field_text(ex, "note", lang)
    return "\n".join([note, "", *lines] if note else lines)


def render(report: GradeReport, stream: TextIO, lang: str | None = None,
           notes: Sequence[str] = ()) -> None:
    """The report in ``lang`` (default: the report's); ``notes`` go just before the total."""
    lang = lang or report.lang or DEFAULT_LANG
    w = stream.write
    w(f"lstm-grader: {report.submission}\n")
    output = field_text(report, "output", lang)
    if output:
        w(f"\n{output}\n")
    for ex in report.exercises:
        w(f"\n== {ex.name} ({ex.class_name}): {ex.score:g} / {ex.max_score:g}\n")
        for c in ex.checks:
            w(f"  [{status_word(c, lang)}] {check_line(c, lang)} "
              f"({c.score:g}/{c.max_score:g})\n")
        note = field_text(ex, "note", lang)
        if note:
            w(f"  {note}\n")
        for c in ex.checks:
            if c.passed:
                continue
            w(f"\n  --- {c.full_id}\n")
            for line in failure_block(c, lang):
                w(f"  {line}\n")
    for note in notes:
        w(f"\n{note}\n")
    w(f"\n{total_line(report, lang)}\n")
    w(f"{next_step_line(report, lang)}\n")
