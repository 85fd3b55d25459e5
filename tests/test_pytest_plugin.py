"""The pytest plugin (grader/pytest_plugin.py): one test per check, the same feedback as
``check``, one grading per session, and nothing at all without --lstm-submission.

Inner pytest runs go through the ``pytester`` fixture, in its temporary folder; grading uses
the real sandbox (that is what the plugin does), with few examples and one exercise.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import grader.engine
from grader.checks import checks_for
from grader.config import GradeConfig
from grader.exercises import get_exercise

pytest_plugins = ["pytester"]

ZOO = Path(__file__).resolve().parent / "submissions" / "lstm_cell"
FAST = ["--lstm-exercise", "lstm_cell", "--lstm-examples", "2", "-p", "no:cacheprovider"]


def _check_ids() -> list[str]:
    return [s.id for s in checks_for(get_exercise("lstm_cell"), GradeConfig(only_visible=True))]


def _copy(pytester: pytest.Pytester, name: str) -> Path:
    target = pytester.path / "my_lstm.py"
    shutil.copy(ZOO / name, target)
    return target


@pytest.fixture
def gradings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts calls of the real grader.engine.grade (the plugin imports it when it grades)."""
    calls: list[str] = []
    real = grader.engine.grade

    def counting(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(grader.engine, "grade", counting)
    return calls


def test_without_the_option_the_plugin_adds_nothing(pytester: pytest.Pytester,
                                                    gradings: list[str]) -> None:
    _copy(pytester, "correct_textbook_chunk.py")
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    out = result.stdout.str()
    assert "my_lstm.py" not in out and "Next step" not in out
    assert gradings == []


@pytest.mark.slow  # grades through the real sandbox
def test_a_correct_submission_passes_one_test_per_check_graded_once(
        pytester: pytest.Pytester, gradings: list[str]) -> None:
    _copy(pytester, "correct_textbook_chunk.py")
    pytester.makepyfile(test_own="def test_students_own_test():\n    assert True\n")
    result = pytester.runpytest("--lstm-submission", "my_lstm.py", "-v", *FAST)
    ids = _check_ids()
    result.assert_outcomes(passed=len(ids) + 1)  # the student's own test runs too
    out = result.stdout.str()
    for check_id in ids:
        assert f"my_lstm.py::lstm_cell/{check_id} PASSED" in out
    assert len(gradings) == 1
    assert "Next step: nothing to fix; submit my_lstm.py." in out


@pytest.mark.slow  # grades through the real sandbox
def test_a_buggy_submission_fails_its_checks_with_checks_feedback_in_spanish(
        pytester: pytest.Pytester, gradings: list[str]) -> None:
    _copy(pytester, "bug_missing_tanh_on_c.py")
    result = pytester.runpytest("--lstm-submission", "my_lstm.py", "--lstm-lang", "es",
                                "-k", "equivalence or semantics.output_gate", *FAST)
    result.assert_outcomes(failed=2)  # equivalence.forward and semantics.output_gate
    out = result.stdout.str()
    assert "FAILED my_lstm.py::lstm_cell/equivalence.forward" in out
    # The same feedback as `check --lang es`: message, example, expected/got, hint, diagnosis.
    for words in ("equivalencia: con los mismos pesos", "Ejemplo mínimo que falla:",
                  "esperado:", "obtenido:", "pista: Compara cada línea",
                  "Diagnóstico: h = o · c sin tanh",
                  "Siguiente paso: corrige esto en tu forward: h = o · c sin tanh"):
        assert words in out, words
    assert len(gradings) == 1


def test_a_missing_submission_or_exercise_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--lstm-submission", "nowhere.py", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "no file at nowhere.py" in result.stderr.str()
    _copy(pytester, "correct_textbook_chunk.py")
    result = pytester.runpytest("--lstm-submission", "my_lstm.py", "--lstm-exercise", "lsmt",
                                "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "unknown exercise lsmt" in result.stderr.str()


def test_a_submission_named_like_a_test_module_is_never_imported_by_pytest(
        pytester: pytest.Pytester) -> None:
    # Importing it here (outside the sandbox) would leave the marker in pytester's folder.
    source = (ZOO / "correct_textbook_chunk.py").read_text()
    (pytester.path / "test_my_lstm.py").write_text(
        "from pathlib import Path\nPath('imported_outside_the_sandbox').write_text('x')\n"
        + source)
    result = pytester.runpytest("--lstm-submission", "test_my_lstm.py", "--collect-only",
                                "-q", *FAST)
    out = result.stdout.str()
    assert not (pytester.path / "imported_outside_the_sandbox").exists()
    ids = _check_ids()
    for check_id in ids:
        assert out.count(f"test_my_lstm.py::lstm_cell/{check_id}") == 1, check_id
