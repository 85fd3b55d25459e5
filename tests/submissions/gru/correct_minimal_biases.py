# expect: pass
# style: the minimal GRU: one bias each for r and z, both biases for n (3H(I+H) + 4H), x @ W
import math

import torch
import torch.nn as nn


class GRUCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        k = 1 / math.sqrt(hidden_size)
        self.W = nn.Parameter(torch.empty(input_size, 3 * hidden_size).uniform_(-k, k))
        self.U = nn.Parameter(torch.empty(hidden_size, 3 * hidden_size).uniform_(-k, k))
        # b_ir + b_hr and b_iz + b_hz always enter as sums: one bias each is enough. b_hn is
        # scaled by r, so n keeps both of its biases.
        self.b = nn.Parameter(torch.zeros(3 * hidden_size))
        self.b_hn = nn.Parameter(torch.zeros(hidden_size))

    def forward(self, x, h=None):
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)
            h = None if h is None else h.unsqueeze(0)
        if h is None:
            h = x.new_zeros(x.shape[0], self.hidden_size)
        H = self.hidden_size
        gx = x @ self.W + self.b
        gh = h @ self.U
        r = torch.sigmoid(gx[:, :H] + gh[:, :H])
        z = torch.sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
        n = torch.tanh(gx[:, 2 * H:] + r * (gh[:, 2 * H:] + self.b_hn))
        h_new = (1 - z) * n + z * h
        return h_new.squeeze(0) if unbatched else h_new
