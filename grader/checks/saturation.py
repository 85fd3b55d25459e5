"""robustness.saturation: the gates' pre-activations driven far into saturation.

The equivalence checks draw inputs and states of magnitude 0.25–3, where every way of writing
σ and tanh agrees. Here the inputs and the state are scaled up by orders of magnitude (10² to
10⁴, in float32 and in float64), so that the pre-activations reach the hundreds or thousands:
``torch.sigmoid``, ``torch.tanh`` and the stable hand-written 1/(1 + exp(−z)) return the
saturated values (0, 1, ±1), while a hand-written e^z/(1 + e^z) or
(e^z − e^−z)/(e^z + e^−z) overflows (exp(z) is inf once z passes about 89 in float32 and 710
in float64) and returns inf/inf = NaN. The outputs must be finite and equal the reference's.

Outputs scale with the inputs (c' = f ⊙ c + …, the GRU's z ⊙ h), and a pre-activation that
lands near zero by cancellation carries the rounding of thousands-sized terms, so the
tolerance is relative to the scale: loose enough for float32's rounding, far tighter than any
overflow or wrong value.
"""

from __future__ import annotations

from dataclasses import replace

import torch
from hypothesis import strategies as st

from grader.checks.base import CheckFailed, Context, check, compare, fmt
from grader.exercises import Case
from grader.i18n import Msg

SCALES = (1e3, 1e2, 1e4)
DTYPES = (torch.float32, torch.float64)
# Tolerance per unit of scale: float32 rounds a sum of 10⁴-sized terms to about 1e-3.
RELATIVE_TOL = {torch.float32: 1e-3, torch.float64: 1e-10}


@check("robustness.saturation", category="robustness", points=2,
       title="large pre-activations give the saturated values (no overflow)",
       hint="Use torch.sigmoid and torch.tanh, or the stable form σ(z) = 1/(1 + exp(−z)) "
            "(tanh(z) = 2σ(2z) − 1): exp of a large number is inf, and e^z/(1 + e^z) or "
            "(e^z − e^−z)/(e^z + e^−z) then gives inf/inf = NaN.")
def saturation(ctx: Context) -> str:
    ex = ctx.exercise

    def test(drawn: tuple[Case, torch.dtype]) -> None:
        case, dtype = drawn
        loaded = ctx.load(case, dtype)
        inputs = ex.inputs(case, dtype)
        outs = ctx.outputs(ctx.call(loaded.student, inputs), case)
        # The reference in float64 on the same (rounded) weights and inputs: only the
        # student's rounding is measured.
        with torch.no_grad():
            want = ex.run_reference(loaded.reference.double(),
                                    {k: v.double() for k, v in inputs.items()})
        tol = RELATIVE_TOL[dtype] * case.scale
        for name, w, g in zip(ex.output_names, want, outs, strict=True):
            bad = ~torch.isfinite(g)
            if bool(bad.any()):
                index = tuple(int(i) for i in bad.nonzero()[0])
                raise CheckFailed(
                    Msg("saturation.overflow", name=name, scale=f"{case.scale:g}",
                        dtype=str(dtype).removeprefix("torch."), value=fmt(float(g[index])),
                        index=index, expected=fmt(float(w[index]))),
                    expected=fmt(float(w[index])), got=fmt(float(g[index])))
            try:
                compare(name, w, g, tol)
            except CheckFailed as failed:
                failed.append(Msg("saturation.scaled", scale=f"{case.scale:g}",
                                  dtype=str(dtype).removeprefix("torch.")))
                raise

    strategy = st.tuples(ctx.cases(), st.sampled_from(SCALES), st.sampled_from(DTYPES)).map(
        lambda t: (replace(t[0], scale=t[1]), t[2]))
    explicit = [(replace(c, scale=1e4), dtype) for c in ctx.tricky_cases() for dtype in DTYPES]
    ctx.run(test, strategy, explicit=explicit,  # type: ignore[arg-type]
            max_examples=max(4, ctx.config.max_examples // 2))
    return Msg("pass.robustness.saturation", scales=", ".join(f"{s:g}" for s in SCALES))
