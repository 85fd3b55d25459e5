# expect: pass
# style: eight nn.Linear layers, one per gate and input, registered in the order o, g, f, i
import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.x2o, self.h2o = nn.Linear(input_size, hidden_size), nn.Linear(hidden_size, hidden_size, bias=False)
        self.x2g, self.h2g = nn.Linear(input_size, hidden_size), nn.Linear(hidden_size, hidden_size, bias=False)
        self.x2f, self.h2f = nn.Linear(input_size, hidden_size), nn.Linear(hidden_size, hidden_size, bias=False)
        self.x2i, self.h2i = nn.Linear(input_size, hidden_size), nn.Linear(hidden_size, hidden_size, bias=False)

    def forward(self, x, state=None):
        if x.dim() == 1:
            s = None if state is None else (state[0].unsqueeze(0), state[1].unsqueeze(0))
            h, c = self.forward(x.unsqueeze(0), s)
            return h.squeeze(0), c.squeeze(0)
        if state is None:
            z = torch.zeros(x.size(0), self.hidden_size, dtype=x.dtype, device=x.device)
            state = (z, z)
        h_prev, c_prev = state
        # puertas / gates
        i = torch.sigmoid(self.x2i(x) + self.h2i(h_prev))
        f = torch.sigmoid(self.x2f(x) + self.h2f(h_prev))
        g = torch.tanh(self.x2g(x) + self.h2g(h_prev))
        o = torch.sigmoid(self.x2o(x) + self.h2o(h_prev))
        c = f * c_prev + i * g
        return o * torch.tanh(c), c
