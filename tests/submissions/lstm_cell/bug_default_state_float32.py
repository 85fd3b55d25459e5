# expect: fail robustness
# bug: the default state is created as float32 zeros (torch.zeros(..., device=x.device)) whatever the input's dtype, so state=None breaks for float64 input
# mistake: default-state-float32
import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    """Celda LSTM implementada desde cero."""

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
        # Inicializar estados (como en la LSTM de la lección)
        if state is None:
            batch_size = x.shape[0]
            state = (torch.zeros(batch_size, self.hidden_size, device=x.device),
                     torch.zeros(batch_size, self.hidden_size, device=x.device))
        h_prev, c_prev = state

        gates = self.W_ih(x) + self.W_hh(h_prev)
        i, f, g, o = gates.chunk(4, dim=1)
        i = torch.sigmoid(i)
        f = torch.sigmoid(f)
        g = torch.tanh(g)
        o = torch.sigmoid(o)
        c_new = f * c_prev + i * g
        h_new = o * torch.tanh(c_new)
        if sin_batch:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new
