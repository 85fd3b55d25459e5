# expect: pass
# style: one matrix over [h, x, 1] (bias folded in), stored (I+H+1, 4H), gate order f, i, o, g
import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.H = hidden_size
        self.W = nn.Parameter(torch.randn(hidden_size + input_size + 1, 4 * hidden_size) * 0.1)

    def forward(self, x, state=None):
        squeeze = x.dim() == 1
        if squeeze:
            x = x[None]
            if state is not None:
                state = (state[0][None], state[1][None])
        if state is None:
            state = (x.new_zeros(x.shape[0], self.H),) * 2
        h, c = state
        z = torch.cat([h, x, torch.ones_like(x[:, :1])], dim=1) @ self.W
        f, i, o, g = z.split(self.H, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return (h[0], c[0]) if squeeze else (h, c)
