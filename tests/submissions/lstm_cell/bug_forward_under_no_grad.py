# expect: fail gradients
# bug: the gates are computed inside torch.no_grad(), so the outputs carry no gradient at all
# mistake: forward-under-no-grad
import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.W_ih = nn.Linear(input_size, 4 * hidden_size)
        self.W_hh = nn.Linear(hidden_size, 4 * hidden_size, bias=False)

    def forward(self, x, state=None):
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)
            if state is not None:
                state = (state[0].unsqueeze(0), state[1].unsqueeze(0))
        with torch.no_grad():
            # inicializar el estado (sin gradiente)
            if state is None:
                state = (torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device),
                         torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device))
            h_prev, c_prev = state

            gates = self.W_ih(x) + self.W_hh(h_prev)
            i, f, g, o = gates.chunk(4, dim=1)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c_new = f * c_prev + i * g
            h_new = o * torch.tanh(c_new)
        if unbatched:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new
