# expect: fail equivalence
# bug: the update gate z uses tanh instead of sigmoid
# mistake: tanh-on-update-gate
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class GRUCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(3 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(3 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(3 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(3 * hidden_size))
        k = 1 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -k, k)

    def forward(self, x, h=None):
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)
            if h is not None:
                h = h.unsqueeze(0)
        if h is None:
            h = torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
        x_r, x_z, x_n = F.linear(x, self.weight_ih, self.bias_ih).chunk(3, dim=1)
        h_r, h_z, h_n = F.linear(h, self.weight_hh, self.bias_hh).chunk(3, dim=1)
        r = torch.sigmoid(x_r + h_r)           # reset gate
        z = torch.tanh(x_z + h_z)              # update gate
        n = torch.tanh(x_n + r * h_n)          # candidate (reset after the matmul)
        h_new = (1 - z) * n + z * h
        return h_new.squeeze(0) if unbatched else h_new
