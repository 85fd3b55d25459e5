"""Notebook submissions: only definitions run by default, magics and shell lines never run
on the host, skipped cells are listed, and errors point to the cell."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from grader.config import GradeConfig
from grader.engine import grade
from grader.notebook import notebook_source

ROOT = Path(__file__).resolve().parent.parent
CELL_SOURCE = (ROOT / "examples" / "my_lstm.py").read_text()
# For the notebooks that fail to load or run: timing nn.LSTM would cost seconds and show
# nothing; the correct notebook keeps the default speed check.
SPEED_OFF = GradeConfig(speed_mode="off")


def make_notebook(path: Path, cells: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# My LSTM")] + [
        nbformat.v4.new_code_cell(c) for c in cells]
    path.write_text(nbformat.writes(nb))
    return path


def test_definitions_are_kept_and_demo_code_magics_and_shell_lines_are_not() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("!pip install torch\n%matplotlib inline\nimport torch"),
                nbformat.v4.new_code_cell("HIDDEN = 8\nmodel = torch.nn.Linear(2, 2)\n"
                                          "for _ in range(10**9):\n    pass"),
                nbformat.v4.new_code_cell("%%bash\nrm -rf /"),
                nbformat.v4.new_code_cell("class A:\n    pass")]
    result = notebook_source(nbformat.writes(nb))
    assert "import torch" in result.source and "HIDDEN = 8" in result.source
    assert "class A" in result.source
    assert "range(10**9)" not in result.source and "rm -rf" not in result.source
    assert "pip install" not in result.source
    assert any(s.startswith("cell 2 (model = ") for s in result.skipped)
    assert any("cell magic %%bash" in s for s in result.skipped)
    everything = notebook_source(nbformat.writes(nb), all_cells=True)
    assert "range(10**9)" in everything.source
    assert "# (not run by the grader) !pip install torch" in everything.source
    assert "rm -rf" not in everything.source


@pytest.mark.slow
def test_a_notebook_with_a_training_loop_is_graded_on_its_definitions(tmp_path: Path) -> None:
    nb = make_notebook(tmp_path / "lstm.ipynb", [
        "!pip install torch", CELL_SOURCE,
        "cell = LSTMCell(3, 4)\nwhile True:  # training forever\n    pass"])
    report = grade(nb, ["lstm_cell"], GradeConfig(max_examples=4))
    assert report.score == report.max_score
    # Cells are numbered as in the notebook, the leading Markdown cell included.
    assert "cell 4 (cell = LSTMCell(3, 4))" in report.output
    speed = {c.check_id: c for c in report.checks}["speed.vs_pytorch"]  # the default rubric's
    assert "× the time of nn.LSTM" in speed.message


@pytest.mark.slow
def test_a_syntax_error_in_a_notebook_points_to_its_cell(tmp_path: Path) -> None:
    nb = make_notebook(tmp_path / "lstm.ipynb", ["import torch", "x = 1", "def f(:\n  pass"])
    report = grade(nb, ["lstm_cell"], SPEED_OFF.with_(max_examples=4))
    assert report.score == 0
    assert "syntax error in cell 4, line 1" in report.checks[0].message


@pytest.mark.slow
def test_a_runtime_error_in_a_notebook_points_to_its_cell(tmp_path: Path) -> None:
    broken = CELL_SOURCE.replace("gates.chunk(4, dim=1)", "gates.chunk(4, dim=7)")
    nb = make_notebook(tmp_path / "lstm.ipynb", ["import torch", broken])
    report = grade(nb, ["lstm_cell"], SPEED_OFF.with_(max_examples=4))
    forward = {c.check_id: c for c in report.checks}["equivalence.forward"]
    assert not forward.passed
    assert 'File "lstm.ipynb", cell 3, line' in forward.traceback


@pytest.mark.parametrize("content", ["{not json", '{"cells": 3}', ""])
def test_a_damaged_notebook_gets_a_full_report_with_no_points(tmp_path: Path,
                                                               content: str) -> None:
    from grader.reports import gradescope
    from grader.reports.status import LOAD_ERROR, gradable, submission_status

    nb = tmp_path / "lstm.ipynb"
    nb.write_text(content)
    report = grade(nb, ["lstm_cell", "lstm"], GradeConfig(max_examples=2, lang="es"))
    assert report.score == 0 and report.max_score > 0
    assert {e.name for e in report.exercises} == {"lstm_cell", "lstm"}
    assert all(not c.passed for c in report.checks)
    assert report.checks[0].i18n["message"]["key"] == "load.notebook_unreadable"
    assert "no se pudo leer tu cuaderno" in gradescope.to_dict(report)["tests"][0]["output"]
    assert submission_status(report) == LOAD_ERROR and not gradable(report)
    from grader.reports.next_step import next_step

    assert next_step(report).startswith("consigue que tu archivo se cargue")  # lang="es"
    assert next_step(report, "en").startswith("make your file load")


@pytest.mark.slow
def test_a_null_byte_in_a_notebook_cell_is_a_syntax_error_without_a_line(tmp_path: Path) -> None:
    # Python reports it with no line number: the report must still be complete.
    nb = make_notebook(tmp_path / "lstm.ipynb", ["import torch", "x = 1\x00"])
    report = grade(nb, ["lstm_cell"], SPEED_OFF.with_(max_examples=2))
    assert report.score == 0 and report.checks
    assert report.checks[0].i18n["message"]["key"] == "load.syntax_error"
    assert "null bytes" in report.checks[0].message
