"""Every result format, for every zoo file and in both languages, validated against the
platform's own format: JSON Schemas written from Gradescope's and PrairieLearn's
documentation and the strict xunit2 XSD pytest validates its JUnit XML against (sources in
tests/schemas/README.md), with jsonschema and xmlschema.

Each zoo file is graded once, by the cached in-process grade of tests/test_zoo.py (shared
with that module when both run), and every format is rendered from that one report.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema

from grader.i18n import LANGS
from grader.reports import gradescope, junit, prairielearn
from grader.reports.formats import render_text
from grader.reports.prairielearn import SIZE_LIMIT
from grader.results import CheckResult, GradeReport
from tests.test_zoo import ZOO, graded
from tests.zoo import ZooEntry

SCHEMAS = Path(__file__).resolve().parent / "schemas"


@cache
def _json_validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@cache
def _xunit2() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMAS / "junit-10.xsd")


def validate_gradescope(data: dict[str, Any]) -> None:
    _json_validator("gradescope-results.schema.json").validate(data)


def validate_prairielearn(data: dict[str, Any]) -> None:
    _json_validator("prairielearn-results.schema.json").validate(data)
    size = len(json.dumps(data, indent=2, ensure_ascii=False).encode())
    assert size <= 1024 * 1024, f"PrairieLearn refuses results over 1 MiB ({size} bytes)"


def validate_info_options(options: dict[str, Any]) -> None:
    _json_validator("prairielearn-external-grading-options.schema.json").validate(options)


def validate_junit(text: str) -> None:
    _xunit2().validate(text)


@pytest.mark.parametrize("entry", ZOO, ids=lambda e: e.id)
def test_every_format_of_every_zoo_file_is_valid_for_its_platform(entry: ZooEntry) -> None:
    report = graded(entry)
    for lang in LANGS:
        mine = copy.copy(report)  # the cached report is shared: render a copy in lang
        mine.lang = lang
        gs = json.loads(render_text(mine, "gradescope"))
        validate_gradescope(gs)
        pl = json.loads(render_text(mine, "prairielearn"))
        validate_prairielearn(pl)
        xml = render_text(mine, "junit")
        validate_junit(xml)
        # The same report in every format: the points agree.
        assert gs["score"] == pytest.approx(report.score)
        assert sum(t["points"] for t in pl["tests"]) == pytest.approx(report.score)
        assert pl["gradable"] is True  # every zoo file loads
    assert report.lang == "en"  # the shared report was not changed


def test_the_validators_reject_what_the_platforms_would_not_take() -> None:
    """The schemas are not vacuous: each rejects a mistake our writers once made or could."""
    report = graded(next(e for e in ZOO if not e.expect_pass))
    gs = gradescope.to_dict(report)
    for bad in ({**gs, "output_format": "markdown"},
                {**gs, "tests": [{**gs["tests"][0], "status": "error"}]},
                {**gs, "leaderboard": [{"name": "speed"}]},
                {**gs, "visiblity": "visible"}):
        with pytest.raises(jsonschema.ValidationError):
            validate_gradescope(bad)
    pl = prairielearn.to_dict(report)
    for bad in ({**pl, "score": 21.0},
                {k: v for k, v in pl.items() if k not in ("score", "gradable")},
                {**pl, "images": [{"label": "plot", "url": "plot.png"}]},
                {**pl, "tests": [{**pl["tests"][0], "points": None}]},
                {**pl, "format_errors": [3]}):
        with pytest.raises(jsonschema.ValidationError):
            validate_prairielearn(bad)
    validate_prairielearn({"gradable": False, "format_errors": "no file"})  # no score needed
    # What the JUnit writer used to write: properties inside a testcase and the testsuites.
    root = junit.to_element(report)
    case = root.find("testsuite/testcase")
    assert case is not None
    case.insert(0, junit.ET.Element("properties"))
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        validate_junit(junit.ET.tostring(root, encoding="unicode"))
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        validate_junit('<testsuites><properties/></testsuites>')
    with pytest.raises(jsonschema.ValidationError):
        validate_info_options({"image": "x", "timeout": 900})


def test_a_report_too_big_for_prairielearn_is_cut_to_fit() -> None:
    report = copy.deepcopy(graded(next(e for e in ZOO if not e.expect_pass)))
    for c in report.checks:
        c.passed, c.score = False, 0.0
        c.traceback = "x" * 200_000  # a student printing in a loop
    data = prairielearn.to_dict(report)
    validate_prairielearn(data)
    assert len(json.dumps(data, indent=2, ensure_ascii=False).encode()) < SIZE_LIMIT


def _with_speed(report: GradeReport) -> GradeReport:
    """The report with the speed check as it is on a CPU by default: informational (0
    points, passed) with a measured ratio (tests/test_zoo.py grades with speed off)."""
    report = copy.deepcopy(report)
    for ex in report.exercises:
        ex.checks.append(CheckResult(
            check_id="speed.vs_pytorch", exercise=ex.name, category="speed", title="speed",
            max_score=0.0, score=0.0, passed=True,
            extra={"ratio": 5.233, "speed": {"baseline": "nn.LSTMCell"}}))
    return report


def test_the_leaderboard_ranks_only_submissions_whose_maths_is_right() -> None:
    by_id = {e.id: e for e in ZOO}
    wrong = _with_speed(graded(by_id["lstm_cell/bug_missing_tanh_on_c"]))
    right = _with_speed(graded(by_id["lstm_cell/correct_einsum"]))
    builtin = _with_speed(graded(by_id["lstm_cell/bug_uses_builtin_lstm_cell"]))
    assert wrong.score < wrong.max_score and right.score == right.max_score
    assert "leaderboard" not in gradescope.to_dict(wrong)   # wrong and fast: not ranked
    assert "leaderboard" not in gradescope.to_dict(builtin)  # PyTorch's own speed: not ranked
    board = gradescope.to_dict(right)["leaderboard"]
    assert board == [{"name": "speed ratio vs nn.LSTMCell", "value": 5.233, "order": "asc"}]
    validate_gradescope(gradescope.to_dict(right))
