# expect: fail robustness
# bug: a hand-written tanh (e^z − e^−z) / (e^z + e^−z): NaN once |z| passes about 89 (float32)
import torch
import torch.nn as nn


def tanh(z):
    return (torch.exp(z) - torch.exp(-z)) / (torch.exp(z) + torch.exp(-z))


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_x = nn.Linear(input_size, 4 * hidden_size)
        self.linear_h = nn.Linear(hidden_size, 4 * hidden_size)

    def forward(self, x, state=None):
        one = x.dim() == 1
        if one:
            x = x.unsqueeze(0)
            state = None if state is None else tuple(s.unsqueeze(0) for s in state)
        if state is None:
            state = (x.new_zeros(x.shape[0], self.hidden_size),) * 2
        h_prev, c_prev = state
        i, f, g, o = (self.linear_x(x) + self.linear_h(h_prev)).chunk(4, dim=1)
        c = torch.sigmoid(f) * c_prev + torch.sigmoid(i) * tanh(g)
        h = torch.sigmoid(o) * tanh(c)
        return (h.squeeze(0), c.squeeze(0)) if one else (h, c)
