# expect: fail sequence
# bug: h_n and c_n repeat the top layer's final state for every layer instead of each layer's own final state
# mistake: top-layer-state-only
import math

import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        k = 1 / math.sqrt(hidden_size)
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size).uniform_(-k, k))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size).uniform_(-k, k))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-k, k))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-k, k))

    def project_input(self, x):
        """x (..., input) -> (..., 4H), both biases included."""
        return x @ self.weight_ih.t() + self.bias_ih + self.bias_hh

    def recurrent_step(self, xw, state):
        h, c = state
        gates = xw + h @ self.weight_hh.t()
        i, f, g, o = gates.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c

    def forward(self, x, state):
        return self.recurrent_step(self.project_input(x), state)


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        sizes = [input_size] + [hidden_size] * (num_layers - 1)
        self.cells = nn.ModuleList(LSTMCell(s, hidden_size) for s in sizes)

    def forward(self, x, state=None):
        B, T, _ = x.shape
        if state is None:
            zeros = torch.zeros(self.num_layers, B, self.hidden_size, dtype=x.dtype, device=x.device)
            state = (zeros, zeros)
        h0, c0 = state
        seq = x
        for k, cell in enumerate(self.cells):
            xw = cell.project_input(seq)          # (B, T, 4H) in one matmul
            h, c = h0[k], c0[k]
            hs = []
            for t in range(T):
                h, c = cell.recurrent_step(xw[:, t], (h, c))
                hs.append(h)
            seq = torch.stack(hs, dim=1)          # (B, T, H): input of the next layer
        # final state, one copy per layer: (L, B, H)
        h_n = h.unsqueeze(0).repeat(self.num_layers, 1, 1)
        c_n = c.unsqueeze(0).repeat(self.num_layers, 1, 1)
        return seq, (h_n, c_n)
