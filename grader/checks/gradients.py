"""gradients: backpropagation through the cell is right, complete and consistent."""

from __future__ import annotations

import torch
from torch import Tensor

from grader.checks.base import CheckFailed, Context, check, compare
from grader.exercises import Case
from grader.i18n import Msg


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
        raise CheckFailed(Msg("gradients.detached"))
    want_in, want_params = reference_grads(ctx, loaded.reference, inputs, gouts)
    for name in inputs:
        got = result.grads.get(name)
        if got is None:
            raise CheckFailed(Msg("gradients.input_unreached", name=name))
        if first_step and name == "x":
            compare(Msg("name.grad_x_first_step"), want_in["x"][:, 0], got[:, 0], 1e-8)
        compare(Msg("name.grad", name=name), want_in[name], got, 1e-8)
    for pname, want in loaded.layout.expected_grads(want_params).items():
        got = result.grads.get(f"param:{pname}")
        if got is None:
            raise CheckFailed(Msg("gradients.param_unreached", name=pname))
        compare(Msg("name.grad_param", name=pname), want, got, 1e-8)


@check("gradients.match", category="gradients", points=4, kinds=("lstm", "gru"),
       title="gradients with respect to x, the state and every parameter equal the reference's",
       hint="If the forward pass is right but gradients differ, look for .detach(), "
            "torch.no_grad(), .data, or a hand-written backward.")
def match(ctx: Context) -> str:
    ctx.run(lambda case: gradients_equal_reference(ctx, case, gout_seed=case.seed + 7))
    return Msg("pass.gradients.match")


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
                raise CheckFailed(Msg("gradients.output_detached", name=name))
        for name in inputs:
            g = result.grads.get(name)
            if g is None:
                raise CheckFailed(Msg("gradients.no_flow", name=name))
            if not torch.isfinite(g).all():
                raise CheckFailed(Msg("gradients.nonfinite", name=name))
        for key, g in result.grads.items():
            if key.startswith("param:") and not torch.isfinite(g).all():
                raise CheckFailed(Msg("gradients.param_nonfinite", name=key[6:]))

    ctx.run(test)
    return Msg("pass.gradients.attached")


@check("gradients.finite_differences", category="gradients", points=2,
       title="the backward pass agrees with finite differences of the forward pass",
       hint="A custom autograd.Function needs a backward that is the exact derivative of its "
            "forward; check each factor of the chain rule.")
def finite_differences(ctx: Context) -> str:
    eps = 1e-6

    def test(case: Case) -> None:
        student = ctx.build(case, torch.float64)
        inputs = ctx.exercise.inputs(case, torch.float64)
        ctx.show(inputs)  # not the x ± ε·d probes below
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
                raise CheckFailed(Msg("gradients.no_flow", name=k))
            analytic += float((g * direction[k]).sum())
        plus = {k: v + eps * direction[k] for k, v in inputs.items()}
        minus = {k: v - eps * direction[k] for k, v in inputs.items()}
        f_plus = ctx.outputs(ctx.call(student, plus), case)
        f_minus = ctx.outputs(ctx.call(student, minus), case)
        numeric = sum(float(((a - b) * g).sum()) for a, b, g in
                      zip(f_plus, f_minus, gouts, strict=True)) / (2 * eps)
        if abs(numeric - analytic) > 1e-5 + 1e-4 * abs(numeric):
            raise CheckFailed(Msg("gradients.fd_mismatch"),
                              expected=Msg("gradients.fd_value", value=f"{numeric:.8g}"),
                              got=Msg("gradients.your_value", value=f"{analytic:.8g}"))

    ctx.run(test, max_examples=max(4, ctx.config.max_examples // 2))
    return Msg("pass.gradients.finite_differences")
