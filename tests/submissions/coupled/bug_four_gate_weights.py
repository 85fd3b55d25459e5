# expect: fail parameters
# bug: the weights are sized for the standard cell (4H rows) although the coupled cell has only three gates: the input-gate rows are never used
# mistake: coupled-with-four-gate-weights
import torch
import torch.nn as nn


class CoupledLSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        # same as the LSTMCell: [i, f, g, o]
        self.weight_ih = nn.Parameter(torch.randn(4 * hidden_size, input_size) * 0.1)
        self.weight_hh = nn.Parameter(torch.randn(4 * hidden_size, hidden_size) * 0.1)
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, x, state=None):
        if x.dim() == 1:
            s = None if state is None else (state[0].unsqueeze(0), state[1].unsqueeze(0))
            h, c = self.forward(x.unsqueeze(0), s)
            return h.squeeze(0), c.squeeze(0)
        if state is None:
            state = (x.new_zeros(x.shape[0], self.hidden_size), x.new_zeros(x.shape[0], self.hidden_size))
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        _, f, g, o = gates.chunk(4, dim=1)
        f = torch.sigmoid(f)
        i = 1 - f  # coupled input gate
        c = f * c + i * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c
