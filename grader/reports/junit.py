"""JUnit XML for CI: a ``testsuite`` per exercise, a ``testcase`` per check.

Each testcase has ``classname`` ``<exercise>.<category>``, ``name`` the check id and ``time``
the seconds the check took; a failed check carries ``<failure message=... type=...>`` with
the full feedback text, and the points are ``<properties>`` (``score``, ``max_score``) on
the testcase and on its suite. Student output can contain anything, so characters XML 1.0
cannot represent (most control characters) are removed before escaping.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

from grader.i18n import field_text
from grader.reports.feedback import failed_check_markdown
from grader.reports.status import submission_status
from grader.results import GradeReport

# Everything outside XML 1.0's Char production (tab, newline and carriage return are allowed).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: object) -> str:
    return _NOT_XML.sub("", str(text))


def _properties(parent: ET.Element, values: dict[str, object]) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in values.items():
        ET.SubElement(props, "property", name=name, value=clean(value))


def to_element(report: GradeReport) -> ET.Element:
    lang = report.lang
    root = ET.Element("testsuites", name="lstm-grader")
    total_tests = total_failures = 0
    total_time = 0.0
    for ex in report.exercises:
        failures = sum(not c.passed for c in ex.checks)
        seconds = sum(c.duration_s for c in ex.checks)
        suite = ET.SubElement(root, "testsuite", name=clean(ex.name), tests=str(len(ex.checks)),
                              failures=str(failures), errors="0", skipped="0",
                              time=f"{seconds:.3f}")
        _properties(suite, {"score": f"{ex.score:g}", "max_score": f"{ex.max_score:g}",
                            "class": ex.class_name, "submission": report.submission})
        for c in ex.checks:
            case = ET.SubElement(suite, "testcase", classname=clean(f"{ex.name}.{c.category}"),
                                 name=clean(c.check_id), time=f"{c.duration_s:.3f}")
            _properties(case, {"score": f"{c.score:g}", "max_score": f"{c.max_score:g}",
                               "title": field_text(c, "title", lang)})
            if not c.passed:
                message = field_text(c, "message", lang)
                body = failed_check_markdown(ex, c, lang)
                failure = ET.SubElement(case, "failure",
                                        message=clean(message.splitlines()[0] if message
                                                      else "failed"),
                                        type=clean(c.extra.get("error_kind") or "check_failed"))
                failure.text = clean(body)
        total_tests += len(ex.checks)
        total_failures += failures
        total_time += seconds
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    root.set("time", f"{total_time:.3f}")
    _properties(root, {"score": f"{report.score:g}", "max_score": f"{report.max_score:g}",
                       "status": submission_status(report)})
    return root


def render(report: GradeReport, stream: TextIO) -> None:
    root = to_element(report)
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")
