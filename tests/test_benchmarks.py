"""The benchmarks' plumbing (benchmarks/, scripts/bench): how they are run and what they grade.
Nothing here times anything; the benchmarks themselves run only through scripts/bench."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
import torch

from benchmarks._support import reference_submission_source, summary
from benchmarks.test_speed_stability import stability
from grader.config import GradeConfig

ROOT = Path(__file__).resolve().parent.parent


def test_the_test_suite_does_not_collect_the_benchmarks() -> None:
    tomllib = pytest.importorskip("tomllib")
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"]
    assert options["testpaths"] == ["tests"]
    assert "--benchmark-disable" in options["addopts"]


def test_scripts_bench_sets_up_and_saves_json_results() -> None:
    bench = ROOT / "scripts" / "bench"
    assert bench.is_file() and os.access(bench, os.X_OK)
    text = bench.read_text()
    assert "scripts/setup" in text
    assert "--benchmark-enable" in text and "--benchmark-json=" in text
    assert "benchmarks/results/" in text


def test_the_reference_as_a_submission_is_self_contained_and_uses_no_builtin_rnn() -> None:
    source = reference_submission_source()
    tree = ast.parse(source)
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m and m.split(".")[0] in ("reference", "grader")}
    forbidden = {name.split(".")[-1] for name in GradeConfig().forbidden_apis}
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert not used & forbidden
    classes = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    assert {"LSTMCell", "LSTM"} <= classes


def test_the_reference_as_a_submission_computes_what_reference_does() -> None:
    from reference import LSTM

    namespace: dict[str, object] = {"__name__": "reference_as_submission"}
    exec(compile(reference_submission_source(), "reference_lstm.py", "exec"), namespace)
    torch.manual_seed(0)
    theirs = namespace["LSTM"](3, 4, 2)  # type: ignore[operator]
    torch.manual_seed(0)
    ours = LSTM(3, 4, 2)
    x = torch.randn(2, 5, 3)
    assert torch.equal(theirs(x)[0], ours(x)[0])


def test_stability_summary_flags_regrades_that_differ_in_points() -> None:
    def row(ratio: float, points: float) -> dict[str, object]:
        return {"ratio": ratio, "forward_ratio": ratio, "band": "≤ 8×", "confidence": "high",
                "points": points}

    steady = stability([{"lstm": row(r, 2.0)} for r in (5.0, 5.5, 6.0, 5.2, 5.1)])["lstm"]
    assert steady["same_points"] and steady["ratio"]["median"] == 5.2
    assert steady["ratio"]["spread"] == pytest.approx((6.0 - 5.0) / 5.2, abs=1e-4)
    flipped = stability([{"lstm": row(7.9, 2.0)}, {"lstm": row(8.1, 1.0)}])["lstm"]
    assert not flipped["same_points"] and flipped["points"] == [2.0, 1.0]
    assert summary([1.0, 3.0, 2.0]) == {"median": 2.0, "min": 1.0, "max": 3.0, "spread": 1.0}
