# expect: fail equivalence
# bug: the candidate g goes through sigmoid instead of tanh, so the cell can only add to its memory
# mistake: sigmoid-on-candidate
import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        # [i, f, g, o]
        self.W_ih = nn.Linear(input_size, 4 * hidden_size)
        self.W_hh = nn.Linear(hidden_size, 4 * hidden_size, bias=False)

    def forward(self, x, state=None):
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)
            if state is not None:
                state = tuple(s.unsqueeze(0) for s in state)
        if state is None:
            h0 = torch.zeros(x.size(0), self.hidden_size, dtype=x.dtype, device=x.device)
            state = (h0, h0)
        h_prev, c_prev = state

        gates = self.W_ih(x) + self.W_hh(h_prev)
        i, f, g, o = gates.chunk(4, dim=1)
        # todas las puertas con sigmoide
        i = torch.sigmoid(i)
        f = torch.sigmoid(f)
        g = torch.sigmoid(g)
        o = torch.sigmoid(o)

        c_new = f * c_prev + i * g
        h_new = o * torch.tanh(c_new)
        if unbatched:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new
