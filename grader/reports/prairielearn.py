"""PrairieLearn's external-grader results.json, as its results page shows it.

PrairieLearn's ``<pl-external-grader-results>`` shows ``message`` and ``output`` (top level
and per test) inside ``<pre>``, with ANSI colours turned into HTML and nothing else rendered,
so every text here is the plain text of the terminal report (``grader/reports/text.py``):
no Markdown. ``images`` (top level) are ``{"label", "url"}`` objects whose ``url`` is a
base64 PNG ``data:`` URL; they are the HTML report's plots, sent when the report holds them
(the rubric's ``visuals = true``, or ``--html``). Fields:

- ``gradable``: false only when the file could not be graded at all (it does not load:
  syntax error, exception at import, an unreadable notebook, a worker that never answered
  the load; or no file, see ``not_gradable``); PrairieLearn then shows "Invalid, not
  gradable" and does not charge an attempt. ``format_errors`` then says why, one string each.
- ``score``: a fraction in [0, 1], not points; ``tests[]``: ``name``, ``description``,
  ``points``, ``max_points``, ``message`` (the first line), ``output`` (what the terminal
  report prints under that check).

PrairieLearn refuses a results.json over 1 MiB (its grader host marks the job failed), so
texts are capped and images are left out, with a note, once they would pass ``SIZE_LIMIT``.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any, TextIO

from grader.i18n import DEFAULT_LANG, field_text, tr
from grader.reports import text
from grader.reports.status import gradable, submission_status
from grader.results import GradeReport

_OUTPUT_CAP = 8000    # characters per test: 100 checks stay well under the limit
_REPORT_CAP = 60000   # characters of the top-level output (the whole terminal report)
# Bytes of the whole file: PrairieLearn's grader host refuses more than 1024 * 1024; the rest
# is a margin for what a cap cannot predict (escaping of control characters in the JSON).
SIZE_LIMIT = 1_000_000


def _cap(value: str, limit: int = _OUTPUT_CAP) -> str:
    if len(value) <= limit:
        return value
    return value[:limit] + f"\n[… {len(value) - limit} characters cut …]"


def to_dict(report: GradeReport, lang: str | None = None) -> dict[str, Any]:
    """The results as a dict, the text in ``lang`` (default: the report's)."""
    lang = lang or report.lang or DEFAULT_LANG
    tests = []
    for ex in report.exercises:
        for c in ex.checks:
            message = field_text(c, "message", lang)
            tests.append({
                "name": f"{ex.name}: {text.check_line(c, lang)}",
                "description": f"{c.exercise}/{c.check_id} ({c.category})",
                "points": c.score,
                "max_points": c.max_score,
                "message": _cap(message.splitlines()[0] if message else "", 500),
                "output": _cap(text.check_text(ex, c, lang)),
            })
    fraction = report.score / report.max_score if report.max_score > 0 else 0.0
    status = submission_status(report)
    ok = gradable(report)
    summary = tr("ui.score", lang, score=f"{report.score:g}", max=f"{report.max_score:g}")
    if not ok:
        summary = tr("pl.not_gradable", lang)
    elif status != "graded":
        summary += tr("pl.stopped_early", lang, status=status.replace("_", " "))
    buffer = io.StringIO()
    text.render(report, buffer, lang)
    results: dict[str, Any] = {
        "gradable": ok,
        "score": round(min(1.0, max(0.0, fraction)), 6),
        "message": summary,
        "output": _cap(buffer.getvalue(), _REPORT_CAP),
        "tests": tests,
        "extra_data": {"status": status, "points": report.score,
                       "max_points": report.max_score, "lang": lang,
                       **dict(report.environment)},
    }
    if not ok:
        reason = field_text(report, "output", lang) or (
            field_text(report.checks[0], "message", lang) if report.checks else "")
        results["format_errors"] = [_cap(reason, 2000)] if reason else []
    _add_images(results, report, lang)
    return results


def not_gradable(reason: str) -> dict[str, Any]:
    """The results when there is nothing to grade (no file, a grader fault; ``reason`` in the
    student's language): PrairieLearn shows "Invalid, not gradable" with the reason as an
    error, and charges no attempt."""
    reason = _cap(reason, 2000)
    return {"gradable": False, "score": 0.0, "message": reason, "output": reason,
            "format_errors": [reason], "tests": []}


def _add_images(results: dict[str, Any], report: GradeReport, lang: str) -> None:
    if not any(ex.visuals and "error" not in ex.visuals for ex in report.exercises):
        return
    from grader.reports.html import plot_figures

    size = len(_dumps(results).encode())
    images: list[dict[str, str]] = []
    left_out: list[str] = []
    many = len(report.exercises) > 1
    for ex in report.exercises:
        for figure in plot_figures(ex, lang):
            label = f"{ex.name}: {figure.title}" if many else figure.title
            url = "data:image/png;base64," + base64.b64encode(figure.png).decode("ascii")
            image = {"label": label, "url": url}
            cost = len(json.dumps(image, ensure_ascii=False).encode()) + 4
            if size + cost > SIZE_LIMIT - 2000:  # 2000: the note below, at most
                left_out.append(label)
                continue
            images.append(image)
            size += cost
    if images:
        results["images"] = images
    if left_out:
        results["output"] += "\n" + tr("pl.images_left_out", lang, labels="; ".join(left_out))


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)


def render(report: GradeReport, stream: TextIO) -> None:
    stream.write(_dumps(to_dict(report)))
    stream.write("\n")
