# expect: pass
# style: hand-written activations in the stable form σ(z) = 1/(1 + e^−z), tanh(z) = 2σ(2z) − 1
import torch
from torch import nn


def sigmoid(z):
    return 1 / (1 + torch.exp(-z))  # e^−z → inf for very negative z gives 1/inf = 0: no NaN


def tanh(z):
    return 2 * sigmoid(2 * z) - 1


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.W = nn.Parameter(torch.randn(input_size + hidden_size, 4 * hidden_size) * 0.1)
        self.b = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, x, state=None):
        one = x.dim() == 1
        if one:
            x = x.unsqueeze(0)
            state = None if state is None else tuple(s.unsqueeze(0) for s in state)
        if state is None:
            state = (x.new_zeros(x.shape[0], self.hidden_size),) * 2
        h, c = state
        z = torch.cat([x, h], dim=1) @ self.W + self.b
        i, f, g, o = z.split(self.hidden_size, dim=1)
        c = sigmoid(f) * c + sigmoid(i) * tanh(g)
        h = sigmoid(o) * tanh(c)
        return (h.squeeze(0), c.squeeze(0)) if one else (h, c)
