# expect: fail equivalence
# bug: the output gate's peephole looks at the old cell state c_prev instead of the updated c'
# mistake: output-peephole-on-old-c
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class PeepholeLSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        # diagonal peepholes: one weight per unit
        self.weight_ci = nn.Parameter(torch.empty(hidden_size))
        self.weight_cf = nn.Parameter(torch.empty(hidden_size))
        self.weight_co = nn.Parameter(torch.empty(hidden_size))
        k = 1 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -k, k)

    def forward(self, x, state=None):
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)
            if state is not None:
                state = (state[0].unsqueeze(0), state[1].unsqueeze(0))
        if state is None:
            zeros = torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            state = (zeros, zeros)
        h, c = state
        gates = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)
        i, f, g, o = gates.chunk(4, dim=1)
        # all three gates peek at the memory
        i = torch.sigmoid(i + self.weight_ci * c)
        f = torch.sigmoid(f + self.weight_cf * c)
        o = torch.sigmoid(o + self.weight_co * c)
        c_new = f * c + i * torch.tanh(g)
        h_new = o * torch.tanh(c_new)
        if unbatched:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new
