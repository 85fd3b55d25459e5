"""Batch throughput: ``lstm-grader batch DIR --out grades.csv --jobs 2`` on a small class.

Target (issue 7): at least 60 submissions per minute on 2 cores. The class is 12 files:
the five full submissions of the speed benchmarks (each with LSTMCell and LSTM, graded on
both default exercises, so every check runs) and seven one-bug or correct files of the
lstm_cell and lstm zoo, as a class of mostly-working submissions would look. One round: a
fresh CLI process grading the whole folder with the default rubric and the real sandbox.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest

from benchmarks._support import ROOT, cli, median_of, submissions, system_busy_s, wall

TARGET_PER_MIN = 60.0
JOBS = 2
ZOO = ("lstm_cell/correct_lesson_linear.py", "lstm_cell/bug_sigmoid_on_candidate.py",
       "lstm_cell/bug_state_kept_in_module.py", "lstm_cell/bug_missing_tanh_on_c.py",
       "lstm/correct_lesson_modulelist.py", "lstm/bug_state_not_carried.py",
       "lstm/bug_truncated_bptt.py")


def make_class(folder: Path, tmp: Path) -> int:
    folder.mkdir()
    files = list(submissions(tmp).items()) + [
        (Path(z).stem, ROOT / "tests" / "submissions" / z) for z in ZOO]
    for i, (name, path) in enumerate(files):
        shutil.copy(path, folder / f"s{i:02d}_{name}.py")
    return len(files)


@pytest.mark.parametrize("fork_server", [True, False], ids=["fork-server", "fresh-workers"])
def test_batch_throughput(benchmark: Any, tmp_path: Path, fork_server: bool) -> None:
    """``fork-server``: the default (one warm sandbox per slot forks each submission's
    worker); ``fresh-workers``: ``--no-fork-server``, a new interpreter per submission."""
    count = make_class(tmp_path / "class", tmp_path)
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
