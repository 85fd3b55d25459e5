"""The command line on platforms without Linux's extras, simulated here (tests/platform_sim.py):
Windows (no resource, fcntl, termios, /proc, os.geteuid, killpg, setsid...) and macOS (no
RLIMIT_MSGQUEUE, RLIMIT_AS refused). Each gives a grade, or one clear sentence with the usage
exit code, never an internal error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIM = ROOT / "tests" / "platform_sim.py"
EXAMPLE = ROOT / "examples" / "lesson_lstm.py"


def _sim(platform: str, *args: str, cwd: Path, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SIM), platform, *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


# Modules that only the Linux hardening imports, and only on Linux (their docstrings say so).
LINUX_ONLY = ("grader.containment",)


def test_no_grader_module_imports_a_posix_only_module_on_windows() -> None:
    code = ("import sys, pkgutil, importlib; sys.path.insert(0, 'tests'); "
            "import platform_sim; platform_sim.simulate('windows'); import grader; "
            "names = [m.name for m in pkgutil.walk_packages(grader.__path__, 'grader.')]; "
            f"names = [n for n in names if n not in {LINUX_ONLY!r}]; "
            "[importlib.import_module(n) for n in names]; "
            f"print(sorted(set({LINUX_ONLY!r}) & set(sys.modules)), len(names))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    loaded, count = proc.stdout.rsplit(maxsplit=1)
    assert loaded.splitlines()[-1] == "[]", "a portable module imports a Linux-only one"
    assert int(count) > 20


@pytest.mark.slow
def test_check_gives_a_grade_on_a_simulated_windows(tmp_path: Path) -> None:
    proc = _sim("windows", "check", str(EXAMPLE), "--exercise", "lstm_cell", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr[-3000:]  # the example has a known mistake
    assert "Total: " in proc.stdout and "internal error" not in proc.stderr
    assert sorted(os.listdir(tmp_path)) == []


@pytest.mark.slow
def test_grade_on_a_simulated_macos_says_which_limits_were_not_applied(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = _sim("macos", "grade", str(EXAMPLE), "--exercise", "lstm_cell", "--out", str(out),
                cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["score"] > 0
    isolation = results["extra_data"]["isolation"]
    assert "RLIMIT_AS (refused by the system)" in isolation
    assert "RLIMIT_MSGQUEUE (not on this system)" in isolation
    assert "bubblewrap" not in isolation and "parent-death" not in isolation


def test_handout_works_on_a_simulated_windows(tmp_path: Path) -> None:
    proc = _sim("windows", "handout", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "out" / "lstm_cell.py").is_file()


def test_asking_for_bubblewrap_on_a_simulated_windows_is_one_sentence_and_a_usage_error(
        tmp_path: Path) -> None:
    proc = _sim("windows", "check", str(EXAMPLE), "--exercise", "lstm_cell", cwd=tmp_path,
                env={"LSTM_GRADER_SANDBOX": "bwrap"})
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "bubblewrap is not installed or not permitted here" in proc.stderr
    assert "Traceback" not in proc.stderr
