"""sequence: the multi-layer LSTM over time equals nn.LSTM(batch_first=True) with the same
weights — outputs, final states, default state, and gradients through time."""

from __future__ import annotations

import torch

from grader.checks.base import Context, check, compare
from grader.checks.gradients import gradients_equal_reference
from grader.exercises import Case
from grader.i18n import Msg


def _seq_cases(ctx: Context):  # type: ignore[no-untyped-def]
    # seq_len == batch would hide batch_first mix-ups.
    return ctx.cases().filter(lambda c: c.seq_len != c.batch)


@check("sequence.outputs", category="sequence", points=4, kinds=("sequence",),
       title="outputs over the sequence equal nn.LSTM's (1–3 layers, given initial state)",
       hint="For each time step, feed layer k's new h to layer k+1 as its input, carry every "
            "layer's (h, c) to the next step, and collect the top layer's h.")
def outputs(ctx: Context) -> str:
    def test(case: Case) -> None:
        loaded = ctx.load(case)
        inputs = ctx.exercise.inputs(case, torch.float64)
        got = ctx.outputs(ctx.call(loaded.student, inputs), case)
        want = ctx.exercise.run_reference(loaded.reference, inputs)
        compare("outputs", want[0], got[0], ctx.config.atol)

    ctx.run(test, _seq_cases(ctx))
    return Msg("pass.sequence.outputs")


@check("sequence.final_state", category="sequence", points=2, kinds=("sequence",),
       title="h_n and c_n are every layer's state after the last step",
       hint="h_n[k] and c_n[k] are layer k's state after the last time step.")
def final_state(ctx: Context) -> str:
    def test(case: Case) -> None:
        loaded = ctx.load(case)
        inputs = ctx.exercise.inputs(case, torch.float64)
        got = ctx.outputs(ctx.call(loaded.student, inputs), case)
        want = ctx.exercise.run_reference(loaded.reference, inputs)
        compare("h_n", want[1], got[1], ctx.config.atol)
        compare("c_n", want[2], got[2], ctx.config.atol)

    ctx.run(test, _seq_cases(ctx))
    return Msg("pass.sequence.final_state")


@check("sequence.zero_initial_state", category="sequence", points=1, kinds=("sequence",),
       title="without an initial state, the sequence starts from zeros",
       hint="state=None means h_0 = c_0 = 0 for every layer.")
def zero_initial_state(ctx: Context) -> str:
    def test(case: Case) -> None:
        loaded = ctx.load(case, torch.float32)
        inputs = {"x": ctx.exercise.inputs(case, torch.float32)["x"]}
        got = ctx.outputs(ctx.call(loaded.student, inputs), case)
        want = ctx.exercise.run_reference(loaded.reference, inputs)
        for name, w, g in zip(ctx.exercise.output_names, want, got, strict=True):
            compare(Msg("name.state_none_seq", name=name), w, g, atol=1e-5)

    ctx.run(test, _seq_cases(ctx))
    return Msg("pass.sequence.zero_initial_state")


@check("sequence.bptt", category="sequence", points=2, kinds=("sequence",),
       title="gradients flow through time to the first step and the initial state",
       hint="Backpropagation through time needs the whole chain: no .detach() between "
            "steps, and the initial state must be used.")
def bptt(ctx: Context) -> str:
    def test(case: Case) -> None:
        gradients_equal_reference(ctx, case, gout_seed=case.seed + 5, first_step=True)

    ctx.run(test, _seq_cases(ctx))
    return Msg("pass.sequence.bptt")
