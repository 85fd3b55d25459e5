# expect: fail parameters
# bug: the weight matrices are plain tensors (requires_grad=True), not nn.Parameter: the module does not register them
# mistake: weights-not-registered
import math

import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        k = 1 / math.sqrt(hidden_size)
        self.weight_ih = (torch.rand(4 * hidden_size, input_size) * 2 * k - k).requires_grad_()
        self.weight_hh = (torch.rand(4 * hidden_size, hidden_size) * 2 * k - k).requires_grad_()
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, x, state=None):
        single = x.dim() == 1
        if single:
            x = x.unsqueeze(0)
        if state is None:
            z = torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            h, c = z, z
        else:
            h, c = state
            if single:
                h, c = h.unsqueeze(0), c.unsqueeze(0)
        W_ih = self.weight_ih.to(x.dtype)
        W_hh = self.weight_hh.to(x.dtype)
        gates = x @ W_ih.t() + h @ W_hh.t() + self.bias_ih + self.bias_hh
        i, f, g, o = gates.chunk(4, 1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        if single:
            return h.squeeze(0), c.squeeze(0)
        return h, c
