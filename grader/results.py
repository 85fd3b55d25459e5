"""Grading results as plain, serialisable data: no tensors, no rendering.

Writers in ``grader/reports/`` turn a ``GradeReport`` into text, Markdown or JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

# Speed earns something (points, a leaderboard rank) only when the maths is right: every
# check of these categories passed. The engine and the Gradescope leaderboard share the rule.
SPEED_NEEDS = ("equivalence", "sequence", "gradients")


@dataclass
class Example:
    """The (smallest) failing example a check found, as plain values."""

    sizes: dict[str, int]
    inputs: dict[str, Any] = field(default_factory=dict)  # small tensors as nested lists
    notes: list[str] = field(default_factory=list)
    scale: float = 1.0      # inputs and state were multiplied by this (writers say so)


@dataclass
class CheckResult:
    check_id: str           # stable, e.g. "equivalence.forward"
    exercise: str           # e.g. "lstm_cell"
    category: str           # shapes, parameters, equivalence, ...
    title: str              # one line, student-facing
    max_score: float
    score: float
    passed: bool
    message: str = ""       # what was found (failure) or confirmed (pass)
    hint: str = ""          # what to look at next
    example: Example | None = None
    expected: str = ""      # short text renderings of expected vs got
    got: str = ""
    traceback: str = ""     # the student's own frames only
    visibility: str = "visible"
    extra: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    # Field name -> grader.i18n.Msg data, for writers that render another language than
    # the English kept in the fields above (see grader.i18n.field_text).
    i18n: dict[str, Any] = field(default_factory=dict)

    @property
    def full_id(self) -> str:
        return f"{self.exercise}/{self.check_id}"


@dataclass
class ExerciseResult:
    name: str
    class_name: str
    checks: list[CheckResult]
    note: str = ""          # e.g. why the whole exercise got no credit
    # What the HTML report plots (grader/visuals.py): plain numbers, computed only when
    # GradeConfig.visuals is on; {"error": ...} when the submission could not be plotted.
    visuals: dict[str, Any] = field(default_factory=dict)
    i18n: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(c.score for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.checks)


@dataclass
class GradeReport:
    submission: str
    exercises: list[ExerciseResult]
    execution_time_s: float
    environment: dict[str, Any] = field(default_factory=dict)
    isolation: str = ""
    output: str = ""        # submission-level note (e.g. "could not be loaded")
    lang: str = "en"        # the language the writers render in unless told otherwise
    i18n: dict[str, Any] = field(default_factory=dict)

    @property
    def checks(self) -> list[CheckResult]:
        return [c for e in self.exercises for c in e.checks]

    @property
    def score(self) -> float:
        return sum(e.score for e in self.exercises)

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises)

    @property
    def all_passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def maths_failures(checks: Iterable[CheckResult]) -> list[str]:
    """The categories of ``SPEED_NEEDS`` with a failed check (empty: the maths is right)."""
    return sorted({c.category for c in checks if not c.passed and c.category in SPEED_NEEDS})
