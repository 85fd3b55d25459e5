"""Batch throughput: ``lstm-grader batch DIR --out grades.csv --jobs 2`` on a class of 40.

Target (issue 7): at least 60 submissions per minute on 2 cores. The class is the one of
``benchmarks/batch_throughput.py``: the two bundled examples and the lstm_cell/lstm zoo of
tests/submissions cycled to 40 files (correct and one-bug submissions, as a class of
mostly-working submissions would look). One round: a fresh CLI process grading the whole
folder with the default rubric and the real sandbox, start-up included (the CLI, the two
slot processes and their sandboxes: about 5 s of the total).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from benchmarks._support import cli, median_of, system_busy_s, wall
from benchmarks.batch_throughput import make_class

TARGET_PER_MIN = 60.0
JOBS = 2
CLASS_SIZE = 40


@pytest.mark.parametrize("fork_server", [True, False], ids=["fork-server", "fresh-workers"])
def test_batch_throughput(benchmark: Any, tmp_path: Path, fork_server: bool) -> None:
    """``fork-server``: the default (one warm sandbox per slot forks each submission's
    worker); ``fresh-workers``: ``--no-fork-server``, a new interpreter per submission."""
    (tmp_path / "class").mkdir()
    make_class(tmp_path / "class", CLASS_SIZE)
    count = CLASS_SIZE
    out = tmp_path / "grades.csv"
    cpu: list[float] = []
    busy: list[float] = []

    def run_batch() -> None:
        before = system_busy_s()
        wall([*cli(), "batch", str(tmp_path / "class"), "--out", str(out), "--jobs",
              str(JOBS), "--force", *([] if fork_server else ["--no-fork-server"])],
             tmp_path, cpu)
        busy.append(system_busy_s() - before)

    benchmark.pedantic(run_batch, rounds=1, iterations=1)
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == count and all(r["status"] == "graded" for r in rows), rows
    info: dict[str, Any] = {"submissions": count, "jobs": JOBS, "mode": "lstm-grader batch",
                            "fork_server": fork_server, "target_per_min": TARGET_PER_MIN,
                            "cpu_s_per_submission": round(cpu[-1] / count, 3),
                            "machine_busy_cpu_s_per_submission": round(busy[-1] / count, 3)}
    seconds = median_of(benchmark)
    if seconds:
        per_min = 60.0 * count / seconds
        info.update(per_min=round(per_min, 1), meets_target=bool(per_min >= TARGET_PER_MIN))
    benchmark.extra_info.update(info)
