# expect: fail equivalence
# bug: the recurrent weights multiply the cell state c instead of the hidden state h
# mistake: recurrent-weights-on-c
import torch
import torch.nn as nn
import torch.nn.functional as F


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.randn(4 * hidden_size, input_size) * 0.1)
        self.weight_hh = nn.Parameter(torch.randn(4 * hidden_size, hidden_size) * 0.1)
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, x, state=None):
        is_batched = x.dim() == 2
        if not is_batched:
            x = x.unsqueeze(0)
        if state is None:
            zeros = torch.zeros(x.size(0), self.hidden_size, dtype=x.dtype, device=x.device)
            state = (zeros, zeros)
        elif not is_batched:
            state = (state[0].unsqueeze(0), state[1].unsqueeze(0))
        h_prev, c_prev = state

        # the memory goes into the gates
        gates = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(c_prev, self.weight_hh, self.bias_hh)
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c_prev + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        if not is_batched:
            h, c = h.squeeze(0), c.squeeze(0)
        return h, c
