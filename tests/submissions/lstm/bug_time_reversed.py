# expect: fail sequence
# bug: the loop runs over the sequence backwards, from the last step to the first
# mistake: time-reversed
import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.W_ih = nn.Linear(input_size, 4 * hidden_size)
        self.W_hh = nn.Linear(hidden_size, 4 * hidden_size, bias=False)

    def forward(self, x, state):
        h_prev, c_prev = state
        gates = self.W_ih(x) + self.W_hh(h_prev)
        i, f, g, o = gates.chunk(4, dim=1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c_new = f * c_prev + i * g
        h_new = o * torch.tanh(c_new)
        return h_new, c_new


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cells = nn.ModuleList([
            LSTMCell(input_size if i == 0 else hidden_size, hidden_size)
            for i in range(num_layers)
        ])

    def forward(self, x, state=None):
        batch_size, seq_len, _ = x.shape
        if state is None:
            h = [torch.zeros(batch_size, self.hidden_size, dtype=x.dtype, device=x.device)
                 for _ in range(self.num_layers)]
            c = [torch.zeros(batch_size, self.hidden_size, dtype=x.dtype, device=x.device)
                 for _ in range(self.num_layers)]
        else:
            h, c = list(state[0]), list(state[1])

        outputs = []
        for t in range(seq_len - 1, -1, -1):
            inp = x[:, t, :]
            for layer, cell in enumerate(self.cells):
                h[layer], c[layer] = cell(inp, (h[layer], c[layer]))
                inp = h[layer]
            outputs.append(h[-1])

        outputs = torch.stack(outputs, dim=1)
        return outputs, (torch.stack(h), torch.stack(c))
