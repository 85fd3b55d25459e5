"""The terminal report for students: what passed, what failed, the smallest example, a hint."""

from __future__ import annotations

from typing import TextIO

from grader.reports.feedback import example_lines
from grader.results import GradeReport


def render(report: GradeReport, stream: TextIO) -> None:
    w = stream.write
    w(f"lstm-grader: {report.submission}\n")
    if report.output:
        w(f"\n{report.output}\n")
    for ex in report.exercises:
        w(f"\n== {ex.name} ({ex.class_name}): {ex.score:g} / {ex.max_score:g}\n")
        for c in ex.checks:
            mark = "PASS" if c.passed else "FAIL"
            w(f"  [{mark}] {c.category}: {c.title} ({c.score:g}/{c.max_score:g})\n")
        if ex.note:
            w(f"  {ex.note}\n")
        for c in ex.checks:
            if c.passed:
                continue
            w(f"\n  --- {c.full_id}\n")
            for line in c.message.splitlines():
                w(f"  {line}\n")
            if c.example is not None:
                for line in example_lines(c.example):
                    w(f"    {line}\n")
            if c.expected or c.got:
                w(f"    expected: {c.expected}\n    got:      {c.got}\n")
            if c.traceback:
                w("    your code's traceback:\n")
                for line in c.traceback.rstrip().splitlines():
                    w(f"      {line}\n")
            if c.hint:
                w(f"    hint: {c.hint}\n")
    w(f"\nTotal: {report.score:g} / {report.max_score:g}")
    failed = [c for c in report.checks if not c.passed]
    if failed:
        first = failed[0]
        w(f" — {len(failed)} check(s) failed. Start with {first.full_id}: {first.hint}\n")
    else:
        w(" — every check passed.\n")
