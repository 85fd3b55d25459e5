# expect: fail equivalence
# bug: Keras layout, but h = o * c without tanh
# mistake: missing-tanh-on-c
import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.units = hidden_size
        self.kernel = nn.Parameter(nn.init.xavier_uniform_(torch.empty(input_size, 4 * hidden_size)))
        self.recurrent_kernel = nn.Parameter(nn.init.orthogonal_(torch.empty(hidden_size, 4 * hidden_size)))
        bias = torch.zeros(4 * hidden_size)
        bias[hidden_size:2 * hidden_size] = 1.0  # unit forget bias, as Keras does
        self.bias = nn.Parameter(bias)

    def forward(self, inputs, states=None):
        one = inputs.dim() == 1
        if one:
            inputs = inputs.unsqueeze(0)
            states = None if states is None else tuple(s.unsqueeze(0) for s in states)
        if states is None:
            states = (inputs.new_zeros(inputs.shape[0], self.units),) * 2
        h_tm1, c_tm1 = states
        z = inputs @ self.kernel + h_tm1 @ self.recurrent_kernel + self.bias
        z0, z1, z2, z3 = torch.split(z, self.units, dim=1)
        i = torch.sigmoid(z0)
        f = torch.sigmoid(z1)
        c = f * c_tm1 + i * torch.tanh(z2)
        o = torch.sigmoid(z3)
        h = o * c
        return (h.squeeze(0), c.squeeze(0)) if one else (h, c)
