# expect: pass
# style: nn.LSTM-style flat parameter names weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} set with setattr
import math

import torch
from torch import nn


class LSTMCell(nn.Module):
    """Kept for the exercise; the stack below works on its own parameters."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))
        nn.init.xavier_uniform_(self.weight_ih)
        nn.init.xavier_uniform_(self.weight_hh)

    def forward(self, x, state):
        return lstm_step(x, state, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


def lstm_step(x, state, w_ih, w_hh, b_ih, b_hh):
    h, c = state
    i, f, g, o = (x @ w_ih.T + b_ih + h @ w_hh.T + b_hh).chunk(4, dim=-1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        k = 1 / math.sqrt(hidden_size)
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else hidden_size
            shapes = {"weight_ih": (4 * hidden_size, in_size), "weight_hh": (4 * hidden_size, hidden_size),
                      "bias_ih": (4 * hidden_size,), "bias_hh": (4 * hidden_size,)}
            for name, shape in shapes.items():
                setattr(self, f"{name}_l{layer}", nn.Parameter(torch.empty(shape).uniform_(-k, k)))

    def _weights(self, layer):
        return [getattr(self, f"{n}_l{layer}") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    def forward(self, x, state=None):
        B, T, _ = x.shape
        if state is None:
            h0 = x.new_zeros(self.num_layers, B, self.hidden_size)
            state = (h0, h0)
        h0, c0 = state
        layer_input = x
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            w = self._weights(layer)
            s = (h0[layer], c0[layer])
            outs = []
            for t in range(T):
                s = lstm_step(layer_input[:, t], s, *w)
                outs.append(s[0])
            layer_input = torch.stack(outs, dim=1)  # (B, T, H)
            h_n.append(s[0])
            c_n.append(s[1])
        return layer_input, (torch.stack(h_n), torch.stack(c_n))
