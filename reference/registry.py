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

StateKind = Literal["lstm", "gru", "rnn"]


@dataclass(frozen=True)
class Variant:
    """One reference cell.

    ``state`` names the forward convention: ``"lstm"`` is ``forward(x, (h, c)) -> (h, c)``;
    ``"gru"`` and ``"rnn"`` are ``forward(x, h) -> h``. ``param_count(input_size,
    hidden_size, **options)`` is the exact number of scalars, biases included.
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


_register_builtin()
