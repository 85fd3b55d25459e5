"""``VARIANTS``: every reference cell by name, with its gates, equations and parameter count.

The grader uses it to build references, to word feedback ("your cell behaves like the NOAF
variant") and to check parameter counts; ``docs/variants.md`` is written from the same facts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from torch import nn

StateKind = Literal["lstm", "lstm_gates", "gru", "rnn"]


@dataclass(frozen=True)
class Variant:
    """One reference cell.

    ``state`` names the forward convention: ``"lstm"`` is ``forward(x, (h, c)) -> (h, c)``;
    ``"lstm_gates"`` (FGR) is ``forward(x, (h, c, gates)) -> (h, c, gates)``, gates being the
    previous step's gate activations; ``"gru"`` and ``"rnn"`` are ``forward(x, h) -> h``.
    ``param_count(input_size, hidden_size, **options)`` is the exact number of scalars, biases
    included.
    """

    name: str
    cls: type[nn.Module]
    state: StateKind
    gates: tuple[str, ...]
    equations: str
    summary: str
    param_count: Callable[..., int]
    torch_counterpart: str | None = None
    options: Mapping[str, int] = field(default_factory=dict)

    def build(self, input_size: int, hidden_size: int, **options: int) -> nn.Module:
        kwargs = {**self.options, **options}
        return self.cls(input_size, hidden_size, **kwargs)


_REGISTRY: dict[str, Variant] = {}


def register(variant: Variant) -> Variant:
    if variant.name in _REGISTRY:
        raise ValueError(f"variant {variant.name!r} registered twice")
    _REGISTRY[variant.name] = variant
    return variant


VARIANTS: Mapping[str, Variant] = MappingProxyType(_REGISTRY)


def _register_builtin() -> None:
    from reference.cells import GRUCell, LSTMCell, ProjectionLSTMCell, RNNCell
    from reference.variants import (
        CoupledLSTMCell,
        FGRLSTMCell,
        LayerNormLSTMCell,
        NFGLSTMCell,
        NIAFLSTMCell,
        NIGLSTMCell,
        NOAFLSTMCell,
        NOGLSTMCell,
        PeepholeLSTMCell,
    )

    register(Variant(
        name="lstm",
        cls=LSTMCell,
        state="lstm",
        gates=("i", "f", "g", "o"),
        equations=(
            "i = σ(W_ii x + W_hi h + b_i)\n"
            "f = σ(W_if x + W_hf h + b_f)\n"
            "g = tanh(W_ig x + W_hg h + b_g)\n"
            "o = σ(W_io x + W_ho h + b_o)\n"
            "c' = f ⊙ c + i ⊙ g\n"
            "h' = o ⊙ tanh(c')"
        ),
        summary="The lesson's cell and nn.LSTMCell (Greff et al.'s NP: no peepholes).",
        param_count=lambda i, h: 4 * h * (i + h) + 8 * h,
        torch_counterpart="nn.LSTMCell",
    ))
    register(Variant(
        name="gru",
        cls=GRUCell,
        state="gru",
        gates=("r", "z", "n"),
        equations=(
            "r = σ(W_ir x + b_ir + W_hr h + b_hr)\n"
            "z = σ(W_iz x + b_iz + W_hz h + b_hz)\n"
            "n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))\n"
            "h' = (1 − z) ⊙ n + z ⊙ h"
        ),
        summary="Gated recurrent unit as in nn.GRUCell (reset applied after W_hn h).",
        param_count=lambda i, h: 3 * h * (i + h) + 6 * h,
        torch_counterpart="nn.GRUCell",
    ))
    register(Variant(
        name="rnn",
        cls=RNNCell,
        state="rnn",
        gates=(),
        equations="h' = tanh(W_ih x + b_ih + W_hh h + b_hh)",
        summary="Plain Elman RNN: the lesson's vanishing-gradient baseline.",
        param_count=lambda i, h: h * (i + h) + 2 * h,
        torch_counterpart="nn.RNNCell",
    ))
    register(Variant(
        name="projection",
        cls=ProjectionLSTMCell,
        state="lstm",
        gates=("i", "f", "g", "o"),
        equations=(
            "gates as in lstm, with the projected h (P wide) as recurrent input\n"
            "c' = f ⊙ c + i ⊙ g\n"
            "h' = W_hr (o ⊙ tanh(c'))"
        ),
        summary="LSTMP (Sak et al. 2014), as nn.LSTM(proj_size=P): smaller h, same c.",
        param_count=lambda i, h, proj_size: 4 * h * (i + proj_size) + 8 * h + proj_size * h,
        torch_counterpart="nn.LSTM(proj_size=P)",
        options={"proj_size": 2},
    ))

    register(Variant(
        name="peephole",
        cls=PeepholeLSTMCell,
        state="lstm",
        gates=("i", "f", "g", "o"),
        equations=(
            "i = σ(W_ii x + W_hi h + b_i + w_ci ⊙ c)\n"
            "f = σ(W_if x + W_hf h + b_f + w_cf ⊙ c)\n"
            "g = tanh(W_ig x + W_hg h + b_g)\n"
            "c' = f ⊙ c + i ⊙ g\n"
            "o = σ(W_io x + W_ho h + b_o + w_co ⊙ c')\n"
            "h' = o ⊙ tanh(c')"
        ),
        summary="Diagonal peepholes (Gers & Schmidhuber 2000; Greff et al.'s vanilla LSTM): "
                "the gates see the cell state, for precise timing.",
        param_count=lambda i, h: 4 * h * (i + h) + 8 * h + 3 * h,
    ))
    register(Variant(
        name="coupled",
        cls=CoupledLSTMCell,
        state="lstm",
        gates=("f", "g", "o"),
        equations=(
            "f = σ(W_if x + W_hf h + b_f)\n"
            "g = tanh(W_ig x + W_hg h + b_g)\n"
            "o = σ(W_io x + W_ho h + b_o)\n"
            "c' = f ⊙ c + (1 − f) ⊙ g\n"
            "h' = o ⊙ tanh(c')"
        ),
        summary="CIFG, the coupled input and forget gate (i = 1 − f): a quarter fewer "
                "parameters, about as good as the LSTM in Greff et al.",
        param_count=lambda i, h: 3 * h * (i + h) + 6 * h,
    ))
    register(Variant(
        name="nig",
        cls=NIGLSTMCell,
        state="lstm",
        gates=("f", "g", "o"),
        equations=(
            "f = σ(W_if x + W_hf h + b_f)\n"
            "g = tanh(W_ig x + W_hg h + b_g)\n"
            "o = σ(W_io x + W_ho h + b_o)\n"
            "c' = f ⊙ c + g\n"
            "h' = o ⊙ tanh(c')"
        ),
        summary="Greff et al.'s NIG ablation (no input gate, i = 1), on the no-peephole cell: "
                "every candidate is written in full.",
        param_count=lambda i, h: 3 * h * (i + h) + 6 * h,
    ))
    register(Variant(
        name="nfg",
        cls=NFGLSTMCell,
        state="lstm",
        gates=("i", "g", "o"),
        equations=(
            "i = σ(W_ii x + W_hi h + b_i)\n"
            "g = tanh(W_ig x + W_hg h + b_g)\n"
            "o = σ(W_io x + W_ho h + b_o)\n"
            "c' = c + i ⊙ g\n"
            "h' = o ⊙ tanh(c')"
        ),
        summary="Greff et al.'s NFG ablation (no forget gate, f = 1), on the no-peephole cell: "
                "the 1997 LSTM, which can never erase its memory.",
        param_count=lambda i, h: 3 * h * (i + h) + 6 * h,
    ))
    register(Variant(
        name="nog",
        cls=NOGLSTMCell,
        state="lstm",
        gates=("i", "f", "g"),
        equations=(
            "i = σ(W_ii x + W_hi h + b_i)\n"
            "f = σ(W_if x + W_hf h + b_f)\n"
            "g = tanh(W_ig x + W_hg h + b_g)\n"
            "c' = f ⊙ c + i ⊙ g\n"
            "h' = tanh(c')"
        ),
        summary="Greff et al.'s NOG ablation (no output gate, o = 1), on the no-peephole cell: "
                "the whole memory is always exposed.",
        param_count=lambda i, h: 3 * h * (i + h) + 6 * h,
    ))
    register(Variant(
        name="niaf",
        cls=NIAFLSTMCell,
        state="lstm",
        gates=("i", "f", "g", "o"),
        equations=(
            "i = σ(W_ii x + W_hi h + b_i)\n"
            "f = σ(W_if x + W_hf h + b_f)\n"
            "g = W_ig x + W_hg h + b_g\n"
            "o = σ(W_io x + W_ho h + b_o)\n"
            "c' = f ⊙ c + i ⊙ g\n"
            "h' = o ⊙ tanh(c')"
        ),
        summary="Greff et al.'s NIAF ablation (no tanh on the candidate g), on the no-peephole "
                "cell: the candidate is unbounded.",
        param_count=lambda i, h: 4 * h * (i + h) + 8 * h,
    ))
    register(Variant(
        name="noaf",
        cls=NOAFLSTMCell,
        state="lstm",
        gates=("i", "f", "g", "o"),
        equations=(
            "i = σ(W_ii x + W_hi h + b_i)\n"
            "f = σ(W_if x + W_hf h + b_f)\n"
            "g = tanh(W_ig x + W_hg h + b_g)\n"
            "o = σ(W_io x + W_ho h + b_o)\n"
            "c' = f ⊙ c + i ⊙ g\n"
            "h' = o ⊙ c'"
        ),
        summary="Greff et al.'s NOAF ablation (no tanh on c' before the output gate), on the "
                "no-peephole cell: h is unbounded.",
        param_count=lambda i, h: 4 * h * (i + h) + 8 * h,
    ))
    register(Variant(
        name="fgr",
        cls=FGRLSTMCell,
        state="lstm_gates",
        gates=("i", "f", "g", "o"),
        equations=(
            "i = σ(W_ii x + W_hi h + b_i + R_ii i_prev + R_if f_prev + R_io o_prev)\n"
            "f = σ(W_if x + W_hf h + b_f + R_fi i_prev + R_ff f_prev + R_fo o_prev)\n"
            "g = tanh(W_ig x + W_hg h + b_g)\n"
            "o = σ(W_io x + W_ho h + b_o + R_oi i_prev + R_of f_prev + R_oo o_prev)\n"
            "c' = f ⊙ c + i ⊙ g\n"
            "h' = o ⊙ tanh(c')\n"
            "state (h, c, [i, f, o]); [i_prev, f_prev, o_prev] = 0 at the start"
        ),
        summary="Greff et al.'s FGR (full gate recurrence), on the no-peephole cell: nine H×H "
                "matrices feed the previous gate activations back into i, f, o.",
        param_count=lambda i, h: 4 * h * (i + h) + 8 * h + 9 * h * h,
    ))
    register(Variant(
        name="layernorm",
        cls=LayerNormLSTMCell,
        state="lstm",
        gates=("i", "f", "g", "o"),
        equations=(
            "z = LN_i(W_ih x) + LN_h(W_hh h)\n"
            "i, f, g, o = σ(z_i), σ(z_f), tanh(z_g), σ(z_o)\n"
            "c' = LN_c(f ⊙ c + i ⊙ g)\n"
            "h' = o ⊙ tanh(c')"
        ),
        summary="Layer-normalised LSTM (Ba et al. 2016) as in PyTorch's fastrnns benchmark: "
                "steadier training on long sequences.",
        # γ and β: 4H each for LN_i and LN_h, H each for LN_c.
        param_count=lambda i, h: 4 * h * (i + h) + 2 * 4 * h + 2 * 4 * h + 2 * h,
    ))


_register_builtin()
