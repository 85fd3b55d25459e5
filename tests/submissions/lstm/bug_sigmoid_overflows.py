# expect: fail robustness
# bug: the handout's stack over a cell with a hand-written sigmoid e^z / (1 + e^z) (overflows)
import math

import torch
from torch import nn


def sigmoid(z):
    return torch.exp(z) / (1 + torch.exp(z))


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        k = 1 / math.sqrt(hidden_size)
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size).uniform_(-k, k))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size).uniform_(-k, k))
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, x, state):
        h, c = state
        i, f, g, o = (x @ self.weight_ih.T + self.bias_ih
                      + h @ self.weight_hh.T + self.bias_hh).chunk(4, dim=-1)
        c = sigmoid(f) * c + sigmoid(i) * torch.tanh(g)
        return sigmoid(o) * torch.tanh(c), c


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cells = nn.ModuleList(
            LSTMCell(input_size if k == 0 else hidden_size, hidden_size) for k in range(num_layers))

    def forward(self, x, state=None):
        B, T, _ = x.shape
        if state is None:
            zeros = x.new_zeros(self.num_layers, B, self.hidden_size)
            state = (zeros, zeros)
        h0, c0 = state
        layer_input, h_n, c_n = x, [], []
        for k, cell in enumerate(self.cells):
            h, c = h0[k], c0[k]
            outs = []
            for t in range(T):
                h, c = cell(layer_input[:, t], (h, c))
                outs.append(h)
            layer_input = torch.stack(outs, dim=1)
            h_n.append(h)
            c_n.append(c)
        return layer_input, (torch.stack(h_n), torch.stack(c_n))
