# expect: fail parameters
# bug: bias_hh is registered but never used in forward, so it never gets a gradient
# mistake: bias-unused
import torch
import torch.nn as nn
import torch.nn.functional as F


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.randn(4 * hidden_size, input_size) / input_size ** 0.5)
        self.weight_hh = nn.Parameter(torch.randn(4 * hidden_size, hidden_size) / hidden_size ** 0.5)
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, x, state=None):
        vector = x.dim() == 1
        if vector:
            x = x[None]
            state = None if state is None else (state[0][None], state[1][None])
        if state is None:
            zeros = torch.zeros(x.shape[0], self.hidden_size).to(x)
            state = (zeros, zeros)
        h, c = state
        gates = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh)
        i, f, g, o = gates.chunk(4, dim=1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        return (h[0], c[0]) if vector else (h, c)
