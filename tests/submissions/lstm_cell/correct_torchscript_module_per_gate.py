# expect: pass
# style: a torch.jit.ScriptModule in the lesson's per-gate layout: W_f, W_i, W_C, W_o over
# [h, x] and one bias each, declared in the order f, i, C, o
import math
from typing import Optional, Tuple

import torch
from torch import Tensor, nn


class LSTMCell(torch.jit.ScriptModule):
    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        n = hidden_size + input_size
        bound = 1 / math.sqrt(hidden_size)
        self.W_f = nn.Parameter(torch.empty(hidden_size, n).uniform_(-bound, bound))
        self.b_f = nn.Parameter(torch.empty(hidden_size).uniform_(-bound, bound))
        self.W_i = nn.Parameter(torch.empty(hidden_size, n).uniform_(-bound, bound))
        self.b_i = nn.Parameter(torch.empty(hidden_size).uniform_(-bound, bound))
        self.W_C = nn.Parameter(torch.empty(hidden_size, n).uniform_(-bound, bound))
        self.b_C = nn.Parameter(torch.empty(hidden_size).uniform_(-bound, bound))
        self.W_o = nn.Parameter(torch.empty(hidden_size, n).uniform_(-bound, bound))
        self.b_o = nn.Parameter(torch.empty(hidden_size).uniform_(-bound, bound))

    @torch.jit.script_method
    def forward(self, x: Tensor, state: Optional[Tuple[Tensor, Tensor]] = None
                ) -> Tuple[Tensor, Tensor]:
        if state is None:
            shape = x.shape[:-1] + (self.hidden_size,)
            h = torch.zeros(shape, dtype=x.dtype, device=x.device)
            c = h
        else:
            h, c = state
        hx = torch.cat([h, x], -1)
        f = torch.sigmoid(hx @ self.W_f.t() + self.b_f)
        i = torch.sigmoid(hx @ self.W_i.t() + self.b_i)
        c_tilde = torch.tanh(hx @ self.W_C.t() + self.b_C)
        o = torch.sigmoid(hx @ self.W_o.t() + self.b_o)
        c = f * c + i * c_tilde
        return o * torch.tanh(c), c
