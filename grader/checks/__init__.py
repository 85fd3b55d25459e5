"""Built-in checks, registered explicitly in the order they run."""

from __future__ import annotations

from dataclasses import replace

from grader.checks import (  # noqa: F401 - importing registers the checks
    equivalence,
    gradients,
    integrity,
    parameters,
    robustness,
    saturation,
    semantics,
    sequence,
    shapes,
    speed,
)
from grader.checks.base import CATEGORIES, CHECKS, CheckFailed, CheckSpec, Context, Outcome
from grader.config import GradeConfig
from grader.exercises import Exercise

__all__ = ["CATEGORIES", "CHECKS", "CheckFailed", "CheckSpec", "Context", "Outcome",
           "applies", "checks_for"]


def applies(spec: CheckSpec, exercise: Exercise) -> bool:
    """Whether a check exists for an exercise at all (whatever the configuration)."""
    return exercise.kind in spec.kinds and (spec.category != "semantics" or exercise.semantics)


def checks_for(exercise: Exercise, config: GradeConfig) -> list[CheckSpec]:
    """The checks that apply to an exercise, integrity first (it gates the others).

    A rubric's per-check settings (``config.check_settings``) turn checks on or off and set
    their points and visibility. With ``config.only_visible`` (a student's local check) the
    checks whose visibility is not ``visible`` are left out."""
    applicable = []
    for c in CHECKS.values():
        if not applies(c, exercise):
            continue
        setting = config.setting(exercise.name, c.id)
        if not (c.enabled(config) if setting.enabled is None else setting.enabled):
            continue
        if c.points_for:
            c = replace(c, points=c.points_for(config))
        if setting.points is not None:
            c = replace(c, points=setting.points)
        if setting.visibility is not None:
            c = replace(c, visibility=setting.visibility)
        if config.only_visible and c.visibility != "visible":
            continue
        applicable.append(c)
    return sorted(applicable, key=lambda c: (c.category != "integrity",
                                             CATEGORIES.index(c.category)))
