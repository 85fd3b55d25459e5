# expect: pass
# style: per-gate slices of the stacked weights with explicit matmuls, h' written as n + z * (h - n)
import torch
from torch import nn


class GRUCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.randn(3 * hidden_size, input_size) * 0.1)
        self.weight_hh = nn.Parameter(torch.randn(3 * hidden_size, hidden_size) * 0.1)
        self.bias_ih = nn.Parameter(torch.zeros(3 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(3 * hidden_size))

    def forward(self, x, h=None):
        if x.dim() == 1:
            return self.forward(x[None], None if h is None else h[None])[0]
        if h is None:
            h = x.new_zeros(x.size(0), self.hidden_size)
        H = self.hidden_size
        Wr, Wz, Wn = self.weight_ih[:H], self.weight_ih[H:2 * H], self.weight_ih[2 * H:]
        Ur, Uz, Un = self.weight_hh[:H], self.weight_hh[H:2 * H], self.weight_hh[2 * H:]
        br, bz, bn = self.bias_ih[:H], self.bias_ih[H:2 * H], self.bias_ih[2 * H:]
        cr, cz, cn = self.bias_hh[:H], self.bias_hh[H:2 * H], self.bias_hh[2 * H:]
        r = torch.sigmoid(x @ Wr.T + br + h @ Ur.T + cr)
        z = torch.sigmoid(x @ Wz.T + bz + h @ Uz.T + cz)
        n = torch.tanh(x @ Wn.T + bn + r * (h @ Un.T + cn))
        return n + z * (h - n)
