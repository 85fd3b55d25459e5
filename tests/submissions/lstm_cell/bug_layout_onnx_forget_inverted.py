# expect: fail equivalence
# bug: ONNX layout, but the forget gate is sigmoid(-z): a "remember" gate
# mistake: gate-sign-inverted
import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.W = nn.Parameter(torch.randn(4 * hidden_size, input_size) * 0.1)
        self.R = nn.Parameter(torch.randn(4 * hidden_size, hidden_size) * 0.1)
        self.Wb = nn.Parameter(torch.zeros(4 * hidden_size))
        self.Rb = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, x, state=None):
        if x.ndim == 1:
            h, c = self.forward(x[None], None if state is None else (state[0][None], state[1][None]))
            return h[0], c[0]
        if state is None:
            h = torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype)
            state = (h, h.clone())
        H, C = state
        gates = torch.nn.functional.linear(x, self.W, self.Wb) + torch.nn.functional.linear(H, self.R, self.Rb)
        i, o, f, c = gates.chunk(4, 1)
        i, o, f, c = i.sigmoid(), o.sigmoid(), (-f).sigmoid(), c.tanh()
        C = f * C + i * c
        return o * C.tanh(), C
