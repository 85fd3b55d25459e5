"""Rubrics (grader/rubric.py): loading, error messages, per-check settings reaching the
engine, and hidden checks left out of a student's local check but kept in results.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from grader.checks import CHECKS, checks_for
from grader.cli import main
from grader.config import CheckSetting, GradeConfig
from grader.errors import ConfigError
from grader.exercises import DEFAULT_EXERCISES, get_exercise
from grader.rubric import default_rubric, grading_keys, hidden_checks, load_rubric, parse_rubric

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "rubrics").glob("*.toml"))
CORRECT = ROOT / "tests" / "submissions" / "lstm_cell" / "correct_textbook_chunk.py"


def error(text: str, tmp_path: Path) -> str:
    path = tmp_path / "rubric.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rubric(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message  # every error names the file
    return message


def by_id(exercise: str, config: GradeConfig) -> dict[str, Any]:
    return {c.id: c for c in checks_for(get_exercise(exercise), config)}


# -- loading ------------------------------------------------------------------------------

def test_there_are_example_rubrics_for_the_lessons_exercises() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {"lesson", "pytorch_layout", "variants", "speed_graded"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_rubric_loads(path: Path) -> None:
    rubric = load_rubric(path)
    assert rubric.exercises and rubric.path == path
    assert all(checks_for(get_exercise(e), rubric.config) for e in rubric.exercises)


def test_the_lesson_rubric_is_the_built_in_default() -> None:
    lesson = load_rubric(ROOT / "examples" / "rubrics" / "lesson.toml")
    assert lesson.config == default_rubric().config == GradeConfig()
    assert lesson.exercises == default_rubric().exercises == DEFAULT_EXERCISES
    assert load_rubric(None) == default_rubric()


def test_the_lesson_rubric_shows_every_grading_key() -> None:
    text = (ROOT / "examples" / "rubrics" / "lesson.toml").read_text(encoding="utf-8")
    missing = [k for k in grading_keys() if f"\n{k} = " not in text]
    assert not missing, f"lesson.toml does not document {missing}"


def test_every_grading_key_is_documented() -> None:
    docs = (ROOT / "docs" / "rubric.md").read_text(encoding="utf-8")
    missing = [k for k in grading_keys() if f"`{k}`" not in docs]
    assert not missing, f"docs/rubric.md does not document {missing}"


def test_grading_values_become_the_config() -> None:
    rubric = parse_rubric('exercises = ["gru"]\n[grading]\nmax_examples = 20\natol = 1e-8\n'
                          'forbidden_apis = ["nn.GRU"]\nspeed_cpu_bands = [[4, 1], [8, 0.5]]\n')
    assert rubric.exercises == ("gru",)
    assert rubric.config.max_examples == 20 and rubric.config.atol == 1e-8
    assert rubric.config.forbidden_apis == ("nn.GRU",)
    assert rubric.config.speed_cpu_bands == ((4.0, 1.0), (8.0, 0.5))


# -- per-check settings -------------------------------------------------------------------

def test_check_settings_set_points_visibility_and_enabled_per_exercise() -> None:
    rubric = parse_rubric(
        '[checks."gradients.match"]\npoints = 7\nvisibility = "after_due_date"\n'
        '[checks."lstm/sequence.bptt"]\nenabled = false\n'
        '[checks."shapes.dtype"]\npoints = 2\n[checks."lstm_cell/shapes.dtype"]\npoints = 5\n')
    cell, stack = by_id("lstm_cell", rubric.config), by_id("lstm", rubric.config)
    assert (cell["gradients.match"].points, cell["gradients.match"].visibility) == (
        7, "after_due_date")
    assert "sequence.bptt" not in stack and "sequence.outputs" in stack
    # The exercise-specific setting wins over the check-wide one, whatever the order.
    assert cell["shapes.dtype"].points == 5 and stack["shapes.dtype"].points == 2
    assert by_id("lstm_cell", GradeConfig())["gradients.match"].points == 4


def test_a_rubric_can_turn_on_a_check_that_is_off_by_default() -> None:
    rubric = parse_rubric('[checks."equivalence.pytorch_layout"]\nenabled = true\npoints = 3\n')
    assert by_id("lstm_cell", rubric.config)["equivalence.pytorch_layout"].points == 3
    assert "equivalence.pytorch_layout" not in by_id("lstm_cell", GradeConfig())


def test_only_visible_leaves_out_the_hidden_checks_and_counts_them() -> None:
    rubric = load_rubric(ROOT / "examples" / "rubrics" / "pytorch_layout.toml")
    local = rubric.config.with_(only_visible=True)
    shown = by_id("lstm_cell", local)
    assert "gradients.finite_differences" not in shown  # hidden
    assert "semantics.gate_control" not in shown        # after_due_date
    assert all(c.visibility == "visible" for c in shown.values())
    assert len(by_id("lstm_cell", rubric.config)) == len(shown) + 4
    assert hidden_checks(rubric.exercises, rubric.config) == 8
    assert hidden_checks(DEFAULT_EXERCISES, GradeConfig()) == 0


def test_check_settings_are_validated_in_the_config_too() -> None:
    with pytest.raises(ConfigError, match=r"visibility of equivalence\.forward"):
        GradeConfig(check_settings=(CheckSetting("equivalence.forward", visibility="secret"),))


# -- error messages -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("[grading]\nmax_exampels = 3\n",
     "grading.max_exampels: unknown key; did you mean 'max_examples'?"),
    ("[grading]\nexamples = 3\n", "did you mean 'max_examples'?"),
    ("[grading]\nmax_examples = \"3\"\n",
     "grading.max_examples: expected an integer, got a string ('3')"),
    ("[grading]\nrequire_pytorch_layout = 1\n",
     "grading.require_pytorch_layout: expected true or false"),
    ("[grading]\nspeed_cpu_workload = [1, 2, 3]\n",
     "grading.speed_cpu_workload: expected an array of 4 integers"),
    ("[grading]\natol = 0.5\n", "atol must be in (0, 1e-3)"),
    ("[grading]\nonly_visible = true\n", "grading.only_visible: not a rubric setting"),
    ("exercises = [\"lstm_cel\"]\n", "unknown exercise 'lstm_cel'; did you mean 'lstm_cell'?"),
    ("exercises = \"lstm\"\n", "exercises must be a non-empty array"),
    ("grade = 3\n", "grade: unknown key; did you mean 'grading'?"),
    ("[checks.\"semantics.forget_gat\"]\npoints = 1\n",
     "unknown check id 'semantics.forget_gat'; did you mean 'semantics.forget_gate'?"),
    ("[checks.semantics.forget_gate]\npoints = 1\n",
     "quote them: [checks.\"semantics.forget_gate\"]"),
    ("[checks.\"grus/shapes.dtype\"]\npoints = 1\n", "unknown exercise 'grus'"),
    ("[checks.\"gru/semantics.forget_gate\"]\npoints = 1\n",
     "check semantics.forget_gate does not apply to exercise gru"),
    ("[checks.\"shapes.dtype\"]\nvisibility = \"hiden\"\n",
     "'hiden' is not one of Gradescope's visibilities; did you mean 'hidden'?"),
    ("[checks.\"shapes.dtype\"]\npoints = -1\n", "points: expected a number >= 0"),
    ("[checks.\"shapes.dtype\"]\npoint = 1\n",
     "checks.\"shapes.dtype\".point: unknown key; did you mean 'points'?"),
    ("[checks.\"shapes.dtype\"]\nenabled = \"no\"\n", "enabled: expected true or false"),
    ("[grading\nmax_examples = 3\n", "not valid TOML"),
])
def test_an_invalid_rubric_fails_at_load_naming_the_key_and_the_fix(
        text: str, expected: str, tmp_path: Path) -> None:
    assert expected in error(text, tmp_path)


def test_a_toml_syntax_error_gives_its_line(tmp_path: Path) -> None:
    message = error('exercises = ["lstm"]\n\n[grading]\nmax_examples = = 3\n', tmp_path)
    assert "line 4" in message


def test_a_missing_rubric_file_is_a_usage_error(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["grade", str(CORRECT), "--rubric", str(tmp_path / "nope.toml"),
                   "--out", str(tmp_path / "r.json")])
    assert status == 2
    assert "no rubric file at" in capsys.readouterr().err


# -- visibility end to end ----------------------------------------------------------------

HIDDEN_RUBRIC = """exercises = ["lstm_cell"]
[grading]
max_examples = 3
speed_mode = "off"
[checks."semantics.gate_control"]
visibility = "hidden"
[checks."gradients.finite_differences"]
visibility = "after_due_date"
"""


@pytest.mark.usefixtures("trusted_grading")
def test_hidden_checks_are_not_run_by_check_and_the_student_is_told_how_many(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(HIDDEN_RUBRIC, encoding="utf-8")
    assert main(["check", str(CORRECT), "--rubric", str(rubric)]) == 0
    out = capsys.readouterr().out
    hidden = [CHECKS[c].title for c in ("semantics.gate_control",
                                        "gradients.finite_differences")]
    shown = [CHECKS[c].title for c in ("semantics.forget_gate", "gradients.attached")]
    assert not [t for t in hidden if t in out]
    assert all(t in out for t in shown)
    assert "2 more checks of this rubric are not run here" in out


@pytest.mark.usefixtures("trusted_grading")
def test_grade_runs_hidden_checks_and_results_json_carries_their_visibility(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(HIDDEN_RUBRIC, encoding="utf-8")
    out = tmp_path / "results.json"
    assert main(["grade", str(CORRECT), "--rubric", str(rubric), "--out", str(out)]) == 0
    tests = {t["extra_data"]["check_id"]: t for t in json.loads(out.read_text())["tests"]}
    assert tests["semantics.gate_control"]["visibility"] == "hidden"
    assert tests["gradients.finite_differences"]["visibility"] == "after_due_date"
    assert tests["equivalence.forward"]["visibility"] == "visible"
    assert all(t["status"] == "passed" for t in tests.values())
    assert set(tests) >= {c.id for c in checks_for(get_exercise("lstm_cell"),
                                                   load_rubric(rubric).config)}

