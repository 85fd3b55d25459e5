"""A correct but naive LSTM, as a first attempt often looks: one nn.Linear per gate and
input (eight products per step), x[:, t, :] indexing, layer after layer inside the time loop,
outputs concatenated at the end. The speed check's "slow" yardstick (docs/benchmarks.md)."""

import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.W_ii = nn.Linear(input_size, hidden_size)
        self.W_hi = nn.Linear(hidden_size, hidden_size)
        self.W_if = nn.Linear(input_size, hidden_size)
        self.W_hf = nn.Linear(hidden_size, hidden_size)
        self.W_ig = nn.Linear(input_size, hidden_size)
        self.W_hg = nn.Linear(hidden_size, hidden_size)
        self.W_io = nn.Linear(input_size, hidden_size)
        self.W_ho = nn.Linear(hidden_size, hidden_size)

    def forward(self, x, state=None):
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)
        if state is None:
            h = torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            c = torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
        else:
            h, c = state
            if unbatched:
                h, c = h.unsqueeze(0), c.unsqueeze(0)
        i = torch.sigmoid(self.W_ii(x) + self.W_hi(h))
        f = torch.sigmoid(self.W_if(x) + self.W_hf(h))
        g = torch.tanh(self.W_ig(x) + self.W_hg(h))
        o = torch.sigmoid(self.W_io(x) + self.W_ho(h))
        c_new = f * c + i * g
        h_new = o * torch.tanh(c_new)
        if unbatched:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cells = nn.ModuleList(
            [LSTMCell(input_size if k == 0 else hidden_size, hidden_size)
             for k in range(num_layers)])

    def forward(self, x, state=None):
        batch, seq_len, _ = x.shape
        if state is None:
            h = [torch.zeros(batch, self.hidden_size, dtype=x.dtype, device=x.device)
                 for _ in range(self.num_layers)]
            c = [torch.zeros(batch, self.hidden_size, dtype=x.dtype, device=x.device)
                 for _ in range(self.num_layers)]
        else:
            h = [state[0][k] for k in range(self.num_layers)]
            c = [state[1][k] for k in range(self.num_layers)]
        outputs = []
        for t in range(seq_len):
            inp = x[:, t, :]
            for k in range(self.num_layers):
                h[k], c[k] = self.cells[k](inp, (h[k], c[k]))
                inp = h[k]
            outputs.append(inp.unsqueeze(1))
        return torch.cat(outputs, dim=1), (torch.stack(h), torch.stack(c))
