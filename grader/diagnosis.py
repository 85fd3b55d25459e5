"""Naming the exact mistake: does the submission behave exactly like a known mistake from
``reference.mistakes`` or like another variant from ``reference.VARIANTS``?

The same Jacobian layout inference that maps the reference onto the student's parameters is
run against each candidate; a candidate is named only when a layout is found *and* the
student, with the candidate's weights transplanted, computes the candidate's outputs exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

import reference
from grader.checks.base import Context
from grader.errors import SubmissionError
from grader.exercises import Case
from grader.i18n import Msg, join, text
from reference.mistakes import for_exercise


@dataclass(frozen=True)
class Diagnosis:
    id: str
    title: str        # a Msg, for both languages
    explanation: str  # a Msg
    equation: str = ""
    # The candidate's module (its parameters are the reference's), to find the student's
    # layout at other sizes; None for a diagnosis without a module (a sign-inverted gate).
    build: Callable[..., nn.Module] | None = None

    def text(self) -> str:
        if self.equation:
            return Msg("diagnosis.text_equation", title=self.title,
                       explanation=self.explanation, equation=self.equation)
        return Msg("diagnosis.text", title=self.title, explanation=self.explanation)


def _probe(ctx: Context) -> Case:
    if ctx.exercise.kind == "sequence":
        return Case(batch=3, input_size=3, hidden_size=2, seq_len=2, num_layers=2, seed=7)
    return Case(batch=3, input_size=3, hidden_size=2, seed=7)


def diagnose(ctx: Context) -> Diagnosis | None:
    """The known mistake or variant the submission computes, if any (None otherwise).

    Computed once per exercise: the layout search (``Context.load``) asks for it when no
    layout computes the reference, and the engine to name the mistake."""
    if not ctx.diagnosed:
        ctx.diagnosed = (_diagnose(ctx),)
    found: Diagnosis | None = ctx.diagnosed[0]
    return found


def _diagnose(ctx: Context) -> Diagnosis | None:
    probe = _probe(ctx)
    try:
        student = ctx.build(probe, torch.float64)
        candidates = [(m.id, Msg(f"mistake.{m.id}.title"), Msg(f"mistake.{m.id}.explanation"),
                       m.equation, m.build) for m in for_exercise(ctx.exercise.name)]
        if ctx.exercise.kind != "sequence":
            for name, variant in reference.VARIANTS.items():
                if name == ctx.exercise.variant or variant.state != \
                        reference.VARIANTS[ctx.exercise.variant].state or variant.options:
                    continue
                candidates.append((f"variant-{name}", Msg("diagnosis.variant_title", name=name),
                                   Msg("diagnosis.variant_explanation",
                                       summary=Msg(f"variant.{name}.summary"),
                                       exercise=Msg(f"exercise.{ctx.exercise.name}.title")),
                                   variant.equations.replace("\n", "; "), variant.cls))
        for cid, title, explanation, equation, build in candidates:
            target = ctx.exercise.build_target(build, probe)
            try:
                found = ctx.infer_layout(student, probe, target)
            except (RuntimeError, ValueError, IndexError):
                continue  # the candidate cannot even run at these sizes for this student
            if found.layout is not None and ctx.computes_target(
                    student, found.layout, probe, target):
                return Diagnosis(cid, title, explanation, equation, build)
        reference_finding = ctx.infer_layout(student, probe)
    except SubmissionError:
        return None
    flipped = reference_finding.flipped_layout
    if reference_finding.sign_flips and flipped is not None and ctx.computes_target(
            student, flipped, probe):
        gates = join(*(_gate_word(g) for g in reference_finding.sign_flips), sep=", ")
        return Diagnosis("gate-sign-inverted", Msg("diagnosis.sign_title", gates=gates),
                         Msg("diagnosis.sign_explanation"))
    # An offset at θ = 0 alone is not named: computing in float32, keeping state or weights
    # outside the parameters all look the same from there.
    return None


def _gate_word(words: str) -> str:
    """"forget gate (f)" (from the inference) in both languages, when it is a known gate."""
    letter = words[-2] if words.endswith(")") and len(words) >= 3 else ""
    msg = Msg(f"gateword.{letter}") if letter in "ifgorznch" and letter else None
    return msg if msg is not None and msg == words else text(words)
