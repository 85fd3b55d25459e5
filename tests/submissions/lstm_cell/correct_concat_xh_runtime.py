# expect: pass
# style: [x, h] concatenated with torch.cat and multiplied by torch.cat([weight_ih, weight_hh]) built at run time
import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(0.1 * torch.randn(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(0.1 * torch.randn(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, x, state=None):
        squeeze = x.dim() == 1
        if squeeze:
            x = x.view(1, -1)
        if state is None:
            h = c = torch.zeros(x.size(0), self.hidden_size, dtype=x.dtype, device=x.device)
        else:
            h, c = state[0].view(x.size(0), -1), state[1].view(x.size(0), -1)
        # W · [x_t, h_{t-1}] + b, as in the lesson's equations
        xh = torch.cat([x, h], dim=1)                           # (B, I + H)
        W = torch.cat([self.weight_ih, self.weight_hh], dim=1)  # (4H, I + H)
        gates = xh @ W.t() + (self.bias_ih + self.bias_hh)       # (B, 4H)
        i, f, g, o = gates.chunk(4, 1)
        c_t = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h_t = o.sigmoid() * c_t.tanh()
        if squeeze:
            return h_t.view(-1), c_t.view(-1)
        return h_t, c_t
