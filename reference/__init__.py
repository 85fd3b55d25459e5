"""Trusted, from-scratch reference implementations: the grader's oracle.

Imports only torch. Each class with a PyTorch counterpart has ``from_torch`` and ``to_torch``;
``VARIANTS`` maps a variant name to its class, gates, equations and parameter count.
"""

from __future__ import annotations

from reference.cells import GRUCell, LSTMCell, ProjectionLSTMCell, RNNCell
from reference.layers import LSTM, LSTMLayer
from reference.registry import VARIANTS, Variant
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

__all__ = [
    "LSTM",
    "VARIANTS",
    "CoupledLSTMCell",
    "FGRLSTMCell",
    "GRUCell",
    "LSTMCell",
    "LSTMLayer",
    "LayerNormLSTMCell",
    "NFGLSTMCell",
    "NIAFLSTMCell",
    "NIGLSTMCell",
    "NOAFLSTMCell",
    "NOGLSTMCell",
    "PeepholeLSTMCell",
    "ProjectionLSTMCell",
    "RNNCell",
    "Variant",
]
