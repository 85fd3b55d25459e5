"""The result formats ``grade --format`` and ``batch --format`` can write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from grader.errors import ConfigError
from grader.results import GradeReport


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str        # file name ending in a batch's results folder
    render: Callable[[GradeReport, TextIO], None]


def _formats() -> dict[str, Format]:
    from grader.reports import gradescope, junit, prairielearn

    return {
        "gradescope": Format("gradescope", ".json", gradescope.render),
        "prairielearn": Format("prairielearn", ".prairielearn.json", prairielearn.render),
        "junit": Format("junit", ".xml", junit.render),
    }


FORMAT_NAMES = ("gradescope", "prairielearn", "junit")
DEFAULT_FORMAT = "gradescope"


def get_format(name: str) -> Format:
    try:
        return _formats()[name]
    except KeyError:
        raise ConfigError(f"unknown result format {name!r}; choose one of "
                          f"{', '.join(FORMAT_NAMES)}") from None


def render_text(report: GradeReport, name: str) -> str:
    import io

    buffer = io.StringIO()
    get_format(name).render(report, buffer)
    return buffer.getvalue()
