# expect: pass
# style: weights stored (I, 3H) and (H, 3H) used as x @ W, gate order z, r, n
import torch
from torch import nn
class GRUCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.H = hidden_size
        self.Wx = nn.Parameter(torch.randn(input_size, 3 * hidden_size) * 0.1)  # z, r, n
        self.Wh = nn.Parameter(torch.randn(hidden_size, 3 * hidden_size) * 0.1)
        self.bx = nn.Parameter(torch.zeros(3 * hidden_size))
        self.bh = nn.Parameter(torch.zeros(3 * hidden_size))
    def forward(self, x, h=None):
        squeeze = x.dim() == 1
        if squeeze:
            x = x[None]
            h = None if h is None else h[None]
        if h is None:
            h = x.new_zeros(x.shape[0], self.H)
        zx, rx, nx = (x @ self.Wx + self.bx).split(self.H, 1)
        zh, rh, nh = (h @ self.Wh + self.bh).split(self.H, 1)
        z = torch.sigmoid(zx + zh); r = torch.sigmoid(rx + rh)
        n = torch.tanh(nx + r * nh)
        out = (1 - z) * n + z * h
        return out[0] if squeeze else out
