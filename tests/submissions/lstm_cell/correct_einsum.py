# expect: pass
# style: torch.einsum for both products, declared names
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
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        if not batched:
            h, c = h[0], c[0]
        return h, c
