"""Built-in checks, registered explicitly in the order they run."""

from __future__ import annotations

from dataclasses import replace

from grader.checks import (  # noqa: F401 - importing registers the checks
    equivalence,
    gradients,
    integrity,
    parameters,
    robustness,
    semantics,
    sequence,
    shapes,
    speed,
)
from grader.checks.base import CATEGORIES, CHECKS, CheckFailed, CheckSpec, Context, Outcome
from grader.config import GradeConfig
from grader.exercises import Exercise

__all__ = ["CATEGORIES", "CHECKS", "CheckFailed", "CheckSpec", "Context", "Outcome",
           "checks_for"]


def checks_for(exercise: Exercise, config: GradeConfig) -> list[CheckSpec]:
    """The checks that apply to an exercise, integrity first (it gates the others)."""
    applicable = [c for c in CHECKS.values() if exercise.kind in c.kinds
                  and (c.category != "semantics" or exercise.semantics)
                  and c.enabled(config)]
    applicable = [replace(c, points=c.points_for(config)) if c.points_for else c
                  for c in applicable]
    return sorted(applicable, key=lambda c: (c.category != "integrity",
                                             CATEGORIES.index(c.category)))
