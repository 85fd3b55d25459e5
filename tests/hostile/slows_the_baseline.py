"""A correct cell that tries to look fast by slowing down PyTorch's own nn.LSTM (the speed
check's baseline) and by faking the clock."""

import time

import torch
from torch import nn

_real_forward = nn.LSTM.forward


def _slow_forward(self, *args, **kwargs):
    time.sleep(0.01)
    return _real_forward(self, *args, **kwargs)


setattr(getattr(torch, "nn").modules.rnn.LSTM, "forward", _slow_forward)
time.perf_counter = lambda: 0.0


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.randn(4 * hidden_size, input_size) * 0.1)
        self.weight_hh = nn.Parameter(torch.randn(4 * hidden_size, hidden_size) * 0.1)
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, x, state=None):
        if state is None:
            z = x.new_zeros(*x.shape[:-1], self.hidden_size)
            state = (z, z)
        h, c = state
        gates = x @ self.weight_ih.T + h @ self.weight_hh.T + self.bias_ih + self.bias_hh
        i, f, g, o = gates.chunk(4, -1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c
