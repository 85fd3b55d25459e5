"""Gradescope's results.json: one test per check, Markdown output, tags [category, exercise].

Nothing here depends on timing except ``execution_time``, so a regrade of the same
submission produces the same file apart from that field.
"""

from __future__ import annotations

import json
import math
from typing import Any, TextIO

from grader.i18n import field_text, tr
from grader.reports.feedback import failed_check_markdown
from grader.results import GradeReport, maths_failures


def to_dict(report: GradeReport, lang: str | None = None) -> dict[str, Any]:
    """Gradescope's results.json as a dict; the text in ``lang`` (default: the report's)."""
    lang = lang or report.lang
    tests = []
    for i, ex in enumerate(report.exercises, start=1):
        for j, c in enumerate(ex.checks, start=1):
            extra: dict[str, Any] = {"check_id": c.check_id, "exercise": c.exercise}
            extra.update({k: v for k, v in c.extra.items() if _jsonable(v)})
            if c.example is not None:
                extra["example"] = {"sizes": c.example.sizes, "inputs": c.example.inputs}
            output = failed_check_markdown(ex, c, lang)
            tests.append({
                "name": f"{ex.name}: {field_text(c, 'title', lang)}",
                "number": f"{i}.{j}",
                "score": c.score,
                "max_score": c.max_score,
                "status": "passed" if c.passed else "failed",
                "output": output,
                "output_format": "md",
                "visibility": c.visibility,
                "tags": [c.category, c.exercise],
                "extra_data": extra,
            })
    summary = [tr("ui.score", lang, score=f"{report.score:g}", max=f"{report.max_score:g}")]
    if report.output:
        summary.append(field_text(report, "output", lang))
    summary.extend(field_text(ex, "note", lang) for ex in report.exercises if ex.note)
    board = leaderboard(report)
    results = {
        "score": report.score,
        "execution_time": max(1, math.ceil(report.execution_time_s)),
        "output": "\n\n".join(summary),
        "output_format": "md",
        "test_output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": dict(report.environment),
        "tests": tests,
    }
    if board:
        results["leaderboard"] = board
    return results


def leaderboard(report: GradeReport) -> list[dict[str, Any]]:
    """The speed ratio student/PyTorch of each exercise (lower is better), for exercises whose
    maths is right (the rule that gates the speed points: ``grader.results.maths_failures``)
    and that are not denied credit (a built-in RNN): a fast wrong cell ranks nowhere."""
    timed = [(ex, c) for ex in report.exercises for c in ex.checks if c.category == "speed"
             and isinstance(c.extra.get("ratio"), int | float)]
    entries = []
    for ex, c in timed:
        if maths_failures(ex.checks) or any(
                not k.passed for k in ex.checks if k.category == "integrity"):
            continue
        baseline = c.extra.get("speed", {}).get("baseline", "nn.LSTM")
        name = f"speed ratio vs {baseline}" + (f" ({c.exercise})" if len(timed) > 1 else "")
        entries.append({"name": name, "value": c.extra["ratio"], "order": "asc"})
    return entries


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def render(report: GradeReport, stream: TextIO) -> None:
    json.dump(to_dict(report), stream, indent=2, ensure_ascii=False, allow_nan=False)
    stream.write("\n")
