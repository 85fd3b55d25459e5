# expect: pass
# style: per-layer fused matrices over [h, x] in a ParameterList, gate order o, i, f, g, one bias per layer
import torch
from torch import nn


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1):
        super().__init__()
        self.hidden_size, self.num_layers = hidden_size, num_layers
        sizes = [input_size] + [hidden_size] * (num_layers - 1)
        self.W = nn.ParameterList([nn.Parameter(torch.randn(4 * hidden_size, hidden_size + s) * 0.1) for s in sizes])
        self.b = nn.ParameterList([nn.Parameter(torch.zeros(4 * hidden_size)) for _ in sizes])

    def forward(self, x, state=None):
        B, T, _ = x.shape
        if state is None:
            z = x.new_zeros(self.num_layers, B, self.hidden_size)
            state = (z, z)
        hs, cs = list(state[0]), list(state[1])
        outs = []
        for t in range(T):
            inp = x[:, t]
            for k in range(self.num_layers):
                o, i, f, g = (torch.cat([hs[k], inp], 1) @ self.W[k].T + self.b[k]).chunk(4, 1)
                cs[k] = torch.sigmoid(f) * cs[k] + torch.sigmoid(i) * torch.tanh(g)
                hs[k] = torch.sigmoid(o) * torch.tanh(cs[k])
                inp = hs[k]
            outs.append(inp)
        return torch.stack(outs, 1), (torch.stack(hs), torch.stack(cs))
