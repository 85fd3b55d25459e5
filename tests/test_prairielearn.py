"""The PrairieLearn course files, and their entrypoint run against a simulated /grade tree.

run_grader is executed for real (bash, the course's own copy of the grader through
PYTHONPATH, the real sandbox) with GRADE_ROOT pointing at a tmp tree laid out as
PrairieLearn's grader host lays out a job (serverFilesCourse/, student/, data/; results/ is
not made for us) and LSTM_GRADER_PYTHON at this interpreter, so no image is needed.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from grader import cli
from grader.errors import ConfigError
from grader.prairielearn import ENTRYPOINT, FOLDER, build_course
from tests.test_schemas import validate_info_options, validate_prairielearn

ROOT = Path(__file__).resolve().parent.parent
CORRECT = ROOT / "examples" / "my_lstm.py"
RUBRIC = """\
exercises = ["lstm_cell"]

[grading]
max_examples = 2
lang = "es"

[checks."equivalence.forward"]
points = 10
"""


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("course")
    rubric = tmp / "rubric.toml"
    rubric.write_text(RUBRIC)
    build_course(rubric, tmp / "out", image="someone/lstm-grader:1", timeout=120)
    return tmp / "out"


def simulate(course: Path, tmp: Path) -> Path:
    """A /grade tree: what PrairieLearn copies for a question whose serverFilesCourse lists
    the grader's folder."""
    root = tmp / "grade"
    shutil.copytree(course / "serverFilesCourse" / FOLDER, root / "serverFilesCourse" / FOLDER)
    for name in ("student", "tests", "data"):
        (root / name).mkdir()
    (root / "data" / "data.json").write_text("{}")
    return root


def run_grader(root: Path, python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    entrypoint = root / Path(ENTRYPOINT).relative_to("/grade")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GRADE_ROOT": str(root),
           "LSTM_GRADER_PYTHON": python,
           "HYPOTHESIS_STORAGE_DIRECTORY": str(root.parent / "hypothesis")}
    return subprocess.run(["bash", str(entrypoint)], env=env, cwd=root, capture_output=True,
                          text=True, timeout=600)


def results_of(root: Path) -> dict:
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate_prairielearn(data)
    return data


def test_the_course_files_hold_the_entrypoint_the_question_and_the_image(course: Path) -> None:
    server = course / "serverFilesCourse" / FOLDER
    assert (server / "run_grader").stat().st_mode & stat.S_IXUSR
    assert (server / "rubric.toml").read_text() == RUBRIC
    assert (server / "src" / "grader" / "engine.py").is_file()
    assert not list(server.rglob("__pycache__"))
    info = json.loads((course / "questions" / FOLDER / "info.json").read_text())
    options = info["externalGradingOptions"]
    validate_info_options(options)
    assert info["gradingMethod"] == "External" and info["type"] == "v3"
    assert options == json.loads((course / "externalGradingOptions.json").read_text())
    assert options["image"] == "someone/lstm-grader:1" and options["timeout"] == 120
    assert options["enableNetworking"] is False
    # The entrypoint lies where PrairieLearn puts the folder that serverFilesCourse names.
    assert ENTRYPOINT == f"/grade/serverFilesCourse/{options['serverFilesCourse'][0]}run_grader"
    html = (course / "questions" / FOLDER / "question.html").read_text()
    assert '<pl-file-upload file-names="lstm_cell.py">' in html
    assert "<pl-external-grader-results>" in html
    docker = (course / "image" / "Dockerfile").read_text()
    assert f"FROM python:{sys.version_info[0]}.{sys.version_info[1]}-slim" in docker
    install = (course / "image" / "install.sh").read_text()
    assert "--index-url https://download.pytorch.org/whl/cpu" in install
    assert '-r "$here/requirements.lock"' in install
    assert (course / "image" / "requirements.lock").read_text().count("==") > 5


def test_a_broken_rubric_or_timeout_is_refused_when_the_course_is_built(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('exercises = ["lstm_cel"]\n')
    with pytest.raises(ConfigError):
        build_course(bad, tmp_path / "a")
    with pytest.raises(ConfigError, match="600"):
        build_course(None, tmp_path / "b", timeout=900)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.slow
def test_the_entrypoint_grades_the_upload_with_the_rubric(course: Path, tmp_path: Path) -> None:
    root = simulate(course, tmp_path)
    # Mark the course's copy of the grader, to see that it is the one that grades.
    init = root / "serverFilesCourse" / FOLDER / "src" / "grader" / "__init__.py"
    init.write_text(init.read_text().replace("__version__ = ", "__version__ = '9.9-pl' or "))
    shutil.copy(CORRECT, root / "student" / "lstm_cell.py")
    proc = run_grader(root)
    assert proc.returncode == 0, proc.stderr
    data = results_of(root)
    assert data["gradable"] is True and data["score"] == 1.0
    tests = {t["description"].split(" ")[0]: t for t in data["tests"]}
    assert tests["lstm_cell/equivalence.forward"]["max_points"] == 10  # the rubric's points
    assert "lstm_cell/speed.vs_pytorch" in tests  # the default speed check, shown
    assert all(t["points"] == t["max_points"] for t in data["tests"])
    assert data["message"].startswith("Puntuación:")  # the rubric's language
    assert data["extra_data"]["grader_version"] == "9.9-pl"
    assert data["extra_data"]["status"] == "graded"


def test_no_file_a_grader_fault_or_no_python_is_still_an_answer(
        course: Path, tmp_path: Path) -> None:
    root = simulate(course, tmp_path)
    proc = run_grader(root)  # nothing uploaded
    assert proc.returncode == 0, proc.stderr
    data = results_of(root)
    assert data["gradable"] is False and "no .py or .ipynb" in data["format_errors"][0]
    assert data["format_errors"][0].startswith("No se calificó nada")
    (root / "serverFilesCourse" / FOLDER / "rubric.toml").write_text("exercises = 3\n")
    (root / "student" / "lstm_cell.py").write_text("x = 1\n")
    proc = run_grader(root)  # the grader fails
    assert proc.returncode == 0
    data = results_of(root)
    assert data["gradable"] is False and "grader itself failed" in data["format_errors"][0]
    (root / "results" / "results.json").unlink()
    proc = run_grader(root, python="/bin/false")  # the image has no working Python
    assert proc.returncode == 0
    data = results_of(root)
    assert data["gradable"] is False and "could not start" in data["format_errors"][0]


def test_grade_with_the_prairielearn_format_answers_a_missing_file(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    code = cli._main(["grade", str(tmp_path / "nope.py"), "--format", "prairielearn",
                      "--out", str(out), "--lang", "es"], None)
    assert code == cli.ExitCode.OK
    data = json.loads(out.read_text(encoding="utf-8"))
    validate_prairielearn(data)
    assert data["gradable"] is False and data["tests"] == []
    assert "no hay ningún archivo de entrega" in data["format_errors"][0]
    # Other formats keep the usage error: Gradescope's run_autograder answers on its own.
    assert cli._main(["grade", str(tmp_path / "nope.py"), "--out", str(out)], None) == 2
