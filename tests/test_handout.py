"""``lstm-grader handout``: the chosen exercises' classes (and what they build on), a valid
notebook, the students' check command, no silent overwrite; its stubs fail the checks."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import nbformat
import pytest
from torch import nn

from grader.cli import main
from grader.config import GradeConfig
from grader.engine import grade, in_process_runner
from grader.exercises import EXERCISES
from grader.handout import build_handout


def classes_of(source: str) -> list[str]:
    return [n.name for n in ast.parse(source).body if isinstance(n, ast.ClassDef)]


@pytest.mark.parametrize("exercise", list(EXERCISES))
def test_a_handout_holds_only_the_chosen_exercise_and_what_it_builds_on(exercise: str) -> None:
    handout = build_handout([exercise])
    expected = ["LSTMCell", "LSTM"] if exercise == "lstm" else [EXERCISES[exercise].class_name]
    assert classes_of(handout.source) == expected
    namespace: dict[str, Any] = {"__name__": "handout"}
    exec(compile(handout.source, "lstm_cell.py", "exec"), namespace)  # our own template
    module = namespace[EXERCISES[exercise].class_name](3, 4)
    assert isinstance(module, nn.Module) and sum(p.numel() for p in module.parameters()) > 0
    assert f"lstm-grader check lstm_cell.py --exercise {exercise}" in handout.source
    others = [e.class_name for e in EXERCISES.values() if e.class_name not in expected]
    docstring = ast.get_docstring(ast.parse(handout.source)) or ""
    assert not [c for c in others if f"`{c}`" in docstring]


def test_the_notebook_is_valid_and_has_the_same_classes() -> None:
    handout = build_handout(["lstm_cell", "gru"])
    nb = nbformat.reads(handout.notebook, as_version=4)
    nbformat.validate(nb)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert classes_of(code) == ["LSTMCell", "GRUCell"]
    assert classes_of(handout.source) == ["LSTMCell", "GRUCell"]


def test_the_handout_stubs_fail_the_graders_checks(tmp_path: Path) -> None:
    assert main(["handout", "--exercise", "lstm_cell", "lstm", "--out", str(tmp_path)]) == 0
    report = grade(tmp_path / "lstm_cell.py", ["lstm_cell", "lstm"], GradeConfig(
        max_examples=2, speed_mode="off"), runner_factory=in_process_runner)
    for ex in report.exercises:
        assert ex.score < ex.max_score
        failed = {c.category for c in ex.checks if not c.passed}
        assert {"shapes", "gradients"} <= failed
        assert failed & {"equivalence", "sequence"}


def test_the_command_writes_the_files_and_refuses_to_overwrite_without_force(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "handout"
    assert main(["handout", "--exercise", "peephole", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["CHECK.txt", "lstm_cell.ipynb",
                                                      "lstm_cell.py"]
    check = (out / "CHECK.txt").read_text(encoding="utf-8")
    assert "lstm-grader check lstm_cell.py --exercise peephole" in check
    assert "lstm-grader check lstm_cell.ipynb --exercise peephole" in check
    (out / "lstm_cell.py").write_text("# my work\n", encoding="utf-8")
    assert main(["handout", "--exercise", "gru", "--out", str(out)]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert (out / "lstm_cell.py").read_text(encoding="utf-8") == "# my work\n"
    assert main(["handout", "--exercise", "gru", "--out", str(out), "--force"]) == 0
    assert classes_of((out / "lstm_cell.py").read_text(encoding="utf-8")) == ["GRUCell"]
