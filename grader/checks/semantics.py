"""semantics: the lesson's meaning of each gate, checked from outside (no layout needed).

For a standard LSTM cell, whatever the parameters:
- c' is affine in c_prev with an elementwise slope f in (0, 1) that does not depend on
  c_prev (the forget gate), and ∂c'/∂c_prev is that diagonal (the direct gradient path);
- h' = o ⊙ tanh(c') with o in (0, 1) independent of c_prev (the output gate), so |h'| < 1;
- the update c' − f ⊙ c_prev = i ⊙ g lies in (−1, 1);
- logit(f) and logit(o) are affine in (x, h);
- with the reference's weights transplanted and the biases pushed to the extremes: forget ≈ 1
  and input ≈ 0 keep the memory, output ≈ 0 silences h, forget ≈ 0 erases the memory.
Each failure names the gate and what was seen.
"""

from __future__ import annotations

import torch
from torch import Tensor

from grader.checks.base import CheckFailed, Context, check, fmt
from grader.client import StudentModel
from grader.exercises import Case, Kind
from grader.i18n import Msg

_KIND: tuple[Kind, ...] = ("lstm",)


def _random_params(ctx: Context, student: StudentModel, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    ctx.client.set_params(student, {p.name: torch.randn(p.shape, generator=gen,
                                                        dtype=torch.float64) * 0.5
                                    for p in student.params})


def _step(ctx: Context, student: StudentModel, case: Case, x: Tensor, h: Tensor, c: Tensor
          ) -> tuple[Tensor, Tensor]:
    out = ctx.outputs(ctx.call(student, {"x": x, "h": h, "c": c}), case)
    for name, value in zip(("h'", "c'"), out, strict=True):
        if not bool(torch.isfinite(value).all()):
            raise CheckFailed(Msg("nonfinite", name=name))
    return out[0], out[1]


def _setup(ctx: Context, case: Case) -> tuple[StudentModel, Tensor, Tensor, Tensor, Tensor]:
    """A student module with random parameters, the drawn (x, h, c) and a step for c.

    The drawn input is what a failure shows (``Context.show``), never the probes around it."""
    student = ctx.build(case, torch.float64)
    _random_params(ctx, student, case.seed + 21)
    inputs = ctx.exercise.inputs(case, torch.float64)
    ctx.show(inputs)
    gen = torch.Generator().manual_seed(case.seed + 22)
    delta = (torch.rand(inputs["c"].shape, generator=gen, dtype=torch.float64) + 0.5)
    delta = delta * torch.where(torch.rand(delta.shape, generator=gen) < 0.5, -1.0, 1.0)
    return student, inputs["x"], inputs["h"], inputs["c"], delta


def _forget_slope(ctx: Context, student: StudentModel, case: Case, x: Tensor, h: Tensor,
                  c: Tensor, delta: Tensor) -> tuple[Tensor, Tensor]:
    """(f, c'(c)) from two calls: the slope of c' along c_prev, element by element."""
    _, c1 = _step(ctx, student, case, x, h, c)
    _, c2 = _step(ctx, student, case, x, h, c + delta)
    return (c2 - c1) / delta, c1


@check("semantics.forget_gate", category="semantics", points=2, kinds=_KIND,
       title="forget gate: c' = f ⊙ c_prev + (update), with f in (0, 1) not depending on c_prev",
       hint="The memory update is C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t: the previous cell state "
            "enters once, multiplied by the forget gate, and nowhere else (not in the gates, "
            "not through W_hh).")
def forget_gate(ctx: Context) -> str:
    def test(case: Case) -> None:
        student, x, h, c, delta = _setup(ctx, case)
        f, c1 = _forget_slope(ctx, student, case, x, h, c, delta)
        _, c3 = _step(ctx, student, case, x, h, c - 0.7 * delta)
        predicted = c1 - 0.7 * delta * f
        gap = float((predicted - c3).abs().max())
        if gap > 1e-8:
            raise CheckFailed(Msg("semantics.forget_not_affine"),
                              expected=Msg("semantics.straight_line"),
                              got=Msg("semantics.deviation", gap=fmt(gap)))
        if not bool(((f > 0) & (f < 1)).all()):
            worst = float(f[(f <= 0) | (f >= 1)][0])
            raise CheckFailed(Msg("semantics.forget_out_of_range", value=fmt(worst)),
                              expected="0 < f < 1", got=fmt(worst))
        gen = torch.Generator().manual_seed(case.seed + 23)
        gout = torch.randn(c.shape, generator=gen, dtype=torch.float64)
        inputs = {"x": x, "h": h, "c": c}
        result = ctx.call(student, inputs, requires_grad=("c",),
                          grad_outputs=[torch.zeros_like(c), gout])
        grad_c = result.grads.get("c")
        if grad_c is None or float((grad_c - f * gout).abs().max()) > 1e-8:
            raise CheckFailed(Msg("semantics.forget_not_diagonal"))

    ctx.run(test, max_examples=max(4, ctx.config.max_examples // 2))
    return Msg("pass.semantics.forget_gate")


@check("semantics.output_gate", category="semantics", points=2, kinds=_KIND,
       title="output gate: h' = o ⊙ tanh(c') with o in (0, 1) not depending on c_prev",
       hint="The hidden state is h_t = o_t ⊙ tanh(C_t): tanh of the *new* cell state, scaled "
            "by a sigmoid gate computed from x and h only.")
def output_gate(ctx: Context) -> str:
    def test(case: Case) -> None:
        student, x, h, c, delta = _setup(ctx, case)
        ctx.show({"x": x, "h": h, "c": 3 * c.sign() + c})
        h1, c1 = _step(ctx, student, case, x, h, 3 * c.sign() + c)
        h2, c2 = _step(ctx, student, case, x, h, 3 * c.sign() + c + delta)
        if float(h1.abs().max()) >= 1:
            raise CheckFailed(Msg("semantics.h_unbounded", value=fmt(float(h1.abs().max()))),
                              expected="|h'| < 1", got=fmt(float(h1.abs().max())))
        mask = (torch.tanh(c1).abs() > 0.05) & (torch.tanh(c2).abs() > 0.05)
        o1 = (h1 / torch.tanh(c1))[mask]
        o2 = (h2 / torch.tanh(c2))[mask]
        if o1.numel() == 0:
            return
        if not bool(((o1 > 0) & (o1 < 1)).all()):
            bad = float(o1[(o1 <= 0) | (o1 >= 1)][0])
            raise CheckFailed(Msg("semantics.output_out_of_range", value=fmt(bad)),
                              expected="0 < o < 1", got=fmt(bad))
        gap = float((o1 - o2).abs().max())
        if gap > 1e-8:
            raise CheckFailed(Msg("semantics.output_depends_on_c"),
                              expected=Msg("semantics.same_o"),
                              got=Msg("semantics.change_of", value=fmt(gap)))

    ctx.run(test, max_examples=max(4, ctx.config.max_examples // 2))
    return Msg("pass.semantics.output_gate")


@check("semantics.update_term", category="semantics", points=1, kinds=_KIND,
       title="the update i ⊙ g = c' − f ⊙ c_prev lies in (−1, 1)",
       hint="The candidate C̃_t uses tanh (values in (−1, 1)) and the input gate a sigmoid.")
def update_term(ctx: Context) -> str:
    def test(case: Case) -> None:
        student, x, h, c, delta = _setup(ctx, case)
        f, c1 = _forget_slope(ctx, student, case, x, h, c, delta)
        update = c1 - f * c
        worst = float(update.abs().max())
        if worst >= 1:
            raise CheckFailed(Msg("semantics.update_out_of_range", value=fmt(worst)),
                              expected="|i ⊙ g| < 1", got=fmt(worst))

    ctx.run(test, ctx.cases().map(lambda c: Case(**{**c.__dict__, "scale": 3.0})),
            max_examples=max(4, ctx.config.max_examples // 2))
    return Msg("pass.semantics.update_term")


@check("semantics.gate_logits", category="semantics", points=1, kinds=_KIND,
       title="logit(f) and logit(o) are affine in (x, h)",
       hint="Each gate is σ(W · [h_{t-1}, x_t] + b): one affine map of x and h, then sigmoid.")
def gate_logits(ctx: Context) -> str:
    def gates(student: StudentModel, case: Case, x: Tensor, h: Tensor, c: Tensor,
              delta: Tensor) -> tuple[Tensor, Tensor]:
        f, _ = _forget_slope(ctx, student, case, x, h, c, delta)
        h1, c1 = _step(ctx, student, case, x, h, c)
        o = h1 / torch.tanh(c1)
        return torch.logit(f.clamp(1e-12, 1 - 1e-12)), torch.logit(o.clamp(1e-12, 1 - 1e-12))

    def test(case: Case) -> None:
        student, x, h, c, delta = _setup(ctx, case)
        c = 3 * c.sign() + c
        ctx.show({"x": x, "h": h, "c": c})
        x2, h2 = x.flip(0) * 0.5, h.flip(0) * 0.5
        zero_x, zero_h = torch.zeros_like(x), torch.zeros_like(h)
        a = gates(student, case, x * 0.5, h * 0.5, c, delta)
        b = gates(student, case, x2, h2, c, delta)
        s = gates(student, case, x * 0.5 + x2, h * 0.5 + h2, c, delta)
        z = gates(student, case, zero_x, zero_h, c, delta)
        for name, k in (("forget", 0), ("output", 1)):
            gap = float((a[k] + b[k] - s[k] - z[k]).abs().max())
            if gap > 1e-6:
                raise CheckFailed(Msg("semantics.logit_not_affine", gate=Msg(f"gate.{name}"),
                                      gap=fmt(gap)), expected="0", got=fmt(gap))

    ctx.run(test, ctx.cases(min_batch=2), max_examples=max(3, ctx.config.max_examples // 3))
    return Msg("pass.semantics.gate_logits")


@check("semantics.gate_control", category="semantics", points=2, kinds=_KIND,
       title="forget≈1, input≈0 keeps the memory; output≈0 silences h; forget≈0 erases it",
       hint="Check which pre-activation each gate uses: with the reference's weights in your "
            "parameters, pushing one gate's bias to an extreme must open or close that gate.")
def gate_control(ctx: Context) -> str:
    def with_biases(case: Case, biases: dict[str, float]) -> StudentModel:
        loaded = ctx.load(case)
        ref = loaded.reference
        h = case.hidden_size
        with torch.no_grad():
            for p in ref.parameters():
                p.mul_(0.2)
            for gate, value in biases.items():
                k = "ifgo".index(gate)
                ref.get_parameter("bias_ih")[k * h:(k + 1) * h] = value
                ref.get_parameter("bias_hh")[k * h:(k + 1) * h] = 0.0
        ctx.set_weights(loaded.student, loaded.layout, ref)
        return loaded.student

    def test(case: Case) -> None:
        inputs = ctx.exercise.inputs(case, torch.float64)
        ctx.show(inputs)
        x, h, c = inputs["x"], inputs["h"], inputs["c"]
        keep = with_biases(case, {"f": 40.0, "i": -40.0})
        _, c1 = _step(ctx, keep, case, x, h, c)
        if float((c1 - c).abs().max()) > 1e-9:
            raise CheckFailed(Msg("semantics.memory_not_kept"), expected="c' = c_prev",
                              got=Msg("semantics.change_of",
                                      value=fmt(float((c1 - c).abs().max()))))
        mute = with_biases(case, {"o": -40.0})
        h1, _ = _step(ctx, mute, case, x, h, c)
        if float(h1.abs().max()) > 1e-9:
            raise CheckFailed(Msg("semantics.output_not_silenced"),
                              expected="h' = 0", got=fmt(float(h1.abs().max())))
        erase = with_biases(case, {"f": -40.0})
        _, ca = _step(ctx, erase, case, x, h, c)
        _, cb = _step(ctx, erase, case, x, h, -c)
        if float((ca - cb).abs().max()) > 1e-9:
            raise CheckFailed(Msg("semantics.memory_not_erased"))

    ctx.run(test, max_examples=max(3, ctx.config.max_examples // 3))
    return Msg("pass.semantics.gate_control")

