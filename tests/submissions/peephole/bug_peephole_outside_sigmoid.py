# expect: fail equivalence
# bug: the peephole terms are added after the sigmoid, sigma(...) + w * c, so the gates leave (0, 1)
# mistake: peephole-outside-sigmoid
import torch
from torch import nn


class PeepholeLSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.randn(4 * hidden_size, input_size) * 0.1)
        self.weight_hh = nn.Parameter(torch.randn(4 * hidden_size, hidden_size) * 0.1)
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))
        self.weight_ci = nn.Parameter(torch.zeros(hidden_size))
        self.weight_cf = nn.Parameter(torch.zeros(hidden_size))
        self.weight_co = nn.Parameter(torch.zeros(hidden_size))

    def forward(self, x, state=None):
        squeeze = x.dim() == 1
        if squeeze:
            x = x.unsqueeze(0)
        if state is None:
            h = c = x.new_zeros(x.shape[0], self.hidden_size)
        else:
            h, c = (s.unsqueeze(0) if squeeze else s for s in state)
        xh = torch.cat([x, h], dim=1)
        W = torch.cat([self.weight_ih, self.weight_hh], dim=1)
        zi, zf, zg, zo = (xh @ W.T + self.bias_ih + self.bias_hh).chunk(4, dim=1)
        i = torch.sigmoid(zi) + self.weight_ci * c
        f = torch.sigmoid(zf) + self.weight_cf * c
        c_new = f * c + i * torch.tanh(zg)
        o = torch.sigmoid(zo) + self.weight_co * c_new
        h_new = o * torch.tanh(c_new)
        if squeeze:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new
