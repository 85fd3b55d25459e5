"""Batch throughput: submissions per minute on a class of copies and one-bug mutants.

    .venv/bin/python benchmarks/batch_throughput.py [--n 40] [--jobs 2] [--examples N]
        [--no-prestart] [--no-fork-server] [--rubric FILE]

Builds the class in a temporary folder (the bundled examples and the lstm_cell / lstm zoo
of tests/submissions, cycled to --n files), grades it with ``run_batch`` through the real
sandbox and prints the wall time, submissions per minute and the statuses. Nothing is
written outside the temporary folder.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._support import system_busy_s  # noqa: E402
from grader.batch import Plan, default_jobs, load_plan_inputs, run_batch  # noqa: E402


def make_class(folder: Path, n: int) -> None:
    pool = [ROOT / "examples" / "my_lstm.py", ROOT / "examples" / "lesson_lstm.py"]
    for zoo in ("lstm_cell", "lstm"):
        pool += sorted((ROOT / "tests" / "submissions" / zoo).glob("*.py"))
    for i, src in zip(range(n), itertools.cycle(pool)):
        shutil.copy(src, folder / f"s{i:03d}_{src.stem}.py")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--examples", type=int, default=None)
    parser.add_argument("--rubric", type=Path, default=None)
    parser.add_argument("--no-prestart", action="store_true")
    parser.add_argument("--no-fork-server", action="store_true")
    args = parser.parse_args()
    exercises, config = load_plan_inputs(args.rubric, args.examples)
    plan = Plan(exercises, config, prestart=not args.no_prestart,
                fork_server=not args.no_fork_server)
    with tempfile.TemporaryDirectory(prefix="lstm-grader-bench-") as tmp:
        subs = Path(tmp) / "subs"
        subs.mkdir()
        make_class(subs, args.n)
        started = time.monotonic()
        busy0 = system_busy_s()
        cpu0 = os.times()
        summary = run_batch(subs, Path(tmp) / "grades.csv", plan, jobs=args.jobs)
        wall = time.monotonic() - started
        busy = system_busy_s() - busy0
        cpu1 = os.times()
    cpu = (cpu1.user + cpu1.system + cpu1.children_user + cpu1.children_system
           - cpu0.user - cpu0.system - cpu0.children_user - cpu0.children_system)
    print(f"{summary.graded_now} submissions, jobs={args.jobs}, "
          f"prestart={not args.no_prestart}, fork_server={not args.no_fork_server}, "
          f"examples={config.max_examples}, "
          f"exercises={','.join(exercises)}: {wall:.1f} s wall, "
          f"{60 * summary.graded_now / wall:.1f} submissions/min, "
          f"load average now {os.getloadavg()[0]:.1f}; statuses {summary.statuses}; "
          f"CPU (this process and waited-for children) {cpu:.0f} s, machine-wide busy "
          f"{busy:.0f} s ({busy / max(1, summary.graded_now):.2f} s per submission); "
          f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
