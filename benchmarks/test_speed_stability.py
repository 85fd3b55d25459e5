"""Regrade stability of the speed check (issue 7: the same points on every regrade).

Each of the reference (reference/ as one file), the expert and the naive loop is graded 5
times in full (default rubric, both default exercises, real sandbox) with the speed check
graded on the CPU (``speed_mode="graded"``). ``extra_info`` records, per exercise, the scored
ratio (forward+backward) of every regrade with its halves, band, confidence and points, and
their median, extremes and relative spread. The benchmark fails if the points differ between
regrades: that is the acceptance criterion, not a time limit. On a GPU:
``LSTM_GRADER_BENCH_DEVICE=cuda scripts/bench -k regrades``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks._support import speed_device, submissions, summary
from grader.config import GradeConfig
from grader.engine import grade
from grader.results import GradeReport

REGRADES = 5


def speed_rows(report: GradeReport) -> dict[str, dict[str, Any]]:
    """Per exercise, what the speed check found and awarded in one grade."""
    rows = {}
    for check in report.checks:
        if check.category != "speed":
            continue
        speed = check.extra["speed"]
        scored = speed[speed["metric"]]
        rows[check.exercise] = {
            "ratio": scored["ratio"], "halves": scored["halves"],
            "median_ratio": scored["median_ratio"],
            "forward_ratio": speed["forward"]["ratio"], "band": speed["band"],
            "confidence": speed["confidence"], "points": check.score,
            "max_points": check.max_score, "rounds": scored["rounds"]}
    return rows


def stability(regrades: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per exercise: the ratios' median/extremes/spread and the set of points awarded."""
    out = {}
    for exercise in regrades[0]:
        rows = [r[exercise] for r in regrades]
        out[exercise] = {
            "ratio": summary([r["ratio"] for r in rows]),
            "forward_ratio": summary([r["forward_ratio"] for r in rows]),
            "points": [r["points"] for r in rows],
            "bands": sorted({r["band"] for r in rows}),
            "confidence": [r["confidence"] for r in rows],
            "same_points": len({r["points"] for r in rows}) == 1,
            "regrades": rows,
        }
    return out


@pytest.mark.parametrize("name", ["reference", "expert", "naive"])
def test_regrades_give_the_same_speed_points(benchmark: Any, tmp_path: Path,
                                             name: str) -> None:
    path = submissions(tmp_path)[name]
    config = GradeConfig(speed_mode="graded", speed_device=speed_device())
    regrades: list[dict[str, dict[str, Any]]] = []

    def regrade() -> None:
        report = grade(path, config=config)
        failed = [c.full_id for c in report.checks if not c.passed and c.category != "speed"]
        assert not failed, f"{name} must be a correct submission; it failed {failed}"
        regrades.append(speed_rows(report))

    benchmark.pedantic(regrade, rounds=REGRADES, iterations=1)
    result = stability(regrades)
    benchmark.extra_info.update({"submission": name, "regrades": len(regrades), **result})
    unstable = {ex: r["points"] for ex, r in result.items() if not r["same_points"]}
    assert not unstable, f"speed points differ between regrades of {name}: {unstable}"
