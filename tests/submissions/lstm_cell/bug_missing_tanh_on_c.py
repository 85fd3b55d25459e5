# expect: fail equivalence
# bug: h = o * c, without tanh on the new cell state
# mistake: missing-tanh-on-c
import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        scale = hidden_size ** -0.5
        self.weight_ih = nn.Parameter(torch.randn(4 * hidden_size, input_size) * scale)
        self.weight_hh = nn.Parameter(torch.randn(4 * hidden_size, hidden_size) * scale)
        self.bias = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, x, state=None):
        one_d = x.ndim == 1
        x = x.reshape(-1, x.shape[-1])
        if state is None:
            h = x.new_zeros(x.shape[0], self.hidden_size)
            c = x.new_zeros(x.shape[0], self.hidden_size)
        else:
            h, c = (s.reshape(-1, self.hidden_size) for s in state)
        z = torch.addmm(self.bias, x, self.weight_ih.t())
        z = torch.addmm(z, h, self.weight_hh.t())
        zi, zf, zg, zo = torch.split(z, self.hidden_size, dim=-1)
        c = torch.sigmoid(zf) * c + torch.sigmoid(zi) * torch.tanh(zg)
        h = torch.sigmoid(zo) * c
        if one_d:
            h, c = h.reshape(-1), c.reshape(-1)
        return h, c
