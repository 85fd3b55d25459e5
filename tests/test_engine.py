"""Engine behaviour that no single zoo file shows: optional checks, exercise independence,
layout fallback notes, determinism. Trusted files only (in-process runner)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.config import GradeConfig
from grader.engine import grade
from grader.engine import in_process_runner as in_process
from grader.reports import gradescope

ROOT = Path(__file__).resolve().parent.parent
ZOO = ROOT / "tests" / "submissions"
CORRECT = ROOT / "examples" / "my_lstm.py"
# Speed is measured, not computed: tests/test_speed.py covers it; here it would only add
# time and make regrades differ in the measured ratios.
CONFIG = GradeConfig(max_examples=6, speed_mode="off")


def by_id(report: Any) -> dict[str, Any]:
    return {c.full_id: c for c in report.checks}


def test_the_pytorch_layout_check_is_off_by_default_and_fails_other_layouts_when_on() -> None:
    foreign = ZOO / "lstm_cell" / "correct_layout_onnx.py"
    default = grade(foreign, ["lstm_cell"], CONFIG, runner_factory=in_process)
    assert "lstm_cell/equivalence.pytorch_layout" not in by_id(default)
    assert default.score == default.max_score
    strict = CONFIG.with_(require_pytorch_layout=True)
    report = grade(foreign, ["lstm_cell"], strict, runner_factory=in_process)
    check = by_id(report)["lstm_cell/equivalence.pytorch_layout"]
    assert not check.passed and "PyTorch's layout" in check.message
    ok = grade(CORRECT, ["lstm_cell", "lstm"], strict, runner_factory=in_process)
    assert by_id(ok)["lstm_cell/equivalence.pytorch_layout"].passed
    assert by_id(ok)["lstm/equivalence.pytorch_layout"].passed


def test_one_broken_exercise_does_not_cost_the_others_points(tmp_path: Path) -> None:
    broken_stack = CORRECT.read_text().replace("outputs.append(inp)",
                                               "outputs.append(inp.flip(0))")
    path = tmp_path / "half.py"
    path.write_text(broken_stack)
    report = grade(path, ["lstm_cell", "lstm"], CONFIG, runner_factory=in_process)
    cell, stack = report.exercises
    assert cell.score == cell.max_score
    assert stack.score < stack.max_score


def test_a_foreign_layout_is_named_in_the_results() -> None:
    report = grade(ZOO / "lstm_cell" / "correct_layout_keras.py", ["lstm_cell"], CONFIG,
                   runner_factory=in_process)
    layout = by_id(report)["lstm_cell/equivalence.forward"].extra["layout"]
    assert "one bias" in layout and "stored transposed" in layout
    onnx = grade(ZOO / "lstm_cell" / "correct_layout_onnx.py", ["lstm_cell"], CONFIG,
                 runner_factory=in_process)
    assert "gate order i, o, f, g" in by_id(onnx)["lstm_cell/equivalence.forward"].extra["layout"]


def test_the_same_submission_gives_the_same_results_twice() -> None:
    path = ZOO / "lstm_cell" / "bug_layout_onnx_forget_inverted.py"
    first = gradescope.to_dict(grade(path, ["lstm_cell"], CONFIG, runner_factory=in_process))
    second = gradescope.to_dict(grade(path, ["lstm_cell"], CONFIG, runner_factory=in_process))
    first.pop("execution_time")
    second.pop("execution_time")
    assert first == second
