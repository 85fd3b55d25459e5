"""PrairieLearn and JUnit writers: parsed back, numbers checked against the report."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from grader.config import GradeConfig
from grader.engine import grade
from grader.engine import in_process_runner as in_process
from grader.reports import junit, prairielearn
from grader.reports.formats import FORMAT_NAMES, get_format, render_text
from grader.reports.status import gradable, submission_status
from grader.results import CheckResult, ExerciseResult, GradeReport

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "examples" / "lesson_lstm.py"


@pytest.fixture(scope="module")
def lesson_report() -> GradeReport:
    # The lesson's cell fails a few shape checks: a report with passes and failures.
    return grade(LESSON, ("lstm_cell",), GradeConfig(max_examples=2), runner_factory=in_process)


@pytest.fixture(scope="module")
def broken_report(tmp_path_factory: pytest.TempPathFactory) -> GradeReport:
    path = tmp_path_factory.mktemp("broken") / "broken.py"
    path.write_text("class LSTMCell(:\n    pass\n")
    return grade(path, ("lstm_cell",), GradeConfig(max_examples=2), runner_factory=in_process)


def test_prairielearn_score_is_the_fraction_of_points_and_tests_carry_the_points(
        lesson_report: GradeReport) -> None:
    data = json.loads(render_text(lesson_report, "prairielearn"))
    assert data["gradable"] is True
    assert 0 < lesson_report.score < lesson_report.max_score
    assert data["score"] == pytest.approx(lesson_report.score / lesson_report.max_score)
    assert 0.0 <= data["score"] < 1.0
    assert len(data["tests"]) == len(lesson_report.checks)
    assert sum(t["points"] for t in data["tests"]) == pytest.approx(lesson_report.score)
    assert sum(t["max_points"] for t in data["tests"]) == pytest.approx(lesson_report.max_score)
    for test, check in zip(data["tests"], lesson_report.checks, strict=True):
        assert set(test) >= {"name", "description", "points", "max_points", "message",
                             "output"}
        assert check.check_id in test["description"]
        assert test["points"] == check.score
    failed = [t for t, c in zip(data["tests"], lesson_report.checks, strict=True)
              if not c.passed]
    assert failed and all(t["message"] for t in failed)
    assert "Score:" in data["message"]


def test_prairielearn_marks_a_file_that_does_not_load_as_not_gradable(
        broken_report: GradeReport) -> None:
    assert submission_status(broken_report) == "load_error"
    assert not gradable(broken_report)
    data = json.loads(render_text(broken_report, "prairielearn"))
    assert data["gradable"] is False
    assert data["score"] == 0.0
    assert "syntax error" in data["tests"][0]["output"]
    assert data["format_errors"] and "syntax error" in data["format_errors"][0]


def test_prairielearn_texts_are_the_terminal_report_as_plain_text(
        lesson_report: GradeReport) -> None:
    from grader.reports import text

    data = json.loads(render_text(lesson_report, "prairielearn"))
    terminal = io.StringIO()
    text.render(lesson_report, terminal)
    assert data["output"] == terminal.getvalue()  # the whole report, as `check` prints it
    printed = terminal.getvalue().splitlines()
    for check, test in zip(lesson_report.checks, data["tests"], strict=True):
        if not check.passed:
            # what `check` prints under the failed check (there indented by two), line by line
            assert test["output"] == "\n".join(text.failure_block(check))
            assert all(f"  {line}" in printed for line in test["output"].splitlines())
    every = data["output"] + "".join(t["output"] + t["message"] for t in data["tests"])
    assert "**" not in every and "```" not in every and "\x1b[" not in every
    assert "images" not in data  # no plots measured: none sent


def test_prairielearn_sends_the_plots_as_labelled_png_images_within_the_size_limit() -> None:
    import base64

    from grader.i18n import tr
    from grader.reports.prairielearn import SIZE_LIMIT

    report = grade(LESSON, ("lstm_cell",), GradeConfig(max_examples=2, visuals=True),
                   runner_factory=in_process)
    report.lang = "es"  # drawn once (a few seconds), labelled in the report's language
    rendered = render_text(report, "prairielearn")
    assert len(rendered.encode()) < SIZE_LIMIT
    images = json.loads(rendered)["images"]
    assert [i["label"] for i in images] == [
        tr(f"html.{kind}_heading", "es") for kind in ("gates", "states", "gradients")]
    for image in images:
        prefix = "data:image/png;base64,"
        assert image["url"].startswith(prefix) and image["label"]
        assert base64.b64decode(image["url"][len(prefix):])[:8] == b"\x89PNG\r\n\x1a\n"


def test_junit_has_a_suite_per_exercise_and_a_case_per_check(
        lesson_report: GradeReport) -> None:
    root = ET.fromstring(render_text(lesson_report, "junit"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [e.name for e in lesson_report.exercises]
    cases = suites[0].findall("testcase")
    checks = lesson_report.exercises[0].checks
    assert [c.get("name") for c in cases] == [c.check_id for c in checks]
    failed = [c for c in checks if not c.passed]
    assert int(suites[0].get("failures", "-1")) == len(failed) > 0
    assert int(suites[0].get("tests", "-1")) == len(checks)
    for case, check in zip(cases, checks, strict=True):
        assert case.get("classname") == f"lstm_cell.{check.category}"
        assert float(case.get("time", "nan")) >= 0
        assert case.find("properties") is None  # xunit2 has no properties on a testcase
        out = case.findtext("system-out") or ""
        assert out.startswith(f"points: {check.score:g} / {check.max_score:g}\n")
        failure = case.find("failure")
        assert (failure is None) == check.passed and case.find("error") is None
        if failure is not None:
            assert failure.get("message") and check.message.splitlines()[0] in (
                failure.text or "")
            assert "**" not in (failure.text or "") and "```" not in (failure.text or "")
    suite_props = {p.get("name"): p.get("value") for p in suites[0].find("properties") or []}
    assert float(suite_props["score"]) == lesson_report.score
    assert float(suite_props["max_score"]) == lesson_report.max_score
    assert suite_props["status"] == "graded"
    assert root.find("properties") is None  # nor on testsuites
    assert root.get("errors") == "0" and root.get("failures") == str(len(failed))


def test_junit_counts_a_file_that_does_not_load_as_errors_not_failures(
        broken_report: GradeReport) -> None:
    root = ET.fromstring(render_text(broken_report, "junit"))
    suite = root.find("testsuite")
    assert suite is not None
    n = len(broken_report.checks)
    assert suite.get("errors") == str(n) and suite.get("failures") == "0"
    assert root.get("errors") == str(n) and root.get("failures") == "0"
    cases = suite.findall("testcase")
    assert all(c.find("failure") is None for c in cases)
    errors = [c.find("error") for c in cases]
    assert all(e is not None and e.get("type") == "load_error" for e in errors)
    assert "syntax error" in (errors[0].text or "")  # type: ignore[union-attr]


def test_junit_strips_control_characters_and_escapes_student_text() -> None:
    nasty = "got \x00\x07\x1b[31mred\x1b[0m <tag> & \"quotes\" ]]> \ufffe end"
    check = CheckResult(check_id="shapes.sizes", exercise="lstm_cell", category="shapes",
                        title="sizes", max_score=1.0, score=0.0, passed=False, message=nasty,
                        traceback="File x, line 1\n\x0c" + nasty)
    report = GradeReport("s<u>b.py", [ExerciseResult("lstm_cell", "LSTMCell", [check])], 1.0)
    text = render_text(report, "junit")
    root = ET.fromstring(text)  # well-formed despite everything above
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert "<tag> & \"quotes\" ]]>" in (failure.text or "")
    assert "\x00" not in text and "\x1b" not in text and "\x07" not in text
    assert failure.get("message") == junit.clean(nasty)


def test_every_format_is_selectable_and_unknown_ones_are_refused(
        lesson_report: GradeReport) -> None:
    for name in FORMAT_NAMES:
        buffer = io.StringIO()
        get_format(name).render(lesson_report, buffer)
        assert buffer.getvalue().strip()
    from grader.errors import ConfigError

    with pytest.raises(ConfigError, match="prairielearn"):
        get_format("moodle")
    assert prairielearn.to_dict(lesson_report)["tests"]


def _report(*checks: CheckResult) -> GradeReport:
    return GradeReport("s.py", [ExerciseResult("lstm_cell", "LSTMCell", list(checks))], 1.0)


def _check(passed: bool = True, **extra: Any) -> CheckResult:
    return CheckResult(check_id="shapes.sizes", exercise="lstm_cell", category="shapes",
                       title="sizes", max_score=1.0, score=1.0 if passed else 0.0,
                       passed=passed, extra=dict(extra))


def test_submission_status_names_the_most_serious_outcome() -> None:
    assert submission_status(_report(_check(), _check(False))) == "graded"
    assert submission_status(_report(_check(), _check(False, error_kind="crash"))) == "crashed"
    assert submission_status(_report(_check(False, error_kind="crash"),
                                     _check(False, error_kind="timeout"))) == "timeout"
    hung = _check(False, error_kind="timeout")  # as grader.engine._load records it
    hung.message = "your file could not be loaded: no answer within 60 s"
    hung.i18n["message"] = {"key": "load.failed", "params": {}}
    report = _report(hung)
    assert submission_status(report) == "timeout" and not gradable(report)
    assert gradable(_report(_check(False, error_kind="timeout")))


def test_every_format_puts_the_no_credit_note_before_a_failed_check_in_its_language() -> None:
    from grader.i18n import Msg, set_field

    failed, passed = _check(False), _check(True)
    exercise = ExerciseResult("lstm_cell", "LSTMCell", [failed, passed])
    set_field(exercise, "note", Msg("engine.no_credit_builtin"))
    report = GradeReport("s.py", [exercise], 1.0, lang="es")
    spanish = "Este ejercicio no puntúa"
    pl = json.loads(render_text(report, "prairielearn"))
    assert pl["tests"][0]["output"].startswith(spanish)
    assert spanish not in pl["tests"][1]["output"]          # a passed check has no note
    assert spanish in pl["output"] or spanish in pl["message"]
    gs = json.loads(render_text(report, "gradescope"))
    assert gs["tests"][0]["output"].startswith(spanish)
    failure = ET.fromstring(render_text(report, "junit")).find("testsuite/testcase/failure")
    assert failure is not None and (failure.text or "").startswith(spanish)
