# expect: fail shapes
# bug: a 1-D input (no batch dimension) is not supported: the code assumes x is (batch, input_size) and fails or returns wrong shapes
# mistake: unbatched-input-unsupported
import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.W_ih = nn.Linear(input_size, 4 * hidden_size)
        self.W_hh = nn.Linear(hidden_size, 4 * hidden_size, bias=False)

    def forward(self, x, state=None):
        batch_size = x.size(0)
        if state is None:
            h0 = torch.zeros(batch_size, self.hidden_size, dtype=x.dtype, device=x.device)
            state = (h0, h0.clone())
        h_prev, c_prev = state

        gates = self.W_ih(x) + self.W_hh(h_prev)
        i, f, g, o = gates.chunk(4, dim=1)
        i = torch.sigmoid(i)
        f = torch.sigmoid(f)
        g = torch.tanh(g)
        o = torch.sigmoid(o)
        c_new = f * c_prev + i * g
        h_new = o * torch.tanh(c_new)
        return h_new, c_new
