# expect: fail shapes
# bug: everything is cast with .float(), so float64 inputs come back as float32
# mistake: output-dtype-float32
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
        x = x.float()  # avoid "expected scalar type Float" errors
        is_batched = x.dim() == 2
        if not is_batched:
            x = x.unsqueeze(0)
        if state is None:
            zeros = torch.zeros(x.size(0), self.hidden_size, device=x.device)
            state = (zeros, zeros)
        elif not is_batched:
            state = (state[0].unsqueeze(0), state[1].unsqueeze(0))
        h_prev, c_prev = state[0].float(), state[1].float()

        gates = (F.linear(x, self.weight_ih.float(), self.bias_ih.float())
                 + F.linear(h_prev, self.weight_hh.float(), self.bias_hh.float()))
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c_prev + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        if not is_batched:
            h, c = h.squeeze(0), c.squeeze(0)
        return h, c
