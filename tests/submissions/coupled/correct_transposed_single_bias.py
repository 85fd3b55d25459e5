# expect: pass
# style: weights stored transposed (I, 3H) and (H, 3H) used as x @ W, one bias, i = 1 - f written as torch.lerp
import torch
from torch import nn


class CoupledLSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(nn.init.xavier_uniform_(torch.empty(input_size, 3 * hidden_size)))
        self.weight_hh = nn.Parameter(nn.init.orthogonal_(torch.empty(hidden_size, 3 * hidden_size)))
        self.bias = nn.Parameter(torch.zeros(3 * hidden_size))

    def forward(self, x, state=None):
        if x.ndim == 1:
            h, c = self.forward(x[None], None if state is None else (state[0][None], state[1][None]))
            return h[0], c[0]
        if state is None:
            state = (x.new_zeros(x.shape[0], self.hidden_size),) * 2
        h, c = state
        z = x @ self.weight_ih + h @ self.weight_hh + self.bias   # (B, 3H): f, g, o
        zf, zg, zo = z.split(self.hidden_size, dim=1)
        f = torch.sigmoid(zf)
        # c' = f * c + (1 - f) * g  ==  g + f * (c - g)
        c = torch.lerp(torch.tanh(zg), c, f)
        h = torch.sigmoid(zo) * torch.tanh(c)
        return h, c
