# expect: fail robustness
# bug: the cell keeps its memory in self.memory between calls and uses it instead of the c it is given
# mistake: state-kept-in-module
import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(0.1 * torch.randn(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(0.1 * torch.randn(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))
        self.memory = None  # long-term memory, carried from call to call

    def forward(self, x, state=None):
        squeeze = x.dim() == 1
        if squeeze:
            x = x.view(1, -1)
        if state is None:
            h = c = torch.zeros(x.size(0), self.hidden_size, dtype=x.dtype, device=x.device)
        else:
            h, c = state[0].view(x.size(0), -1), state[1].view(x.size(0), -1)
        if self.memory is not None and self.memory.shape == c.shape:
            c = self.memory
        gates = x @ self.weight_ih.t() + self.bias_ih + h @ self.weight_hh.t() + self.bias_hh
        i, f, g, o = gates.chunk(4, 1)
        c_t = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h_t = o.sigmoid() * c_t.tanh()
        self.memory = c_t.detach()
        if squeeze:
            return h_t.view(-1), c_t.view(-1)
        return h_t, c_t
