# expect: fail equivalence
# bug: the lesson's per-gate layout (W_f, W_i, W_C, W_o over [h, x]), but h = o * C without tanh
# mistake: missing-tanh-on-c
import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        n = hidden_size + input_size
        for gate in ("f", "i", "C", "o"):
            setattr(self, f"W_{gate}", nn.Parameter(torch.randn(hidden_size, n) * 0.1))
            setattr(self, f"b_{gate}", nn.Parameter(torch.zeros(hidden_size)))

    def forward(self, x, state=None):
        one = x.dim() == 1
        if one:
            x = x.unsqueeze(0)
            state = None if state is None else tuple(s.unsqueeze(0) for s in state)
        if state is None:
            state = (x.new_zeros(x.shape[0], self.hidden_size),) * 2
        h_prev, C_prev = state
        hx = torch.cat([h_prev, x], dim=1)               # [h_{t-1}, x_t]
        f = torch.sigmoid(hx @ self.W_f.T + self.b_f)
        i = torch.sigmoid(hx @ self.W_i.T + self.b_i)
        C_tilde = torch.tanh(hx @ self.W_C.T + self.b_C)
        C = f * C_prev + i * C_tilde
        o = torch.sigmoid(hx @ self.W_o.T + self.b_o)
        h = o * C                                        # the tanh on C is missing
        return (h.squeeze(0), C.squeeze(0)) if one else (h, C)
