"""parameters: how many there are, that they are registered, and that each one is used."""

from __future__ import annotations

import torch

from grader.checks.base import CheckFailed, Context, check
from grader.exercises import Case, Exercise
from grader.i18n import Msg, join


@check("parameters.count", category="parameters", points=2,
       title="the number of parameters is the textbook one",
       hint="Each gate has an input matrix (H×I), a recurrent matrix (H×H) and its biases; "
            "count yours against the exercise's equations.")
def count(ctx: Context) -> str:
    ex = ctx.exercise
    found_convention: dict[str, Msg] = {}

    def test(case: Case) -> None:
        student = ctx.build(case, torch.float32)
        counts = ex.counts(ex.reference(case, torch.float32))
        got = student.param_count
        for convention, n in counts:
            if got == n:
                found_convention["c"] = Msg(f"parameters.convention.{convention.key}")
                return
        wanted = join(*(Msg("parameters.wanted", count=n,
                            convention=Msg(f"parameters.convention.{c.key}"))
                        for c, n in counts), sep=", ")
        listing = (", ".join(f"{p.name} {p.shape}" for p in student.params)
                   or Msg("parameters.none"))
        raise CheckFailed(Msg("parameters.count_wrong", got=got, wanted=wanted,
                              listing=listing), expected=wanted, got=str(got),
                          hint=count_hint(ex))

    ctx.run(test)
    return Msg("pass.parameters.count", convention=found_convention.get("c", ""))


def count_hint(ex: Exercise) -> Msg:
    """The exercise's own gates and counts: "Your GRUCell has 3 gates (r, z, n) ..."."""
    formulas = join(*(Msg("parameters.formula", formula=ex.count_formula(c),
                          convention=Msg(f"parameters.convention.{c.key}"))
                      for c in ex.conventions), sep=", ")
    extra = Msg(f"parameters.count.extra.{ex.count_extra}") if ex.count_extra else ""
    per_layer = Msg("parameters.count.per_layer") if ex.kind == "sequence" else ""
    return Msg("parameters.count.hint", cls=ex.class_name, n=len(ex.gate_names),
               gates=", ".join(ex.gate_names), extra=extra, per_layer=per_layer,
               formulas=formulas)


@check("parameters.registered", category="parameters", points=1,
       title="weights are registered nn.Parameters that require grad",
       hint="Wrap weights in nn.Parameter (or use nn.Linear) so that optimisers, .to() and "
            "state_dict() see them.")
def registered(ctx: Context) -> str:
    def test(case: Case) -> None:
        student = ctx.build(case, torch.float32)
        if student.unregistered:
            names = ", ".join(f"{p.name} {p.shape}" for p in student.unregistered)
            raise CheckFailed(Msg("parameters.unregistered", names=names))
        frozen = [n for n, g in student.requires_grad.items() if not g]
        if frozen:
            raise CheckFailed(Msg("parameters.frozen", names=", ".join(frozen)))
        if not student.params:
            raise CheckFailed(Msg("parameters.no_parameters"))

    ctx.run(test, max_examples=2)
    return Msg("pass.parameters.registered")


@check("parameters.used", category="parameters", points=1,
       title="every parameter influences the output",
       hint="A parameter that gets no gradient is never used in forward (a bias you forgot "
            "to add?). Remove it or use it.")
def used(ctx: Context) -> str:
    def test(case: Case) -> None:
        student = ctx.build(case, torch.float64)
        inputs = ctx.exercise.inputs(case, torch.float64)
        probe = ctx.call(student, inputs)
        outs = ctx.outputs(probe, case)
        gen = torch.Generator().manual_seed(case.seed + 1)
        gouts = [torch.randn(o.shape, generator=gen, dtype=torch.float64) for o in outs]
        result = ctx.call(student, inputs, grad_outputs=gouts)
        if result.detached:
            raise CheckFailed(Msg("parameters.detached"))
        unused = []
        for p in student.params:
            g = result.grads.get(f"param:{p.name}")
            if g is None or not bool((g != 0).any()):
                unused.append(p.name)
        if unused:
            raise CheckFailed(Msg("parameters.unused", names=", ".join(unused)))

    ctx.run(test, max_examples=max(3, ctx.config.max_examples // 3))
    return Msg("pass.parameters.used")
