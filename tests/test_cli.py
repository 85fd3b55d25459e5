"""The real command line on real files through the real worker (end to end)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORRECT = ROOT / "examples" / "my_lstm.py"
LESSON = ROOT / "examples" / "lesson_lstm.py"

pytestmark = pytest.mark.slow


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def _gradescope_shape_ok(results: dict) -> None:
    assert set(results) >= {"score", "execution_time", "output", "tests", "extra_data"}
    assert isinstance(results["execution_time"], int)
    for test in results["tests"]:
        assert set(test) >= {"name", "number", "score", "max_score", "status", "output",
                             "output_format", "visibility", "tags"}
        assert test["status"] in ("passed", "failed")
        assert test["output_format"] == "md"
        assert test["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
        assert 0 <= test["score"] <= test["max_score"]
        assert len(test["tags"]) == 2
    assert results["score"] == sum(t["score"] for t in results["tests"])
    extra = results["extra_data"]
    assert {"grader_version", "torch_version", "device", "hypothesis"} <= set(extra)


def _speed_off(tmp_path: Path) -> Path:
    """A rubric that only turns the speed check off, for tests about something else: timing
    nn.LSTM costs seconds per grade. The tests that keep the default check what it shows."""
    rubric = tmp_path / "rubric" / "speed_off.toml"
    rubric.parent.mkdir()
    rubric.write_text('[grading]\nspeed_mode = "off"\n')
    return rubric


def _without_measurements(results: dict) -> dict:
    """results.json minus what is measured (time taken, speed ratios): the rest is fixed."""
    results = dict(results, tests=[dict(t) for t in results["tests"]])
    results.pop("execution_time")
    results.pop("leaderboard", None)
    for test in results["tests"]:
        if test["tags"][0] == "speed":
            test.pop("output")
            test.pop("extra_data")
    return results


def test_grade_writes_gradescope_results_and_a_regrade_gives_the_same_file(
        tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for out in (first, second):
        proc = cli("grade", str(LESSON), "--out", str(out), cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    _gradescope_shape_ok(a)
    assert _without_measurements(a) == _without_measurements(b)
    failed = {t["extra_data"]["check_id"] for t in a["tests"] if t["status"] == "failed"}
    assert "shapes.zero_state" in failed  # the lesson's cell has no default state
    # The default rubric's speed check, one per exercise, with its measured ratio.
    speed = [t for t in a["tests"] if t["tags"][0] == "speed"]
    assert len(speed) == 2 and all("× the time of nn.LSTM" in t["output"] for t in speed)
    assert a["score"] < sum(t["max_score"] for t in a["tests"])
    # Nothing but the results lands in the working folder (no .hypothesis/).
    assert sorted(os.listdir(tmp_path)) == ["a.json", "b.json"]


def test_check_exits_zero_on_a_correct_file_and_one_on_a_buggy_file(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    good = cli("check", str(CORRECT), cwd=work)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "every check passed" in good.stdout
    assert good.stdout.count("] speed: ") == 2  # the default speed check, per exercise
    bad = cli("check", str(LESSON), "--exercise", "lstm_cell", "--rubric",
              str(_speed_off(tmp_path)), cwd=work)
    assert bad.returncode == 1
    assert "Smallest failing example" in bad.stdout
    assert "[FAIL] shapes" in bad.stdout
    assert os.listdir(work) == []


def test_a_missing_file_is_a_usage_error_with_exit_status_two(tmp_path: Path) -> None:
    proc = cli("grade", str(tmp_path / "nope.py"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "no submission file" in proc.stderr


def test_an_unknown_exercise_is_a_usage_error(tmp_path: Path) -> None:
    proc = cli("check", str(CORRECT), "--exercise", "transformer", cwd=tmp_path)
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr
