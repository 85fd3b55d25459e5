"""A complete, correct submission for the lstm_cell and lstm exercises (handout layout)."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class LSTMCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        bound = 1 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor]:
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)
        if state is None:
            zeros = x.new_zeros(x.shape[0], self.hidden_size)
            h, c = zeros, zeros
        else:
            h, c = state
            if unbatched:
                h, c = h.unsqueeze(0), c.unsqueeze(0)
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)  # each (B, H)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h_new = torch.sigmoid(o) * torch.tanh(c_new)
        if unbatched:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new


class LSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cells = nn.ModuleList(
            LSTMCell(input_size if k == 0 else hidden_size, hidden_size)
            for k in range(num_layers))

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        batch, seq_len, _ = x.shape
        if state is None:
            zeros = x.new_zeros(self.num_layers, batch, self.hidden_size)
            state = (zeros, zeros)
        h = list(state[0].unbind(0))
        c = list(state[1].unbind(0))
        outputs = []
        for t in range(seq_len):
            inp = x[:, t]
            for k, cell in enumerate(self.cells):
                h[k], c[k] = cell(inp, (h[k], c[k]))
                inp = h[k]
            outputs.append(inp)
        return torch.stack(outputs, dim=1), (torch.stack(h), torch.stack(c))
