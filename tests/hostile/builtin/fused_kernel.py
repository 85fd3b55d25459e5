import torch
from torch import nn


class LSTMCell(nn.Module):
    """nn.LSTMCell's parameters, registered as its own; the maths reached another way."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.randn(4 * hidden_size, input_size) * 0.1)
        self.weight_hh = nn.Parameter(torch.randn(4 * hidden_size, hidden_size) * 0.1)
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))

    def _state(self, x, state):
        if state is None:
            z = x.new_zeros(*x.shape[:-1], self.hidden_size)
            return z, z
        return state

    def forward(self, x, state=None):
        # oneDNN's sequence kernel called directly (its own CPU kernel, no composite above it)
        h, c = self._state(x, state)
        batched = x.dim() == 2
        xs = x.unsqueeze(0) if batched else x.view(1, 1, -1)
        h0 = h.unsqueeze(0) if batched else h.view(1, 1, -1)
        c0 = c.unsqueeze(0) if batched else c.view(1, 1, -1)
        out = torch.mkldnn_rnn_layer(
            xs.float(), self.weight_ih.float(), self.weight_hh.float(), self.bias_ih.float(),
            self.bias_hh.float(), h0.float(), c0.float(), False, [1, 1], 2, self.hidden_size,
            1, True, False, False, self.training)
        h1, c1 = out[1].to(x.dtype), out[2].to(x.dtype)
        return (h1[0], c1[0]) if batched else (h1.view(-1), c1.view(-1))
