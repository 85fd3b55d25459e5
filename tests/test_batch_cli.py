"""The batch, gradescope and grade --format commands through grader.cli.main."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from grader.cli import main


def test_gradescope_command_writes_the_zip(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dist" / "autograder.zip"
    assert main(["gradescope", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
    assert {"setup.sh", "run_autograder", "lstm_grader/grader/cli.py"} <= names
    assert "rubric.toml" not in names  # no rubric: the built-in one
    assert "autograder.zip" in capsys.readouterr().out


def test_a_missing_rubric_or_folder_is_a_usage_error(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gradescope", "--rubric", str(tmp_path / "nope.toml"),
                 "--out", str(tmp_path / "a.zip")]) == 2
    assert "no rubric file" in capsys.readouterr().err
    assert main(["batch", str(tmp_path / "nothing"), "--out", str(tmp_path / "g.csv")]) == 2
    assert "no folder" in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()


@pytest.mark.slow
def test_batch_and_grade_format_on_broken_files(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    subs = tmp_path / "subs"
    (subs / "empty").mkdir(parents=True)
    (subs / "erin.py").write_text("class LSTMCell(:\n")
    # Speed off: nothing here loads, and the speed check would still start nn.LSTM's worker.
    rubric = tmp_path / "speed_off.toml"
    rubric.write_text('[grading]\nspeed_mode = "off"\n')
    out = tmp_path / "grades.csv"
    assert main(["batch", str(subs), "--out", str(out), "--jobs", "1", "--format", "junit",
                 "--examples", "2", "--rubric", str(rubric)]) == 0
    err = capsys.readouterr().err
    assert "batch: 2/2" in err and "2 submissions" in err
    with open(out, newline="") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    assert rows["erin"]["status"] == "load_error" and rows["empty"]["status"] == "no_submission"
    ET.parse(tmp_path / "grades-results" / "erin.xml")

    result = tmp_path / "erin.json"
    assert main(["grade", str(subs / "erin.py"), "--format", "prairielearn", "--out",
                 str(result), "--exercise", "lstm_cell", "--rubric", str(rubric)]) == 0
    data = json.loads(result.read_text())
    assert data["gradable"] is False and data["score"] == 0
