# expect: fail equivalence
# bug: the forget gate is also used as the input gate (c' = f * c + f * g) instead of i = 1 - f
# mistake: input-equals-forget
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class CoupledLSTMCell(nn.Module):
    """CIFG: the input gate is tied to the forget gate, i = 1 - f."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(3 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(3 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(3 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(3 * hidden_size))
        k = 1 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -k, k)

    def forward(self, x, state=None):
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)
            if state is not None:
                state = (state[0].unsqueeze(0), state[1].unsqueeze(0))
        if state is None:
            zeros = torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            state = (zeros, zeros)
        h, c = state
        gates = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)
        f, g, o = gates.chunk(3, dim=1)
        f = torch.sigmoid(f)
        i = f  # coupled: the input gate is the forget gate
        c_new = f * c + i * torch.tanh(g)
        h_new = torch.sigmoid(o) * torch.tanh(c_new)
        if unbatched:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new
