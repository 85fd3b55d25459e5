"""parameters: how many there are, that they are registered, and that each one is used."""

from __future__ import annotations

import torch

from grader.checks.base import CheckFailed, Context, check
from grader.exercises import Case


@check("parameters.count", category="parameters", points=2,
       title="the number of parameters is the textbook one",
       hint="An LSTM cell has 4 gates, each with an input matrix (H×I), a recurrent matrix "
            "(H×H) and a bias: 4H(I+H) + 4H, or + 8H with nn.LSTM's two biases.")
def count(ctx: Context) -> str:
    found_convention: dict[str, str] = {}

    def test(case: Case) -> None:
        student = ctx.build(case, torch.float32)
        ref = ctx.exercise.reference(case, torch.float32)
        two = sum(p.numel() for p in ref.parameters())
        one = ctx.exercise.one_bias_count(ref)
        got = student.param_count
        if got == two:
            found_convention["c"] = "two biases, as nn.LSTM" if one is not None else "as PyTorch"
            return
        if one is not None and got == one:
            found_convention["c"] = "one bias per gate"
            return
        wanted = f"{two} (two biases)" + (f" or {one} (one bias)" if one is not None else "")
        listing = ", ".join(f"{p.name} {p.shape}" for p in student.params) or "none"
        raise CheckFailed(f"your module has {got} parameters; expected {wanted}. Found: "
                          f"{listing}", expected=wanted, got=str(got))

    ctx.run(test)
    return f"parameter count is right ({found_convention.get('c', '')})"


@check("parameters.registered", category="parameters", points=1,
       title="weights are registered nn.Parameters that require grad",
       hint="Wrap weights in nn.Parameter (or use nn.Linear) so that optimisers, .to() and "
            "state_dict() see them.")
def registered(ctx: Context) -> str:
    def test(case: Case) -> None:
        student = ctx.build(case, torch.float32)
        if student.unregistered:
            names = ", ".join(f"{p.name} {p.shape}" for p in student.unregistered)
            raise CheckFailed(f"these tensors are attributes of your module but not "
                              f"registered parameters: {names}")
        frozen = [n for n, g in student.requires_grad.items() if not g]
        if frozen:
            raise CheckFailed(f"these parameters do not require grad: {', '.join(frozen)}")
        if not student.params:
            raise CheckFailed("your module has no parameters at all")

    ctx.run(test, max_examples=2)
    return "all weights are registered parameters"


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
            raise CheckFailed("the outputs are detached from the parameters (no gradient "
                              "flows at all)")
        unused = []
        for p in student.params:
            g = result.grads.get(f"param:{p.name}")
            if g is None or not bool((g != 0).any()):
                unused.append(p.name)
        if unused:
            raise CheckFailed(f"these parameters receive no gradient, so they do not affect "
                              f"the output: {', '.join(unused)}")

    ctx.run(test, max_examples=max(3, ctx.config.max_examples // 3))
    return "every parameter receives a non-zero gradient"
