# expect: pass
# style: one matrix over [x, h] (4H, I+H), two biases, gate order f, g, i, o, addmm
import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight = nn.Parameter(torch.randn(4 * hidden_size, input_size + hidden_size) / (input_size + hidden_size) ** 0.5)
        self.bias_x = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_h = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, x, state=None):
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)
        if state is None:
            h = c = torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
        else:
            h, c = state
            if unbatched:
                h, c = h.unsqueeze(0), c.unsqueeze(0)
        gates = torch.addmm(self.bias_x + self.bias_h, torch.cat((x, h), dim=1), self.weight.t())
        f, g, i, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        if unbatched:
            return h.squeeze(0), c.squeeze(0)
        return h, c
