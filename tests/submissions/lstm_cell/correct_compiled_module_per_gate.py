# expect: pass
# style: the whole module compiled with torch.compile (the class hands back the compiled
# module, whose parameters carry its _orig_mod. prefix); per-gate nn.Linear layers over
# [x, h], declared in the order g, o, i, f
import torch
from torch import nn


class _Cell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        n = input_size + hidden_size
        self.cand, self.out = nn.Linear(n, hidden_size), nn.Linear(n, hidden_size)
        self.inp, self.forget = nn.Linear(n, hidden_size), nn.Linear(n, hidden_size)

    def forward(self, x, state=None):
        if state is None:
            h = x.new_zeros(*x.shape[:-1], self.hidden_size)
            state = (h, h)
        h, c = state
        xh = torch.cat([x, h], -1)
        c = torch.sigmoid(self.forget(xh)) * c + \
            torch.sigmoid(self.inp(xh)) * torch.tanh(self.cand(xh))
        return torch.sigmoid(self.out(xh)) * torch.tanh(c), c


class LSTMCell(nn.Module):
    def __new__(cls, input_size, hidden_size):
        return torch.compile(_Cell(input_size, hidden_size), dynamic=True)
