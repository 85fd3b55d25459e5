"""Shared plumbing for the reference cells: input checking, default state, init.

Everything in ``reference/`` imports only torch: it is the grader's trusted oracle.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def check_input(x: Tensor, input_size: int, who: str) -> tuple[Tensor, bool]:
    """Return ``x`` as (batch, input) and whether it was unbatched, like ``nn.LSTMCell``."""
    if x.dim() not in (1, 2):
        raise ValueError(f"{who}: expected input of 1 or 2 dimensions, got {x.dim()}")
    if x.shape[-1] != input_size:
        raise ValueError(f"{who}: expected input_size {input_size}, got {x.shape[-1]}")
    unbatched = x.dim() == 1
    return (x.unsqueeze(0) if unbatched else x), unbatched


def batch_state(s: Tensor, unbatched: bool) -> Tensor:
    return s.unsqueeze(0) if unbatched else s


def zeros_like_state(x: Tensor, width: int) -> Tensor:
    """The default state: zeros with the input's batch, dtype and device."""
    return torch.zeros(x.shape[0], width, dtype=x.dtype, device=x.device)


def reset_uniform(module: nn.Module, hidden_size: int) -> None:
    """PyTorch's RNN initialisation: every parameter ~ U(-1/sqrt(H), 1/sqrt(H))."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-bound, bound)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
