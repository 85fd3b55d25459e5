"""Markdown tables from a ``scripts/bench`` results file (for docs/benchmarks.md).

    python -m benchmarks.summarize benchmarks/results/NAME.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _by_test(data: dict[str, Any], test: str) -> list[dict[str, Any]]:
    return [b for b in data["benchmarks"] if b["name"].split("[")[0] == test]


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 0.1 else f"{seconds * 1e3:.1f} ms"


def latency(data: dict[str, Any]) -> list[str]:
    lines = ["| measurement | median | min | max | rounds | notes |", "|---|---|---|---|---|---|"]
    for test in ("test_import_torch", "test_worker_startup", "test_grade_cold"):
        for b in _by_test(data, test):
            st, info = b["stats"], b["extra_info"]
            note = ""
            if "ratio_to_import_torch" in info:
                note = (f"{info['ratio_to_import_torch']:.2f}× import torch (interleaved "
                        f"median {info['import_torch_s']['median']:.2f} s); target ≤ "
                        f"{info['target_ratio']:g}×: "
                        f"{'met' if info['meets_target'] else 'NOT met'}")
            lines.append(f"| {test.removeprefix('test_')} | {_s(st['median'])} | "
                         f"{_s(st['min'])} | {_s(st['max'])} | {st['rounds']} | {note} |")
    for b in _by_test(data, "test_batch_throughput"):
        info = b["extra_info"]
        mode = {True: ", fork server", False: ", --no-fork-server"}.get(info.get("fork_server"), "")
        busy = info.get("machine_busy_cpu_s_per_submission")
        lines.append(f"| batch ({info['submissions']} submissions, --jobs {info['jobs']}{mode}) | "
                     f"{_s(b['stats']['median'])} | | | {b['stats']['rounds']} | "
                     f"{info.get('per_min', 0):.1f} submissions/min; target ≥ "
                     f"{info['target_per_min']:g}: "
                     f"{'met' if info.get('meets_target') else 'NOT met'}"
                     f"{f'; {busy:.2f} CPU s per submission (machine-wide)' if busy else ''} |")
    return lines


def hypothesis_rates(data: dict[str, Any]) -> list[str]:
    lines = ["| check | examples | worker requests | median time | examples/s |",
             "|---|---|---|---|---|"]
    for b in _by_test(data, "test_examples_per_second"):
        info = b["extra_info"]
        rate = f"{info['examples_per_s']:.0f}" if "examples_per_s" in info else "—"
        lines.append(f"| {b['param']} | {info['examples']} | {info['worker_requests']} | "
                     f"{_s(b['stats']['median'])} | {rate} |")
    return lines


def _halves(phase: dict[str, Any]) -> str:
    # "halves" (the ratio over each half of the rounds) since the fastest-block ratio;
    # results written before it have the median's "interval".
    low, high = phase.get("halves") or phase["interval"]
    return f"{phase['ratio']:.2f}× ({low:.2f}–{high:.2f})"


def ratios(data: dict[str, Any]) -> list[str]:
    lines = ["| submission | exercise | forward (halves) | forward+backward (halves) | band | "
             "rounds |", "|---|---|---|---|---|---|"]
    for b in _by_test(data, "test_ratio_to_nn_lstm"):
        i = b["extra_info"]
        f, fb = i["forward"], i["forward_backward"]
        lines.append(f"| {i['submission']} | {i['exercise']} | {_halves(f)} | {_halves(fb)} | "
                     f"{i['band']} ({i['band_fraction']:.0%}, confidence {i['confidence']}) | "
                     f"{fb['rounds']} |")
    return lines


def stability(data: dict[str, Any]) -> list[str]:
    lines = ["| submission | exercise | fwd+bwd ratio: median | min–max | spread | points "
             "(5 regrades) | confidence |", "|---|---|---|---|---|---|---|"]
    for b in _by_test(data, "test_regrades_give_the_same_speed_points"):
        info = b["extra_info"]
        for exercise in ("lstm_cell", "lstm"):
            r = info.get(exercise)
            if r is None:
                continue
            conf = ", ".join(sorted(set(r["confidence"])))
            lines.append(f"| {info['submission']} | {exercise} | {r['ratio']['median']:.2f}× | "
                         f"{r['ratio']['min']:.2f}–{r['ratio']['max']:.2f}× | "
                         f"{r['ratio']['spread']:.0%} | "
                         f"{', '.join(f'{p:g}' for p in r['points'])} | {conf} |")
    return lines


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    data = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    m = data["machine_info"]
    print(f"Machine: {m.get('cpu', {}).get('brand_raw', m.get('processor'))}, "
          f"{m.get('cpu', {}).get('count', '?')} CPUs; Python {m['python_version']}; "
          f"{data['datetime']}\n")
    for title, table in (("Latency and throughput", latency), ("Hypothesis", hypothesis_rates),
                         ("Speed ratios", ratios), ("Regrade stability", stability)):
        rows = table(data)
        if len(rows) > 2:
            print(f"### {title}\n")
            print("\n".join(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
