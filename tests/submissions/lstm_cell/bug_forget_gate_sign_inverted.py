# expect: fail equivalence
# bug: f is treated as "how much to forget" and the memory is kept with (1 - f): the gate acts with the opposite sign
# mistake: gate-sign-inverted
import math

import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        std = 1.0 / math.sqrt(hidden_size)
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size).uniform_(-std, std))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size).uniform_(-std, std))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-std, std))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-std, std))

    def forward(self, x, state=None):
        batched = x.dim() == 2
        if not batched:
            x = x.unsqueeze(0)
        B = x.shape[0]
        if state is None:
            h = x.new_zeros(B, self.hidden_size)
            c = x.new_zeros(B, self.hidden_size)
        else:
            h, c = state
            h, c = h.reshape(B, -1), c.reshape(B, -1)
        pre = (torch.einsum("bi,gi->bg", x, self.weight_ih)
               + torch.einsum("bh,gh->bg", h, self.weight_hh)
               + self.bias_ih + self.bias_hh)
        i, f, g, o = pre.chunk(4, dim=-1)
        forget = torch.sigmoid(f)  # 1 = forget everything
        c = (1 - forget) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        if not batched:
            h, c = h[0], c[0]
        return h, c
