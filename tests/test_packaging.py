"""Install and run like a Python tool: the wheel that ``python -m build`` makes holds what an
installed grader needs, and, installed with plain ``pip install`` (no dev extras) into a
fresh virtual environment, gives working ``lstm-grader`` and ``python -m grader`` commands.

To stay fast and offline, the fresh environment gets this environment's copies of the
runtime dependencies that ``pyproject.toml`` declares (and what they require, torch
included) through a ``.pth`` file instead of downloads, and pip installs the wheel without
an index: nothing from the dev extra is there, so code that imports an undeclared
dependency fails the test.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "lesson_lstm.py"


def _requirements(dist: md.Distribution) -> set[str]:
    """The names of what ``dist`` requires here (no extras; markers evaluated)."""
    from packaging.requirements import Requirement

    names = set()
    for line in dist.requires or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            names.add(req.name)
    return names


def _runtime_closure() -> list[md.Distribution]:
    """The installed distributions lstm-grader's runtime dependencies need, transitively
    (not lstm-grader itself, and nothing that only its dev extra brings)."""
    seen: dict[str, md.Distribution] = {}
    todo = sorted(_requirements(md.distribution("lstm-grader")))
    while todo:
        name = todo.pop()
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue  # a platform-specific requirement that is not installed here
        key = dist.metadata["Name"].lower()
        if key not in seen:
            seen[key] = dist
            todo.extend(_requirements(dist))
    return list(seen.values())


def _link_dependencies(site: Path) -> None:
    """Make this environment's copies of the runtime dependencies importable from ``site``."""
    for dist in _runtime_closure():
        base = Path(str(dist.locate_file("")))
        for top in {Path(str(f)).parts[0] for f in dist.files or []} - {".."}:
            if (base / top).exists() and not (site / top).exists():
                (site / top).symlink_to(base / top)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # Built from a copy: a build writes build/ and *.egg-info/ next to the sources.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("grader", "reference", "student_template", "examples"):
        shutil.copytree(ROOT / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    # No build isolation: this environment's setuptools builds it, without a download.
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                    "--outdir", str(out), str(source)], check=True, capture_output=True,
                   cwd=out)
    (found,) = out.glob("lstm_grader-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtual environment with the wheel installed; its bin folder."""
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)  # this pip installs into it (--python)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True).stdout.strip())
    linked = env_dir / "dependencies"
    linked.mkdir()
    _link_dependencies(linked)
    (site / "dependencies.pth").write_text(str(linked) + "\n", encoding="utf-8")
    # --no-index: every requirement must already be there, i.e. among the linked ones.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-index", str(wheel)], check=True, capture_output=True, cwd=env_dir)
    yield python.parent
    shutil.rmtree(env_dir, ignore_errors=True)


def _run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=600)


@pytest.mark.slow
def test_the_wheel_holds_the_packages_the_worker_and_the_handout_notebook(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("grader/_worker.py", "grader/protocol.py", "grader/__main__.py",
                   "grader/interactive.py", "grader/reports/html.py", "grader/i18n/messages.py",
                   "reference/__init__.py", "reference/mistakes.py",
                   "student_template/lstm_cell.py", "student_template/lstm_cell.ipynb",
                   "student_template/make_notebook.py"):
        assert needed in names, needed
    assert any(n.endswith(".data/data/share/lstm-grader/lesson_lstm.py") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/"))]


@pytest.mark.slow
def test_the_installed_command_checks_a_file_outside_the_checkout(
        installed: Path, tmp_path: Path) -> None:
    where = _run(installed, str(installed / "python"), "-c",
                 "import grader; print(grader.__file__)", cwd=tmp_path)
    assert str(installed.parent) in where.stdout, where  # the wheel's copy, not the checkout
    shutil.copy(EXAMPLE, tmp_path / "lesson_lstm.py")
    # One exercise, few examples: what is tested here is the install, not the checks.
    done = _run(installed, "lstm-grader", "check", "lesson_lstm.py", "--exercise", "lstm_cell",
                "--examples", "3", cwd=tmp_path)
    # The lesson's code computes the right function but misses parts of the contract.
    assert done.returncode == 1, done.stderr
    assert re.search(r"== lstm_cell \(LSTMCell\): \d+ / \d+", done.stdout), done.stdout
    assert "[FAIL] shapes" in done.stdout and "Next step:" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lesson_lstm.py"]
    module = _run(installed, str(installed / "python"), "-m", "grader", "--version",
                  cwd=tmp_path)
    assert module.returncode == 0 and module.stdout.startswith("lstm-grader "), module
    handout = _run(installed, "lstm-grader", "handout", "--exercise", "lstm_cell", "--out",
                   str(tmp_path / "handout"), cwd=tmp_path)
    assert handout.returncode == 0, handout.stderr
    assert (tmp_path / "handout" / "lstm_cell.ipynb").is_file()
    # `lstm-grader demo` finds the example the install put in its data folder.
    example = _run(installed, str(installed / "python"), "-c",
                   "from grader.cli import _bundled_example; print(_bundled_example())",
                   cwd=tmp_path)
    found = Path(example.stdout.strip())
    assert found.is_file() and found.is_relative_to(installed.parent), example
