"""Latency: ``import torch`` (the yardstick), the worker's start-up, and one cold grade.

Target (issue 7): a full default grade of a correct submission within 3 times the time of
``python -c "import torch"`` measured in the same run. The grade's rounds are interleaved
with ``import torch`` rounds (untimed setup), so a machine that gets busier or quieter during
the run moves both alike.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from benchmarks._support import EXAMPLE, cli, import_torch_s, median_of, summary, wall
from grader.sandbox import SandboxRunner

GRADE_TARGET = 3.0  # times `python -c "import torch"`


def test_import_torch(benchmark: Any, tmp_path: Path) -> None:
    """A fresh interpreter importing torch (CPU): what any grader pays at least once."""
    benchmark.pedantic(import_torch_s, args=(tmp_path,), rounds=5, warmup_rounds=1,
                       iterations=1)


def test_worker_startup(benchmark: Any) -> None:
    """Start the sandboxed worker, load the example and answer a ping, then stop it."""
    load = {"op": "load", "source": EXAMPLE.read_text(encoding="utf-8"),
            "filename": EXAMPLE.name}
    isolation: list[str] = []

    def start_and_stop() -> None:
        runner = SandboxRunner(load)
        try:
            runner.request({"op": "ping"})
        finally:
            runner.close()
        isolation.append(runner.isolation)

    benchmark.pedantic(start_and_stop, rounds=5, warmup_rounds=1, iterations=1)
    benchmark.extra_info["isolation"] = isolation[-1]


def test_grade_cold(benchmark: Any, tmp_path: Path) -> None:
    """``lstm-grader grade examples/my_lstm.py``: a new process, the default rubric (both
    default exercises, 12 examples per check, the speed check as the default CPU rubric
    has it), the real sandbox."""
    out = tmp_path / "results.json"
    yardstick: list[float] = []
    yardstick_cpu: list[float] = []
    grade_cpu: list[float] = []

    def measure_import_torch() -> None:
        yardstick.append(import_torch_s(tmp_path, yardstick_cpu))

    def grade() -> None:
        wall([*cli(), "grade", str(EXAMPLE), "--out", str(out)], tmp_path, grade_cpu)

    benchmark.pedantic(grade, setup=measure_import_torch, rounds=3, warmup_rounds=0,
                       iterations=1)
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["score"] == sum(t["max_score"] for t in report["tests"])  # a correct grade
    grade_s = median_of(benchmark)
    info: dict[str, Any] = {"import_torch_s": summary(yardstick),
                            "cpu_s": {"import_torch": summary(yardstick_cpu),
                                      "grade": summary(grade_cpu),
                                      "ratio": round(statistics.median(grade_cpu)
                                                     / statistics.median(yardstick_cpu), 3)},
                            "target_ratio": GRADE_TARGET,
                            "grader_execution_time_s": report["execution_time"]}
    if grade_s is not None:
        ratio = grade_s / statistics.median(yardstick)
        info.update(ratio_to_import_torch=round(ratio, 3),
                    meets_target=bool(ratio <= GRADE_TARGET))
    benchmark.extra_info.update(info)
