# expect: pass
# style: weights with a separate gate axis, W (4, H, I), U (4, H, H), b (4, H), einsum, gate order g, i, f, o
import math

import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        k = 1 / math.sqrt(hidden_size)
        self.hidden_size = hidden_size
        self.W = nn.Parameter(torch.empty(4, hidden_size, input_size).uniform_(-k, k))
        self.U = nn.Parameter(torch.empty(4, hidden_size, hidden_size).uniform_(-k, k))
        self.b = nn.Parameter(torch.zeros(4, hidden_size))

    def forward(self, x, state=None):
        batched = x.dim() == 2
        X = x if batched else x.unsqueeze(0)
        if state is None:
            h = c = X.new_zeros(X.shape[0], self.hidden_size)
        else:
            h, c = (s if batched else s.unsqueeze(0) for s in state)
        pre = torch.einsum("ghi,bi->bgh", self.W, X) + torch.einsum("ghk,bk->bgh", self.U, h) + self.b
        g, i, f, o = pre.unbind(dim=1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h_new = torch.sigmoid(o) * torch.tanh(c_new)
        if not batched:
            return h_new[0], c_new[0]
        return h_new, c_new
