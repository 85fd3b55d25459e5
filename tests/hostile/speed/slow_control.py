"""Control: a correct LSTM far slower than nn.LSTM (pure Python work in every time
step). It must get no speed points; the forgeries in this folder wrap this same module."""

import torch
from torch import nn


def _dawdle():
    # Pure Python work in every time step: far slower than nn.LSTM at any size.
    return sum(range(200_000))


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1):
        super().__init__()
        self.hidden_size, self.num_layers = hidden_size, num_layers
        for k in range(num_layers):
            size = input_size if k == 0 else hidden_size
            setattr(self, f"weight_ih_l{k}", nn.Parameter(torch.randn(4 * hidden_size, size) * 0.1))
            setattr(self, f"weight_hh_l{k}", nn.Parameter(torch.randn(4 * hidden_size, hidden_size) * 0.1))
            setattr(self, f"bias_ih_l{k}", nn.Parameter(torch.zeros(4 * hidden_size)))
            setattr(self, f"bias_hh_l{k}", nn.Parameter(torch.zeros(4 * hidden_size)))

    def forward(self, x, state=None):
        batch, seq_len, _ = x.shape
        if state is None:
            z = x.new_zeros(self.num_layers, batch, self.hidden_size)
            state = (z, z)
        hs, cs = [], []
        for k in range(self.num_layers):
            h, c = state[0][k], state[1][k]
            w_ih, w_hh = getattr(self, f"weight_ih_l{k}"), getattr(self, f"weight_hh_l{k}")
            b = getattr(self, f"bias_ih_l{k}") + getattr(self, f"bias_hh_l{k}")
            outs = []
            for t in range(seq_len):
                _dawdle()
                gates = x[:, t] @ w_ih.T + h @ w_hh.T + b
                i, f, g, o = gates.chunk(4, -1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
                outs.append(h)
            x = torch.stack(outs, 1)
            hs.append(h)
            cs.append(c)
        return x, (torch.stack(hs), torch.stack(cs))
