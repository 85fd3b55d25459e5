# expect: pass
# style: gates reshaped per row with view(B, 4, H) and unbind; default state via .to(x)
import torch
import torch.nn as nn
import torch.nn.functional as F


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.randn(4 * hidden_size, input_size) / input_size ** 0.5)
        self.weight_hh = nn.Parameter(torch.randn(4 * hidden_size, hidden_size) / hidden_size ** 0.5)
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))
        with torch.no_grad():
            self.bias_ih[hidden_size:2 * hidden_size].fill_(1.0)  # forget bias 1 at init

    def forward(self, x, state=None):
        vector = x.dim() == 1
        if vector:
            x = x[None]
            state = None if state is None else (state[0][None], state[1][None])
        if state is None:
            zeros = torch.zeros(x.shape[0], self.hidden_size).to(x)  # same dtype/device as x
            state = (zeros, zeros)
        h, c = state
        B = x.shape[0]
        gates = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)
        i, f, g, o = gates.view(B, 4, self.hidden_size).unbind(dim=1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        return (h[0], c[0]) if vector else (h, c)
