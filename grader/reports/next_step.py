"""The one next step a student should take, chosen from a GradeReport by priority.

A student who sees twenty failures needs to know where to start. The order follows what
blocks what: a file that does not load fails every check; a built-in recurrence gets no
credit whatever else passes; an exception hides the maths; a diagnosed mistake names the
line to change; otherwise the first failing check's hint.
"""

from __future__ import annotations

from pathlib import Path

from grader.i18n import DEFAULT_LANG, Msg, field_text, tr
from grader.reports.status import NOT_LOADED_KEYS, message_key
from grader.results import CheckResult, GradeReport


def _loads(c: CheckResult) -> bool:
    return message_key(c) not in NOT_LOADED_KEYS


def _raised(c: CheckResult) -> bool:
    return bool(c.traceback) or message_key(c) == "error.raised"


def next_step(report: GradeReport, lang: str | None = None) -> str:
    """The step itself, in ``lang`` (default: the report's language), without the label."""
    lang = lang or report.lang or DEFAULT_LANG
    failed = [c for c in report.checks if not c.passed]
    if not failed:
        return tr("ui.next.submit", lang, file=Path(report.submission).name)
    if any(not _loads(c) for c in failed):
        return tr("ui.next.load", lang)
    for c in failed:
        if c.category == "integrity":
            return tr("ui.next.integrity", lang, check=c.full_id)
    for c in failed:
        if _raised(c):
            return tr("ui.next.raised", lang, check=c.full_id,
                      hint=field_text(c, "hint", lang)).rstrip()
    for c in failed:
        diagnosis = c.i18n.get("diagnosis")
        if diagnosis:
            title = Msg.from_data(diagnosis["title"]).render(lang)
            equation = str(diagnosis.get("equation") or "")
            if equation:
                return tr("ui.next.diagnosis", lang, title=title, equation=equation,
                          check=c.full_id)
            return tr("ui.next.diagnosis_plain", lang, title=title, check=c.full_id)
    first = failed[0]
    return tr("ui.next.hint", lang, check=first.full_id,
              hint=field_text(first, "hint", lang)).rstrip()


def next_step_line(report: GradeReport, lang: str | None = None) -> str:
    """``Next step: ...`` (``Siguiente paso: ...``)."""
    lang = lang or report.lang or DEFAULT_LANG
    return tr("ui.next_step", lang, step=next_step(report, lang))


def total_line(report: GradeReport, lang: str | None = None) -> str:
    lang = lang or report.lang or DEFAULT_LANG
    failed = sum(not c.passed for c in report.checks)
    score, top = f"{report.score:g}", f"{report.max_score:g}"
    if failed:
        return tr("ui.total_line_failed", lang, score=score, max=top, n=failed)
    return tr("ui.total_line_passed", lang, score=score, max=top)
