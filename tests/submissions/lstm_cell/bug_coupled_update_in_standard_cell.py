# expect: fail equivalence
# bug: the update uses (1 - f) where the input gate belongs (the coupled variant), so i is never used
# mistake: coupled-update-in-standard-cell
import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(nn.init.xavier_uniform_(torch.empty(input_size, 4 * hidden_size)))
        self.weight_hh = nn.Parameter(nn.init.orthogonal_(torch.empty(hidden_size, 4 * hidden_size)))
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))

    def forward(self, x, state=None):
        if x.dim() == 1:
            if state is not None:
                state = (state[0][None, :], state[1][None, :])
            h, c = self.forward(x[None, :], state)
            return h[0], c[0]
        if state is None:
            h0 = torch.zeros(len(x), self.hidden_size, dtype=x.dtype, device=x.device)
            state = (h0, torch.zeros_like(h0))
        h, c = state
        z = x @ self.weight_ih + self.bias_ih + h @ self.weight_hh + self.bias_hh
        H = self.hidden_size
        i = torch.sigmoid(z[:, :H])
        f = torch.sigmoid(z[:, H:2 * H])
        g = torch.tanh(z[:, 2 * H:3 * H])
        o = torch.sigmoid(z[:, 3 * H:])
        c = f * c + (1 - f) * g  # what is not forgotten is replaced by new info
        h = o * torch.tanh(c)
        return h, c
