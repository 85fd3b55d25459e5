# expect: pass
# style: an eager cell turned into TorchScript by torch.jit.script at construction: the
# class hands back the scripted module (nn.LSTMCell's names and gate order)
import math
from typing import Optional, Tuple

import torch
from torch import Tensor, nn


class _EagerCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        bound = 1 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x: Tensor, state: Optional[Tuple[Tensor, Tensor]] = None
                ) -> Tuple[Tensor, Tensor]:
        if state is None:
            shape = x.shape[:-1] + (self.hidden_size,)
            h = torch.zeros(shape, dtype=x.dtype, device=x.device)
            c = h
        else:
            h, c = state
        gates = (torch.nn.functional.linear(x, self.weight_ih, self.bias_ih)
                 + torch.nn.functional.linear(h, self.weight_hh, self.bias_hh))
        i, f, g, o = gates.chunk(4, -1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c


class LSTMCell(nn.Module):
    def __new__(cls, input_size: int, hidden_size: int):  # type: ignore[misc]
        return torch.jit.script(_EagerCell(input_size, hidden_size))
