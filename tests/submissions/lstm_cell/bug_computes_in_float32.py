# expect: fail equivalence
# bug: the step is computed in float32 and cast back to the input's dtype, so float64 inputs lose precision
# mistake: computes-in-float32
import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(nn.init.xavier_uniform_(torch.empty(input_size, 4 * hidden_size)))
        self.weight_hh = nn.Parameter(nn.init.orthogonal_(torch.empty(hidden_size, 4 * hidden_size)))
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, x, state=None):
        dtype = x.dtype
        if x.dim() == 1:
            if state is not None:
                state = (state[0][None, :], state[1][None, :])
            h, c = self.forward(x[None, :], state)
            return h[0], c[0]
        if state is None:
            h0 = torch.zeros(len(x), self.hidden_size, dtype=dtype, device=x.device)
            state = (h0, torch.zeros_like(h0))
        # work in float32 (faster), give back the caller's dtype
        x, h, c = x.float(), state[0].float(), state[1].float()
        z = (x @ self.weight_ih.float() + self.bias_ih.float()
             + h @ self.weight_hh.float() + self.bias_hh.float())
        H = self.hidden_size
        i, f = torch.sigmoid(z[:, :H]), torch.sigmoid(z[:, H:2 * H])
        g, o = torch.tanh(z[:, 2 * H:3 * H]), torch.sigmoid(z[:, 3 * H:])
        c = f * c + i * g
        h = o * torch.tanh(c)
        return h.to(dtype), c.to(dtype)
