"""PrairieLearn's external-grader results.json.

Top level: ``gradable``, ``score`` (a fraction in [0, 1], not points), ``message``, ``output``
and ``tests`` (``name``, ``description``, ``points``, ``max_points``, ``message``,
``output``). ``gradable`` is false only when the file could not be graded at all (it does not
load: syntax error, exception at import, an unreadable notebook, a worker that never
answered the load); PrairieLearn
then shows the submission as invalid and does not charge an attempt. PrairieLearn refuses
results over about 1 MB, so each test's output is capped.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from grader.i18n import field_text, tr
from grader.reports.feedback import failed_check_markdown
from grader.reports.status import gradable, submission_status
from grader.results import GradeReport

_OUTPUT_CAP = 8000  # characters per test: 100 checks stay well under PrairieLearn's 1 MB


def _cap(text: str, limit: int = _OUTPUT_CAP) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[… {len(text) - limit} characters cut …]"


def to_dict(report: GradeReport) -> dict[str, Any]:
    lang = report.lang
    tests = []
    for ex in report.exercises:
        for c in ex.checks:
            message = field_text(c, "message", lang)
            output = failed_check_markdown(ex, c, lang)
            tests.append({
                "name": f"{ex.name}: {field_text(c, 'title', lang)}",
                "description": f"{c.exercise}/{c.check_id} ({c.category})",
                "points": c.score,
                "max_points": c.max_score,
                "message": _cap(message.splitlines()[0] if message else "", 500),
                "output": _cap(output),
            })
    fraction = report.score / report.max_score if report.max_score > 0 else 0.0
    status = submission_status(report)
    ok = gradable(report)
    summary = tr("ui.score", lang, score=f"{report.score:g}", max=f"{report.max_score:g}")
    if not ok:
        summary = tr("pl.not_gradable", lang)
    elif status != "graded":
        summary += tr("pl.stopped_early", lang, status=status.replace("_", " "))
    output_parts = [field_text(report, "output", lang)] if report.output else []
    output_parts += [field_text(ex, "note", lang) for ex in report.exercises if ex.note]
    return {
        "gradable": ok,
        "score": round(min(1.0, max(0.0, fraction)), 6),
        "message": summary,
        "output": _cap("\n\n".join(p for p in output_parts if p), 20000),
        "tests": tests,
        "extra_data": {"status": status, "points": report.score,
                       "max_points": report.max_score, **dict(report.environment)},
    }


def render(report: GradeReport, stream: TextIO) -> None:
    json.dump(to_dict(report), stream, indent=2, ensure_ascii=False, allow_nan=False)
    stream.write("\n")
