"""Reports for the HTML tests, graded once per test session (trusted zoo files, in process)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from grader.config import GradeConfig
from grader.engine import grade
from grader.engine import in_process_runner as in_process
from grader.reports import html
from grader.results import GradeReport

ROOT = Path(__file__).resolve().parent.parent
ZOO = ROOT / "tests" / "submissions"
# A wrong gate that the grader names: tanh instead of sigmoid on the forget gate.
WRONG_GATE = ZOO / "lstm_cell" / "bug_tanh_on_forget_gate.py"
WRONG_GATE_ID = "tanh-on-forget-gate"
CONFIG = GradeConfig(max_examples=4, speed_mode="off", visuals=True)


@cache
def graded(path: Path = WRONG_GATE, exercise: str = "lstm_cell") -> GradeReport:
    return grade(path, [exercise], CONFIG, runner_factory=in_process)


@cache
def rendered(lang: str = "en", path: Path = WRONG_GATE, exercise: str = "lstm_cell") -> str:
    """The HTML of ``graded(path, exercise)`` in ``lang`` (drawing the plots takes seconds)."""
    return html.to_html(graded(path, exercise), lang)
