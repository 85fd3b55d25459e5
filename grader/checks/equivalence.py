"""equivalence: with the reference's weights loaded, the cell computes the reference's
function exactly (float64, rtol 0, non-zero states, small and large magnitudes)."""

from __future__ import annotations

import torch

from grader.checks.base import CheckFailed, Context, check, compare
from grader.exercises import Case
from grader.i18n import Msg


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
    return Msg("pass.equivalence.forward", atol=f"{ctx.config.atol:g}",
               layout=ctx.notes.get("layout") or Msg("layout.declared"))


@check("equivalence.pytorch_layout", category="equivalence", points=2,
       kinds=("lstm", "gru", "sequence"),
       enabled=lambda config: config.require_pytorch_layout,
       title="parameters are laid out exactly as PyTorch's (names, shapes, gate order)",
       hint="Name and shape the parameters as nn.LSTMCell does (weight_ih (4H, I), weight_hh "
            "(4H, H), bias_ih, bias_hh; gates stacked i, f, g, o), so that state_dict() "
            "loads into nn.LSTM.")
def pytorch_layout(ctx: Context) -> str:
    def pytorch_names(ref_name: str, theirs: set[str]) -> str:
        """The student-side name of a reference parameter in PyTorch's layout."""
        if ctx.exercise.kind != "sequence":
            return ref_name
        k, leaf = ref_name.split(".")[1], ref_name.split(".")[-1]
        handout = f"cells.{k}.{leaf}"  # the handout's ModuleList of cells
        return handout if handout in theirs else f"{leaf}_l{k}"  # nn.LSTM's own names

    def test(case: Case) -> None:
        student = ctx.build(case, torch.float64)
        ref = ctx.exercise.reference(case, torch.float64)
        theirs = {p.name: p.shape for p in student.params}
        wanted = {pytorch_names(n, set(theirs)): tuple(p.shape)
                  for n, p in ref.named_parameters()}
        if theirs != wanted:
            raise CheckFailed(Msg("layout.not_pytorch", theirs=str(sorted(theirs.items())),
                                  wanted=str(sorted(wanted.items()))))
        ctx.client.set_params(student, {pytorch_names(n, set(theirs)): v.detach()
                                        for n, v in ref.named_parameters()})
        inputs = ctx.exercise.inputs(case, torch.float64)
        outs = ctx.outputs(ctx.call(student, inputs), case)
        for name, w, g in zip(ctx.exercise.output_names,
                              ctx.exercise.run_reference(ref, inputs), outs, strict=True):
            compare(Msg("name.pytorch_weights", name=name), w, g, ctx.config.atol,
                    hint=Msg("layout.pytorch_order.hint"))

    ctx.run(test, max_examples=max(3, ctx.config.max_examples // 3))
    return Msg("pass.equivalence.pytorch_layout")
