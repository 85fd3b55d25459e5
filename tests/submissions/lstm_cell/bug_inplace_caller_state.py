# expect: fail robustness
# bug: the caller's c is updated in place (c_prev.mul_(f).add_(i * g)), so the state passed in is overwritten
# mistake: caller-state-modified-in-place
import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
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
        h_prev, c_prev = state
        gates = x @ self.weight_ih.T + self.bias_ih + h_prev @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        # update the memory in place, saves an allocation
        c_prev.mul_(f).add_(i * g)
        h = o * torch.tanh(c_prev)
        return h, c_prev
