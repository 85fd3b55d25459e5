"""equivalence: with the reference's weights loaded, the cell computes the reference's
function exactly (float64, rtol 0, non-zero states, small and large magnitudes)."""

from __future__ import annotations

import torch

from grader.checks.base import Context, check, compare
from grader.exercises import Case


@check("equivalence.forward", category="equivalence", points=6, kinds=("lstm", "gru"),
       title="with the same weights, outputs equal the reference's",
       hint="Compare each line of your forward with the equations in the handout: the gate "
            "order, each activation, and which state goes where.")
def forward(ctx: Context) -> str:
    def test(case: Case) -> None:
        loaded = ctx.load(case)
        inputs = ctx.exercise.inputs(case, torch.float64)
        outs = ctx.outputs(ctx.call(loaded.student, inputs), case)
        want = ctx.exercise.run_reference(loaded.reference, inputs)
        for name, w, g in zip(ctx.exercise.output_names, want, outs, strict=True):
            compare(name, w, g, ctx.config.atol)

    ctx.run(test)
    return (f"matches the reference in float64 to {ctx.config.atol:g} "
            f"({ctx.notes.get('layout', 'declared layout')})")
