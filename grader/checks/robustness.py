"""robustness: the module behaves like a function — no in-place edits of the caller's
tensors, no hidden state between calls, independent batch rows, a default state of the
right dtype."""

from __future__ import annotations

import torch

from grader.checks.base import CheckFailed, Context, check, compare
from grader.exercises import Case
from grader.i18n import Msg


@check("robustness.no_inplace", category="robustness", points=1,
       title="the caller's input and state tensors are not modified",
       hint="Operations ending in _ (mul_, add_) and slice assignment change the caller's "
            "tensors; compute new tensors instead (c_new = f * c + i * g).")
def no_inplace(ctx: Context) -> str:
    def test(case: Case) -> None:
        student = ctx.build(case, torch.float64)
        inputs = ctx.exercise.inputs(case, torch.float64)
        result = ctx.call(student, inputs, return_inputs=True)
        for name, before in inputs.items():
            after = result.after.get(name)
            if after is None or not torch.equal(after, before):
                raise CheckFailed(Msg("robustness.modified", name=name))

    ctx.run(test, max_examples=max(3, ctx.config.max_examples // 3))
    return Msg("pass.robustness.no_inplace")


@check("robustness.stateless", category="robustness", points=1,
       title="the same input gives the same output on every call (no hidden state)",
       hint="Keep no state on self between calls: the state comes in as an argument and goes "
            "out as the return value.")
def stateless(ctx: Context) -> str:
    def test(case: Case) -> None:
        student = ctx.build(case, torch.float64)
        first = ctx.exercise.inputs(case, torch.float64)
        other = ctx.exercise.inputs(Case(**{**case.__dict__, "seed": case.seed + 1}),
                                    torch.float64)
        a = ctx.outputs(ctx.call(student, first), case)
        ctx.outputs(ctx.call(student, other), case)
        b = ctx.outputs(ctx.call(student, first), case)
        for name, x, y in zip(ctx.exercise.output_names, a, b, strict=True):
            if not torch.equal(x, y):
                diff = float((x - y).abs().max()) if x.shape == y.shape else float("nan")
                raise CheckFailed(Msg("robustness.changed_between_calls", name=name,
                                      change=f"{diff:.3g}"))

    ctx.run(test, max_examples=max(3, ctx.config.max_examples // 3))
    return Msg("pass.robustness.stateless")


@check("robustness.batch_independent", category="robustness", points=1,
       title="each batch row is computed independently of the others",
       hint="Every operation should act row by row: no mean/sum over the batch dimension, no "
            "mixing of dimension 0 with the others.")
def batch_independent(ctx: Context) -> str:
    def test(case: Case) -> None:
        student = ctx.build(case, torch.float64)
        inputs = ctx.exercise.inputs(case, torch.float64)
        ctx.show(inputs)  # the batch, not the single rows sent after it
        full = ctx.outputs(ctx.call(student, inputs), case)
        # Rows sit on dim 0 for cells and for x; on dim 1 for a stack's (L, B, H) states.
        for row in range(case.batch):
            single = {k: (v[:, row:row + 1] if v.dim() == 3 and k != "x" else v[row:row + 1])
                      for k, v in inputs.items()}
            alone = ctx.outputs(ctx.call(student, single), case, batch=1)
            for name, f, a in zip(ctx.exercise.output_names, full, alone, strict=True):
                part = f[:, row:row + 1] if name in ("h_n", "c_n") else f[row:row + 1]
                compare(Msg("name.batch_row", name=name, row=row), a, part, atol=1e-10)

    ctx.run(test, ctx.cases(min_batch=2), explicit=[])
    return Msg("pass.robustness.batch_independent")


@check("robustness.default_state_dtype", category="robustness", points=1,
       title="state=None works for float64 inputs (zeros of the input's dtype)",
       hint="Create the default state with the input's dtype and device: "
            "torch.zeros(batch, hidden, dtype=x.dtype, device=x.device).")
def default_state_dtype(ctx: Context) -> str:
    def test(case: Case) -> None:
        student = ctx.build(case, torch.float64)
        explicit = ctx.exercise.inputs(case, torch.float64, zero_state=True)
        want = ctx.outputs(ctx.call(student, explicit), case)
        got = ctx.outputs(ctx.call(student, {"x": explicit["x"]}), case)
        for name, w, g in zip(ctx.exercise.output_names, want, got, strict=True):
            if g.dtype != torch.float64:
                raise CheckFailed(Msg("robustness.default_dtype", name=name, got=str(g.dtype)),
                                  expected="torch.float64", got=str(g.dtype))
            compare(Msg("name.state_none", name=name), w, g, atol=1e-12)

    ctx.run(test, max_examples=max(2, ctx.config.max_examples // 4))
    return Msg("pass.robustness.default_state_dtype")
