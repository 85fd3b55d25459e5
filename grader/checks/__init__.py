"""Built-in checks, registered explicitly in the order they run."""

from __future__ import annotations

from grader.checks import (  # noqa: F401 - importing registers the checks
    equivalence,
    gradients,
    integrity,
    parameters,
    robustness,
    semantics,
    sequence,
    shapes,
)
from grader.checks.base import CATEGORIES, CHECKS, CheckFailed, CheckSpec, Context
from grader.config import GradeConfig
from grader.exercises import Exercise

__all__ = ["CATEGORIES", "CHECKS", "CheckFailed", "CheckSpec", "Context", "checks_for"]


def checks_for(exercise: Exercise, config: GradeConfig) -> list[CheckSpec]:
    """The checks that apply to an exercise, integrity first (it gates the others)."""
    applicable = [c for c in CHECKS.values() if exercise.kind in c.kinds
                  and (c.category != "semantics" or exercise.semantics)
                  and c.enabled(config)]
    return sorted(applicable, key=lambda c: (c.category != "integrity",
                                             CATEGORIES.index(c.category)))
