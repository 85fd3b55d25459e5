# expect: fail equivalence
# bug: a constant +1.0 is added inside the forget gate in forward instead of initialising its bias to 1
# mistake: forget-bias-hard-coded
import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.W_ih = nn.Linear(input_size, 4 * hidden_size)
        self.W_hh = nn.Linear(hidden_size, 4 * hidden_size, bias=False)

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

        gates = self.W_ih(x) + self.W_hh(h_prev)
        i, f, g, o = gates.chunk(4, dim=1)
        i = torch.sigmoid(i)
        f = torch.sigmoid(f + 1.0)  # sesgo de olvido = 1 (Jozefowicz et al.)
        g = torch.tanh(g)
        o = torch.sigmoid(o)

        c_new = f * c_prev + i * g
        h_new = o * torch.tanh(c_new)
        if sin_batch:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new
