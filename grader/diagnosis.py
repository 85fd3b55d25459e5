"""Naming the exact mistake: does the submission behave exactly like a known mistake from
``reference.mistakes`` or like another variant from ``reference.VARIANTS``?

The same Jacobian layout inference that maps the reference onto the student's parameters is
run against each candidate; a candidate is named only when a layout is found *and* the
student, with the candidate's weights transplanted, computes the candidate's outputs exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

import reference
from grader.checks.base import Context
from grader.errors import SubmissionError
from grader.exercises import Case
from reference.mistakes import for_exercise


@dataclass(frozen=True)
class Diagnosis:
    id: str
    title: str
    explanation: str
    equation: str = ""

    def text(self) -> str:
        eq = f" The lesson's equation: {self.equation}." if self.equation else ""
        return f"Diagnosis: {self.title}. {self.explanation}{eq}"


def _probe(ctx: Context) -> Case:
    if ctx.exercise.kind == "sequence":
        return Case(batch=3, input_size=3, hidden_size=2, seq_len=2, num_layers=2, seed=7)
    return Case(batch=3, input_size=3, hidden_size=2, seed=7)


def diagnose(ctx: Context) -> Diagnosis | None:
    """The known mistake or variant the submission computes, if any (None otherwise)."""
    probe = _probe(ctx)
    try:
        student = ctx.build(probe, torch.float64)
        candidates = [(m.id, m.title, m.explanation, m.equation, m.build)
                      for m in for_exercise(ctx.exercise.name)]
        if ctx.exercise.kind != "sequence":
            for name, variant in reference.VARIANTS.items():
                if name == ctx.exercise.variant or variant.state != \
                        reference.VARIANTS[ctx.exercise.variant].state or variant.options:
                    continue
                candidates.append((f"variant-{name}", f"your cell is the {name} variant",
                                   f"{variant.summary} The exercise asks for "
                                   f"{ctx.exercise.title}.", variant.equations.replace(
                                       "\n", "; "), variant.cls))
        for cid, title, explanation, equation, build in candidates:
            target = ctx.exercise.build_target(build, probe)
            try:
                found = ctx.infer_layout(student, probe, target)
            except (RuntimeError, ValueError, IndexError):
                continue  # the candidate cannot even run at these sizes for this student
            if found.layout is not None and ctx.computes_target(
                    student, found.layout, probe, target):
                return Diagnosis(cid, title, explanation, equation)
        reference_finding = ctx.infer_layout(student, probe)
    except SubmissionError:
        return None
    flipped = reference_finding.flipped_layout
    if reference_finding.sign_flips and flipped is not None and ctx.computes_target(
            student, flipped, probe):
        gates = ", ".join(reference_finding.sign_flips)
        return Diagnosis("gate-sign-inverted", f"the sign of your {gates} is inverted",
                         "Your cell behaves like the reference except that this gate sees "
                         "minus its pre-activation: it computes σ(−z) = 1 − σ(z), so it opens "
                         "exactly when it should close (a forget gate that acts as a "
                         "'remember' gate, for example).")
    # An offset at θ = 0 alone is not named: computing in float32, keeping state or weights
    # outside the parameters all look the same from there.
    return None
