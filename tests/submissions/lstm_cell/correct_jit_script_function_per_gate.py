# expect: pass
# style: an eager module whose step is a torch.jit.script-ed function; per-gate weights
# W_xi, W_hi, b_i ... (Keras-like (in, out) matrices), declared in the order i, f, o, g
import math
from typing import Optional, Tuple

import torch
from torch import Tensor, nn


@torch.jit.script
def lstm_step(x: Tensor, h: Tensor, c: Tensor, w_x: Tensor, w_h: Tensor, b: Tensor
              ) -> Tuple[Tensor, Tensor]:
    # w_x (4, I, H), w_h (4, H, H), b (4, H): gates i, f, o, g
    i = torch.sigmoid(x @ w_x[0] + h @ w_h[0] + b[0])
    f = torch.sigmoid(x @ w_x[1] + h @ w_h[1] + b[1])
    o = torch.sigmoid(x @ w_x[2] + h @ w_h[2] + b[2])
    g = torch.tanh(x @ w_x[3] + h @ w_h[3] + b[3])
    c = f * c + i * g
    return o * torch.tanh(c), c


class LSTMCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        bound = 1 / math.sqrt(hidden_size)
        for gate in "ifog":
            setattr(self, f"W_x{gate}", nn.Parameter(
                torch.empty(input_size, hidden_size).uniform_(-bound, bound)))
            setattr(self, f"W_h{gate}", nn.Parameter(
                torch.empty(hidden_size, hidden_size).uniform_(-bound, bound)))
            setattr(self, f"b_{gate}", nn.Parameter(
                torch.empty(hidden_size).uniform_(-bound, bound)))

    def forward(self, x: Tensor, state: Optional[Tuple[Tensor, Tensor]] = None
                ) -> Tuple[Tensor, Tensor]:
        if state is None:
            h = x.new_zeros(*x.shape[:-1], self.hidden_size)
            state = (h, h)
        w_x = torch.stack([getattr(self, f"W_x{g}") for g in "ifog"])
        w_h = torch.stack([getattr(self, f"W_h{g}") for g in "ifog"])
        b = torch.stack([getattr(self, f"b_{g}") for g in "ifog"])
        return lstm_step(x, state[0], state[1], w_x, w_h, b)
