# expect: fail equivalence
# bug: h is computed from the old cell state, o * tanh(c_prev), instead of the updated one
# mistake: old-cell-for-h
import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.W_ih = nn.Linear(input_size, 4 * hidden_size)
        self.W_hh = nn.Linear(hidden_size, 4 * hidden_size, bias=False)

    def forward(self, x, state=None):
        if x.dim() == 1:
            st = None if state is None else (state[0].unsqueeze(0), state[1].unsqueeze(0))
            h, c = self.forward(x.unsqueeze(0), st)
            return h.squeeze(0), c.squeeze(0)
        if state is None:
            state = (x.new_zeros(x.shape[0], self.hidden_size),
                     x.new_zeros(x.shape[0], self.hidden_size))
        h_prev, c_prev = state

        gates = self.W_ih(x) + self.W_hh(h_prev)
        i, f, g, o = gates.chunk(4, dim=1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)

        # salida primero, luego actualizar la memoria
        h_new = o * torch.tanh(c_prev)
        c_new = f * c_prev + i * g
        return h_new, c_new
