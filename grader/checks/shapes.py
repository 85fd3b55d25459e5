"""shapes: what forward returns — structure, sizes, dtypes, unbatched input, default state."""

from __future__ import annotations

import torch
from hypothesis import strategies as st

from grader.checks.base import CheckFailed, Context, check, compare
from grader.exercises import Case
from grader.i18n import Msg


@check("shapes.structure", category="shapes", points=1,
       title="forward returns the structure of the contract",
       hint="Return a tuple, e.g. `return h_new, c_new`, not a stacked tensor.")
def structure(ctx: Context) -> str:
    def test(case: Case) -> None:
        student = ctx.build(case, torch.float32)
        ctx.outputs(ctx.call(student, ctx.exercise.inputs(case, torch.float32)), case)

    ctx.run(test)
    return Msg("pass.shapes.structure", returns=ctx.exercise.signature.split("-> ")[-1])


@check("shapes.sizes", category="shapes", points=1,
       title="output shapes follow the batch, sequence and hidden sizes",
       hint="Check which dimension is the batch and which the hidden size.")
def sizes(ctx: Context) -> str:
    def test(case: Case) -> None:
        student = ctx.build(case, torch.float32)
        ctx.outputs(ctx.call(student, ctx.exercise.inputs(case, torch.float32)), case)

    ctx.run(test, ctx.cases(min_batch=1))
    return Msg("pass.shapes.sizes")


@check("shapes.dtype", category="shapes", points=1,
       title="float32 stays float32 and float64 stays float64",
       hint="Do not cast inputs (no .float()); create new tensors with the input's dtype.")
def dtype(ctx: Context) -> str:
    dtypes = st.sampled_from([torch.float64, torch.float32])

    @st.composite
    def cases(d: st.DrawFn) -> tuple[Case, torch.dtype]:
        return d(ctx.cases()), d(dtypes)

    def test(arg: tuple[Case, torch.dtype]) -> None:
        case, dt = arg
        student = ctx.build(case, dt)
        outs = ctx.outputs(ctx.call(student, ctx.exercise.inputs(case, dt)), case)
        for name, out in zip(ctx.exercise.output_names, outs, strict=True):
            if out.dtype != dt:
                raise CheckFailed(Msg("dtype.changed", dtype=str(dt), name=name,
                                      got=str(out.dtype)), expected=str(dt), got=str(out.dtype))

    explicit = [(c, torch.float64) for c in ctx.tricky_cases()]
    ctx.run(test, cases(), explicit=explicit)  # type: ignore[arg-type]
    return Msg("pass.shapes.dtype")


@check("shapes.unbatched", category="shapes", points=1, kinds=("lstm", "gru"),
       title="a 1-D input (no batch dimension) works, like nn.LSTMCell",
       hint="For x of shape (input_size,), add a batch dimension of 1 and remove it at the "
            "end (unsqueeze(0) / squeeze(0)).")
def unbatched(ctx: Context) -> str:
    def test(case: Case) -> None:
        student = ctx.build(case, torch.float64)
        batched = ctx.exercise.inputs(case, torch.float64, batch=1)
        single = {k: v[0] for k, v in batched.items()}
        outs = ctx.outputs(ctx.call(student, single), case, batch=1, unbatched=True)
        rows = ctx.outputs(ctx.call(student, batched), case, batch=1)
        for name, a, b in zip(ctx.exercise.output_names, outs, rows, strict=True):
            compare(Msg("name.unbatched", name=name), b[0], a, atol=1e-12)

    ctx.run(test)
    return Msg("pass.shapes.unbatched")


@check("shapes.zero_state", category="shapes", points=1,
       title="state=None means a zero initial state",
       hint="When no state is given, start from zeros of shape (batch, hidden) "
            "(and (num_layers, batch, hidden) for the LSTM).")
def zero_state(ctx: Context) -> str:
    def test(case: Case) -> None:
        student = ctx.build(case, torch.float32)
        explicit = ctx.exercise.inputs(case, torch.float32, zero_state=True)
        implicit = {"x": explicit["x"]}
        want = ctx.outputs(ctx.call(student, explicit), case)
        got = ctx.outputs(ctx.call(student, implicit), case)
        for name, a, b in zip(ctx.exercise.output_names, want, got, strict=True):
            compare(Msg("name.state_none_vs_zero", name=name), a, b, atol=1e-6)

    ctx.run(test)
    return Msg("pass.shapes.zero_state")
