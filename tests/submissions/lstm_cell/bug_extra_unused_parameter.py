# expect: fail parameters
# bug: an extra parameter h0 (a learned initial state that was never wired in) is registered but never used
# mistake: extra-unused-parameter
import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.W_ih = nn.Linear(input_size, 4 * hidden_size)
        self.W_hh = nn.Linear(hidden_size, 4 * hidden_size, bias=False)
        # TODO: estado inicial aprendible
        self.h0 = nn.Parameter(torch.zeros(hidden_size))

    def forward(self, x, state=None):
        sin_batch = x.dim() == 1
        if sin_batch:
            x = x.unsqueeze(0)
            if state is not None:
                state = (state[0].unsqueeze(0), state[1].unsqueeze(0))
        if state is None:
            ceros = torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            state = (ceros, ceros)
        h_prev, c_prev = state

        i, f, g, o = (self.W_ih(x) + self.W_hh(h_prev)).chunk(4, dim=1)
        c_new = torch.sigmoid(f) * c_prev + torch.sigmoid(i) * torch.tanh(g)
        h_new = torch.sigmoid(o) * torch.tanh(c_new)
        if sin_batch:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new
