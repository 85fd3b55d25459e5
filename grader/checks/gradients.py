"""gradients: backpropagation through the cell is right, complete and consistent."""

from __future__ import annotations

import torch
from torch import Tensor

from grader.checks.base import CheckFailed, Context, check, compare
from grader.exercises import Case


def reference_grads(ctx: Context, ref: torch.nn.Module, inputs: dict[str, Tensor],
                    gouts: list[Tensor]) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """Gradients of sum(out * gout) for the reference: (by input name, by parameter name)."""
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in inputs.items()}
    outs = ctx.exercise.run_reference(ref, leaves)
    loss = torch.stack([(o * g).sum() for o, g in zip(outs, gouts, strict=True)]).sum()
    params = dict(ref.named_parameters())
    grads = torch.autograd.grad(loss, [*leaves.values(), *params.values()])
    n = len(leaves)
    return (dict(zip(leaves, grads[:n], strict=True)),
            dict(zip(params, grads[n:], strict=True)))


def random_like(outs: list[Tensor], seed: int) -> list[Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(o.shape, generator=gen, dtype=torch.float64) for o in outs]


def gradients_equal_reference(ctx: Context, case: Case, gout_seed: int,
                              first_step: bool = False) -> None:
    """With the reference's weights loaded, every input and parameter gradient of
    sum(outputs · random) equals the reference's (``first_step``: x[:, 0] checked first)."""
    loaded = ctx.load(case)
    inputs = ctx.exercise.inputs(case, torch.float64)
    want_outs = ctx.exercise.run_reference(loaded.reference, inputs)
    gouts = random_like(want_outs, gout_seed)
    result = ctx.call(loaded.student, inputs, requires_grad=tuple(inputs), grad_outputs=gouts)
    ctx.outputs(result, case)
    if result.detached:
        raise CheckFailed("the outputs do not require grad: they are detached from the "
                          "inputs and parameters")
    want_in, want_params = reference_grads(ctx, loaded.reference, inputs, gouts)
    for name in inputs:
        got = result.grads.get(name)
        if got is None:
            raise CheckFailed(f"no gradient reaches {name}: the output does not depend on it "
                              f"through autograd")
        if first_step and name == "x":
            compare("gradient with respect to x at the first time step", want_in["x"][:, 0],
                    got[:, 0], 1e-8)
        compare(f"gradient with respect to {name}", want_in[name], got, 1e-8)
    for pname, want in loaded.layout.expected_grads(want_params).items():
        got = result.grads.get(f"param:{pname}")
        if got is None:
            raise CheckFailed(f"no gradient reaches parameter {pname}")
        compare(f"gradient with respect to parameter {pname}", want, got, 1e-8)


@check("gradients.match", category="gradients", points=4, kinds=("lstm", "gru"),
       title="gradients with respect to x, the state and every parameter equal the reference's",
       hint="If the forward pass is right but gradients differ, look for .detach(), "
            "torch.no_grad(), .data, or a hand-written backward.")
def match(ctx: Context) -> str:
    ctx.run(lambda case: gradients_equal_reference(ctx, case, gout_seed=case.seed + 7))
    return "gradients match the reference for inputs, states and parameters"


@check("gradients.attached", category="gradients", points=1,
       title="outputs stay attached to the graph and every gradient is finite",
       hint="Do not call .detach() or .item() on anything the output is computed from, and "
            "do not wrap the computation in torch.no_grad().")
def attached(ctx: Context) -> str:
    def test(case: Case) -> None:
        student = ctx.build(case, torch.float64)
        inputs = ctx.exercise.inputs(case, torch.float64)
        outs = ctx.outputs(ctx.call(student, inputs), case)
        gouts = random_like(outs, case.seed + 3)
        result = ctx.call(student, inputs, requires_grad=tuple(inputs), grad_outputs=gouts)
        for name, flag in zip(ctx.exercise.output_names, result.out_requires_grad, strict=False):
            if not flag:
                raise CheckFailed(f"{name} does not require grad although the inputs and "
                                  f"parameters do: it was detached from the graph")
        for name in inputs:
            g = result.grads.get(name)
            if g is None:
                raise CheckFailed(f"no gradient flows back to {name}")
            if not torch.isfinite(g).all():
                raise CheckFailed(f"the gradient with respect to {name} has NaN or inf")
        for key, g in result.grads.items():
            if key.startswith("param:") and not torch.isfinite(g).all():
                raise CheckFailed(f"the gradient of {key[6:]} has NaN or inf")

    ctx.run(test)
    return "outputs are attached and all gradients are finite"


@check("gradients.finite_differences", category="gradients", points=2,
       title="the backward pass agrees with finite differences of the forward pass",
       hint="A custom autograd.Function needs a backward that is the exact derivative of its "
            "forward; check each factor of the chain rule.")
def finite_differences(ctx: Context) -> str:
    eps = 1e-6

    def test(case: Case) -> None:
        student = ctx.build(case, torch.float64)
        inputs = ctx.exercise.inputs(case, torch.float64)
        outs = ctx.outputs(ctx.call(student, inputs), case)
        gouts = random_like(outs, case.seed + 11)
        result = ctx.call(student, inputs, requires_grad=tuple(inputs), grad_outputs=gouts)
        gen = torch.Generator().manual_seed(case.seed + 13)
        direction = {k: torch.randn(v.shape, generator=gen, dtype=torch.float64)
                     for k, v in inputs.items()}
        analytic = 0.0
        for k in inputs:
            g = result.grads.get(k)
            if g is None:
                raise CheckFailed(f"no gradient flows back to {k}")
            analytic += float((g * direction[k]).sum())
        plus = {k: v + eps * direction[k] for k, v in inputs.items()}
        minus = {k: v - eps * direction[k] for k, v in inputs.items()}
        f_plus = ctx.outputs(ctx.call(student, plus), case)
        f_minus = ctx.outputs(ctx.call(student, minus), case)
        numeric = sum(float(((a - b) * g).sum()) for a, b, g in
                      zip(f_plus, f_minus, gouts, strict=True)) / (2 * eps)
        if abs(numeric - analytic) > 1e-5 + 1e-4 * abs(numeric):
            raise CheckFailed(
                "the directional derivative from your backward pass differs from finite "
                "differences of your forward pass",
                expected=f"{numeric:.8g} (finite differences)",
                got=f"{analytic:.8g} (your gradients)")

    ctx.run(test, max_examples=max(4, ctx.config.max_examples // 2))
    return "backward agrees with finite differences of forward (float64)"
