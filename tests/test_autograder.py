"""The Gradescope autograder zip, run against a simulated /autograder tree in tmp.

run_autograder is executed for real (bash, the zip's own copy of the grader through
PYTHONPATH, the real sandbox) with AUTOGRADER_ROOT pointing at the tmp tree and
LSTM_GRADER_PYTHON at this interpreter, so setup.sh's installs are not needed.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.autograder import build_zip
from grader.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
CORRECT = ROOT / "examples" / "my_lstm.py"
RUBRIC = """\
exercises = ["lstm_cell"]

[grading]
max_examples = 2

[checks."equivalence.forward"]
points = 10
"""


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("autograder")
    rubric = tmp / "rubric.toml"
    rubric.write_text(RUBRIC)
    out = tmp / "autograder.zip"
    build_zip(rubric, out)
    return out


def simulate(zip_path: Path, tmp: Path) -> Path:
    """An /autograder tree: source/ (the unpacked zip), submission/, results/."""
    root = tmp / "autograder"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
        for info in zf.infolist():  # zipfile does not restore modes
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(root / "source" / info.filename, mode)
    (root / "submission").mkdir()
    (root / "results").mkdir()
    return root


def run_autograder(root: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AUTOGRADER_ROOT": str(root),
           "LSTM_GRADER_PYTHON": sys.executable,
           "HYPOTHESIS_STORAGE_DIRECTORY": str(root / "hypothesis")}
    return subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          cwd=root, capture_output=True, text=True, timeout=600)


def test_the_zip_holds_the_scripts_the_rubric_and_the_grader(autograder: Path) -> None:
    with zipfile.ZipFile(autograder) as zf:
        names = set(zf.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
        setup = zf.read("setup.sh").decode()
        run = zf.read("run_autograder").decode()
        rubric = zf.read("rubric.toml").decode()
    assert {"setup.sh", "run_autograder", "rubric.toml", "lstm_grader/pyproject.toml",
            "lstm_grader/grader/engine.py", "lstm_grader/grader/_worker.py",
            "lstm_grader/reference/__init__.py"} <= names
    assert not any("__pycache__" in n for n in names)
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert "--index-url https://download.pytorch.org/whl/cpu" in setup
    assert "bubblewrap" in setup and "torch==" in setup
    assert "AUTOGRADER_ROOT" in run and "results" not in rubric
    assert "--time-limit 600" in run  # Gradescope's default limit, which grading stays under
    assert rubric == RUBRIC


def test_setup_installs_the_exact_versions_the_zip_was_built_with(autograder: Path) -> None:
    from importlib import metadata

    with zipfile.ZipFile(autograder) as zf:
        setup = zf.read("setup.sh").decode()
        lock = zf.read("requirements.lock").decode()
    pins = dict(line.split("==") for line in lock.splitlines() if not line.startswith("#"))
    # Everything that draws or decides a grade, at the version installed here.
    for name in ("hypothesis", "numpy", "nbformat", "sympy", "filelock"):
        assert pins[name] == metadata.version(name), name
    assert "torch" not in pins and not any(n.startswith("nvidia") for n in pins)
    assert f"torch=={metadata.version('torch').split('+')[0]}" in setup
    # Only torch comes from the CPU index; the lock from the default one; nothing unpinned.
    index_lines = [line for line in setup.splitlines() if "download.pytorch.org" in line]
    assert len(index_lines) == 1 and "--extra-index-url" not in setup
    torch_at = setup.index("torch==")
    assert torch_at < setup.index('-r "$here/requirements.lock"') \
        < setup.index('--no-deps "$here/lstm_grader"') < setup.index("pip check")


def test_within_limit_puts_the_grading_budget_below_the_platform_limit() -> None:
    from grader.autograder import within_limit
    from grader.config import GradeConfig

    long = GradeConfig(submission_timeout_s=1000)
    assert within_limit(long, 600).submission_timeout_s == 540
    assert within_limit(long, 120).submission_timeout_s == 90
    assert within_limit(GradeConfig(), 600).submission_timeout_s == 300  # already below
    assert within_limit(GradeConfig(submission_timeout_s=100), 600).submission_timeout_s == 100
    with pytest.raises(ConfigError):
        within_limit(GradeConfig(), 0)


def test_a_broken_rubric_is_refused_when_the_zip_is_built(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('exercises = ["lstm_cel"]\n')
    with pytest.raises(ConfigError):
        build_zip(bad, tmp_path / "a.zip")
    assert not (tmp_path / "a.zip").exists()


@pytest.mark.slow
def test_run_autograder_grades_the_submission_with_the_rubric_points(
        autograder: Path, tmp_path: Path) -> None:
    root = simulate(autograder, tmp_path)
    # Mark the zip's copy of the grader, to see that it is the one that grades.
    init = root / "source" / "lstm_grader" / "grader" / "__init__.py"
    init.write_text(init.read_text().replace("__version__ = ", "__version__ = '9.9-zip' or "))
    (root / "submission" / "notes.py").write_text("# my scratch notes\n")
    shutil.copy(CORRECT, root / "submission" / "lstm_cell.py")
    proc = run_autograder(root)
    assert proc.returncode == 0, proc.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    tests = {t["extra_data"]["check_id"]: t for t in results["tests"]}
    assert tests["equivalence.forward"]["max_score"] == 10  # the rubric's points
    assert "× the time of nn.LSTM" in tests["speed.vs_pytorch"]["output"]  # on by default
    assert all(t["tags"][1] == "lstm_cell" for t in results["tests"])  # its exercises
    assert results["score"] == sum(t["max_score"] for t in results["tests"])
    assert all(t["status"] == "passed" for t in results["tests"])
    assert results["extra_data"]["grader_version"] == "9.9-zip"


@pytest.mark.slow
def test_a_crashing_submission_still_gets_results(autograder: Path, tmp_path: Path) -> None:
    root = simulate(autograder, tmp_path)
    # As an instructor's rubric with speed off would be: the crash, not the timing, is tested.
    (root / "source" / "rubric.toml").write_text(RUBRIC.replace(
        "max_examples = 2\n", 'max_examples = 2\nspeed_mode = "off"\n'))
    shutil.copy(ROOT / "tests" / "hostile" / "exits_in_forward.py",
                root / "submission" / "lstm_cell.py")
    proc = run_autograder(root)
    assert proc.returncode == 0, proc.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["tests"] and results["score"] < sum(
        t["max_score"] for t in results["tests"])
    assert any(t["status"] == "failed" for t in results["tests"])


def test_no_file_or_a_grader_fault_still_gets_results(autograder: Path, tmp_path: Path) -> None:
    root = simulate(autograder, tmp_path)
    proc = run_autograder(root)  # nothing submitted
    assert proc.returncode == 0, proc.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "no .py or .ipynb" in results["output"]
    (root / "source" / "rubric.toml").write_text("exercises = 3\n")  # the grader fails
    (root / "submission" / "lstm_cell.py").write_text("x = 1\n")
    proc = run_autograder(root)
    assert proc.returncode == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "autograder itself failed" in results["output"]


def test_the_entrypoints_grade_within_the_platform_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import grader.engine
    from grader.autograder import grade_upload
    from grader.results import GradeReport
    from grader.rubric import parse_rubric

    seen = []

    def fake_grade(path: Path, exercises: object, config: object) -> GradeReport:
        seen.append(config)
        return GradeReport(str(path), [], 0.0)

    monkeypatch.setattr(grader.engine, "grade", fake_grade)
    (tmp_path / "lstm_cell.py").write_text("class LSTMCell: pass\n")
    report, why = grade_upload(tmp_path, parse_rubric(RUBRIC), 120)
    assert report is not None and report.submission == "lstm_cell.py" and why == ""
    assert seen[0].submission_timeout_s == 90 and seen[0].max_examples == 2
    (tmp_path / "empty").mkdir()
    report, why = grade_upload(tmp_path / "empty", parse_rubric(RUBRIC), 120)
    assert report is None and "no .py or .ipynb" in why and len(seen) == 1
