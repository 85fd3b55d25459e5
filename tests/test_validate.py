"""``lstm-grader validate``: references get full marks, known mistakes lose points, holes in
a rubric are named, past submissions are checked against their expected verdicts.

The references and mistakes are trusted and graded in process; the ``coupled`` exercise
(3 known mistakes) keeps these tests short. The full default rubric is validated by hand
(docs/rubric.md gives its time)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.cli import main
from grader.config import GradeConfig
from grader.errors import ConfigError
from grader.validate import Expectation, Graded, Job, jobs_for, read_expectations, validate
from reference.mistakes import for_exercise

ROOT = Path(__file__).resolve().parent.parent
ZOO = ROOT / "tests" / "submissions"
COUPLED_MISTAKES = [m.id for m in for_exercise("coupled")]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_default_rubric_validates_with_a_matrix_of_mistakes_by_checks(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--exercise", "coupled", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "(built-in default)" in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")
            and line.split() and line.split()[0] in {"reference", *COUPLED_MISTAKES}}
    assert set(rows) == {"reference", *COUPLED_MISTAKES}
    assert rows["reference"].rstrip().endswith("ok") and "x" not in rows["reference"]
    for mistake in COUPLED_MISTAKES:
        assert rows[mistake].rstrip().endswith("caught") and " x " in rows[mistake]
    assert "equivalence.forward 3" in out          # the legend counts what each check catches
    assert "shapes.dtype 0*" in out                # and marks the checks that catch none
    assert f"OK: 1 reference(s) with full marks; {len(COUPLED_MISTAKES)}/" in out


def test_a_rubric_without_the_checks_that_catch_mistakes_fails_and_names_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rubric = write(tmp_path / "holes.toml", """exercises = ["coupled"]
[checks."equivalence.forward"]
enabled = false
[checks."gradients.match"]
points = 0
[checks."robustness.saturation"]
enabled = false
""")
    assert main(["validate", "--rubric", str(rubric), "--examples", "4"]) == 1
    out = capsys.readouterr().out
    for mistake in COUPLED_MISTAKES:
        assert f"HOLE: known mistake {mistake} (coupled) does not lose points" in out
    assert "SURVIVES" in out and "FAILED" in out


def test_a_rubric_that_fails_a_correct_solution_is_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Forbidding torch.sigmoid would take all credit from every correct cell.
    rubric = write(tmp_path / "strict.toml", """exercises = ["coupled"]
[grading]
forbidden_apis = ["nn.LSTM", "torch.sigmoid"]
""")
    assert main(["validate", "--rubric", str(rubric), "--examples", "2"]) == 1
    assert "PROBLEM: the reference of coupled loses points" in capsys.readouterr().out


def test_expected_verdicts_come_from_headers_or_expected_toml(tmp_path: Path) -> None:
    write(tmp_path / "lstm" / "a.py", "# expect: pass\nx = 1\n")
    write(tmp_path / "b.py", "# expect: fail semantics.forget_gate\n# exercise: lstm_cell, gru\n")
    write(tmp_path / "c.py", "x = 1\n")
    write(tmp_path / "d.ipynb", '{"cells": [{"cell_type": "markdown", "source": "hi"}, '
                                '{"cell_type": "code", "source": ["# expect: fail\\n"]}]}')
    write(tmp_path / "expected.toml", '["c.py"]\nexpect = "fail sequence"\n'
                                      'exercises = ["lstm"]\n')
    jobs = {j.name: j for j in read_expectations(tmp_path, ("lstm_cell",))}
    assert jobs["lstm/a.py"].expect == Expectation(True)
    assert jobs["lstm/a.py"].exercises == ("lstm",)       # from its folder's name
    assert jobs["b.py"].expect == Expectation(False, "semantics.forget_gate")
    assert jobs["b.py"].exercises == ("lstm_cell", "gru")
    assert jobs["c.py"].expect == Expectation(False, "sequence")
    assert jobs["d.ipynb"].expect == Expectation(False) and jobs["d.ipynb"].exercises == (
        "lstm_cell",)                                      # the rubric's


@pytest.mark.parametrize(("files", "message"), [
    ({"a.py": "# expect: maybe\n"}, "expected verdict 'maybe' not understood"),
    ({"a.py": "# expect: fail semantic\n"}, "unknown category or check 'semantic'"),
    ({"a.py": "x = 1\n"}, "no submission in"),
    ({"a.py": "# expect: pass\n", "expected.toml": '["b.py"]\nexpect = "pass"\n'},
     "no such submission: b.py"),
])
def test_bad_expectations_are_usage_errors(files: dict[str, str], message: str,
                                           tmp_path: Path) -> None:
    for name, text in files.items():
        write(tmp_path / name, text)
    with pytest.raises(ConfigError, match=message):
        read_expectations(tmp_path, ("lstm_cell",))


def test_a_verdict_is_judged_by_score_and_failed_category() -> None:
    def graded(expect: str, failed: list[str], score: float) -> Graded:
        job = Job("submission", "x.py", ("lstm_cell",), path="x.py",
                  expect=Expectation.parse(expect, "x.py"))
        return Graded(job, score, 10.0, {"lstm_cell": failed},
                      sorted({f.split(".")[0] for f in failed}))

    assert graded("pass", [], 10).ok
    assert not graded("pass", ["shapes.dtype"], 9).ok
    assert graded("fail shapes", ["shapes.dtype"], 9).ok
    assert graded("fail shapes.dtype", ["shapes.dtype"], 9).ok
    assert not graded("fail semantics", ["shapes.dtype"], 9).ok
    assert not graded("fail", ["integrity.no_builtin_rnn"], 10).ok  # 0-point check only


def test_a_mistake_must_lose_points_in_the_category_that_targets_it() -> None:
    def mistake(exercise: str, lost: list[str], score: float) -> Graded:
        job = next(j for j in jobs_for([exercise]) if j.kind == "mistake")
        return Graded(job, score, 10.0, {exercise: lost}, lost=lost)

    assert mistake("coupled", ["equivalence.forward"], 4).ok
    assert not mistake("coupled", ["gradients.match"], 6).ok      # lost, but not there
    assert not mistake("coupled", [], 10).ok                      # survives
    assert mistake("lstm", ["sequence.bptt"], 8).ok
    assert not mistake("lstm", ["gradients.attached"], 9).ok


@pytest.mark.slow
def test_past_submissions_are_graded_in_the_sandbox_and_mismatches_fail(tmp_path: Path) -> None:
    folder = tmp_path / "past"
    (folder / "coupled").mkdir(parents=True)
    shutil.copy(ZOO / "coupled" / "correct_declared.py", folder / "coupled" / "good.py")
    shutil.copy(ZOO / "coupled" / "bug_input_equals_forget.py", folder / "coupled" / "bad.py")
    shutil.copy(ZOO / "coupled" / "bug_input_equals_forget.py", folder / "coupled" / "wrong.py")
    write(folder / "expected.toml", '["coupled/wrong.py"]\nexpect = "pass"\n')
    v = validate(("coupled",), GradeConfig(max_examples=3), folder)
    subs = {g.job.name: g for g in v.of("submission")}
    assert set(subs) == {"coupled/good.py", "coupled/bad.py", "coupled/wrong.py"}
    assert subs["coupled/good.py"].ok and subs["coupled/bad.py"].ok
    assert [g.job.name for g in v.mismatches] == ["coupled/wrong.py"]
    assert not v.passed
