"""What the benchmarks share: the submissions they time, and small timing helpers."""

from __future__ import annotations

import ast
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
EXAMPLE = ROOT / "examples" / "my_lstm.py"

# The reference's modules, in dependency order.
_REFERENCE_MODULES = ("_base.py", "cells.py", "layers.py")
_CONVERSIONS = ("from_torch", "to_torch")


def reference_submission_source() -> str:
    """reference/'s from-scratch LSTMCell and LSTM as one self-contained submission file.

    The sandbox hides reference/ from submissions, so a file that imports it could not be
    graded; this concatenates the modules in dependency order without their imports of one
    another (a single ``from __future__`` line at the top) and without the conversions to and
    from nn.LSTM / nn.LSTMCell (``to_torch``, ``from_torch``), which name the built-ins the
    integrity check forbids and take no part in the computation."""
    parts = ['"""reference/ (_base, cells, layers) as one file, graded as a submission."""\n',
             "from __future__ import annotations\n"]
    for name in _REFERENCE_MODULES:
        text = (ROOT / "reference" / name).read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        drop: set[int] = set()
        for node in ast.parse(text).body:
            if isinstance(node, ast.ImportFrom) and (
                    node.module == "__future__" or (node.module or "").startswith("reference")):
                drop.update(range(node.lineno - 1, node.end_lineno or node.lineno))
            for method in node.body if isinstance(node, ast.ClassDef) else ():
                if isinstance(method, ast.FunctionDef) and method.name in _CONVERSIONS:
                    first = min([d.lineno for d in method.decorator_list] + [method.lineno])
                    drop.update(range(first - 1, method.end_lineno or method.lineno))
        parts.append(f"\n# ---- reference/{name} ----\n")
        parts.extend(line for i, line in enumerate(lines) if i not in drop)
    return "".join(parts)


def submissions(tmp: Path) -> dict[str, Path]:
    """The submissions whose speed is measured: name -> file (the reference written to tmp)."""
    reference = tmp / "reference_lstm.py"
    reference.write_text(reference_submission_source(), encoding="utf-8")
    return {
        "reference": reference,
        "expert": ROOT / "reference" / "expert.py",
        "lesson": ROOT / "examples" / "lesson_lstm.py",
        "my_lstm": EXAMPLE,
        "naive": ROOT / "benchmarks" / "submissions" / "naive_loop.py",
    }


def speed_device() -> str:
    """The device the speed benchmarks time on: ``LSTM_GRADER_BENCH_DEVICE`` (cpu, the
    default, or cuda); a benchmark asked for cuda on a machine without one is skipped."""
    import pytest
    import torch

    device = os.environ.get("LSTM_GRADER_BENCH_DEVICE", "cpu")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"LSTM_GRADER_BENCH_DEVICE must be cpu or cuda, got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("LSTM_GRADER_BENCH_DEVICE=cuda but no CUDA device is visible")
    return device


def wall(command: Sequence[str], cwd: Path, cpu: list[float] | None = None) -> float:
    """Seconds one command takes from start to exit; it must succeed. With ``cpu``, also
    append the CPU seconds (user + system) it and its waited-for children used: unlike the
    wall-clock time, that hardly moves when other processes share the machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(list(command), cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return elapsed


def system_busy_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat; 0 elsewhere).

    A sandboxed worker is killed at the end, and what it used is then not counted among the
    command's children (its parent is gone when it is reaped); the machine-wide figure
    counts it, and everything else that ran meanwhile (see the load average)."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = f.readline().split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def import_torch_s(cwd: Path, cpu: list[float] | None = None) -> float:
    """A fresh ``python -c "import torch"``: the yardstick of the latency target."""
    return wall([PYTHON, "-c", "import torch"], cwd, cpu)


def cli() -> list[str]:
    """The ``lstm-grader`` command of this interpreter's environment."""
    script = Path(PYTHON).parent / "lstm-grader"
    return [str(script)] if script.exists() else [PYTHON, "-m", "grader.cli"]


def median_of(benchmark: Any) -> float | None:
    """The median seconds pytest-benchmark measured (None when benchmarks are disabled)."""
    stats = getattr(benchmark, "stats", None)
    return None if stats is None else float(stats.stats.median)


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, extremes and relative spread ((max - min) / median) of some values."""
    med = statistics.median(values)
    return {"median": round(med, 4), "min": round(min(values), 4),
            "max": round(max(values), 4),
            "spread": round((max(values) - min(values)) / med, 4) if med else 0.0}
