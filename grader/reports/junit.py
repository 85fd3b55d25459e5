"""JUnit XML for CI, valid against the strict xunit2 schema that pytest validates its own
``junit_family=xunit2`` output against (``junit-10.xsd``, vendored in ``tests/schemas/``).

``<testsuites>`` (totals only: the schema gives it no properties) holds a ``<testsuite>`` per
exercise, with ``<properties>`` ``score``, ``max_score``, ``class``, ``submission`` and
``status``; each check is a ``<testcase>`` with ``classname`` ``<exercise>.<category>``,
``name`` the check id and ``time``. The schema allows no properties on a testcase, so a
check's points go to its ``<system-out>`` (``points: 1 / 2`` and the check's title).

A failed check carries ``<failure message=... type=...>`` with the same plain text the
terminal report prints. A file that does not load (syntax error, exception at import...)
is not a set of failing checks but one error: each of its checks carries ``<error>`` instead
and counts in the suite's ``errors``. Student output can contain anything, so characters XML
1.0 cannot represent (most control characters) are removed before escaping.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

from grader.i18n import field_text
from grader.reports.status import gradable, submission_status
from grader.reports.text import check_text
from grader.results import GradeReport

# Everything outside XML 1.0's Char production (tab, newline and carriage return are allowed).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: object) -> str:
    return _NOT_XML.sub("", str(text))


def _properties(parent: ET.Element, values: dict[str, object]) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in values.items():
        ET.SubElement(props, "property", name=name, value=clean(value))


def to_element(report: GradeReport, lang: str | None = None) -> ET.Element:
    lang = lang or report.lang
    status = submission_status(report)
    # A file that never loaded: its checks did not fail, they could not run.
    as_error = not gradable(report)
    root = ET.Element("testsuites", name="lstm-grader")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    total_time = 0.0
    for ex in report.exercises:
        failed = sum(not c.passed for c in ex.checks)
        counts = {"tests": len(ex.checks), "failures": 0 if as_error else failed,
                  "errors": failed if as_error else 0}
        seconds = sum(c.duration_s for c in ex.checks)
        suite = ET.SubElement(root, "testsuite", {
            "name": clean(ex.name), **{k: str(v) for k, v in counts.items()}, "skipped": "0",
            "time": f"{seconds:.3f}"})
        _properties(suite, {"score": f"{ex.score:g}", "max_score": f"{ex.max_score:g}",
                            "class": ex.class_name, "submission": report.submission,
                            "status": status})
        for c in ex.checks:
            case = ET.SubElement(suite, "testcase", classname=clean(f"{ex.name}.{c.category}"),
                                 name=clean(c.check_id), time=f"{c.duration_s:.3f}")
            if not c.passed:
                message = field_text(c, "message", lang)
                kind = "load_error" if as_error else (c.extra.get("error_kind")
                                                      or "check_failed")
                outcome = ET.SubElement(case, "error" if as_error else "failure",
                                        message=clean(message.splitlines()[0] if message
                                                      else "failed"),
                                        type=clean(kind))
                outcome.text = clean(check_text(ex, c, lang))
            out = ET.SubElement(case, "system-out")
            out.text = clean(f"points: {c.score:g} / {c.max_score:g}\n"
                             f"{field_text(c, 'title', lang)}")
        for key, value in counts.items():
            totals[key] += value
        total_time += seconds
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{total_time:.3f}")
    return root


def render(report: GradeReport, stream: TextIO) -> None:
    root = to_element(report)
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")
