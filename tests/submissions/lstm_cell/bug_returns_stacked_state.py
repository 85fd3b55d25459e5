# expect: fail shapes
# bug: forward returns torch.stack([h, c]), one tensor, instead of the tuple (h, c)
# mistake: state-returned-stacked
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
        if state is None:
            state = torch.zeros(2, x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
        h_prev, c_prev = state

        i, f, g, o = (self.W_ih(x) + self.W_hh(h_prev)).chunk(4, dim=1)
        c_new = torch.sigmoid(f) * c_prev + torch.sigmoid(i) * torch.tanh(g)
        h_new = torch.sigmoid(o) * torch.tanh(c_new)
        out = torch.stack([h_new, c_new])  # (2, B, H): h = out[0], c = out[1]
        return out[:, 0] if unbatched else out
