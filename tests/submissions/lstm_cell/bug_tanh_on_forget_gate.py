# expect: fail equivalence
# bug: the forget gate uses tanh, so f lies in (-1, 1) and can flip the sign of the memory
# mistake: tanh-on-forget-gate
import math

import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        bound = 1 / math.sqrt(hidden_size)
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size).uniform_(-bound, bound))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size).uniform_(-bound, bound))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-bound, bound))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-bound, bound))

    def _gate(self, k, x, h):
        H = self.hidden_size
        W_x = self.weight_ih.narrow(0, k * H, H)
        W_h = self.weight_hh.narrow(0, k * H, H)
        b = self.bias_ih[k * H:(k + 1) * H] + self.bias_hh[k * H:(k + 1) * H]
        return x.matmul(W_x.T) + h.matmul(W_h.T) + b

    def forward(self, x, state=None):
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)
        if state is None:
            h_prev = x.new_zeros((x.shape[0], self.hidden_size))
            c_prev = x.new_zeros((x.shape[0], self.hidden_size))
        else:
            h_prev, c_prev = state
            if unbatched:
                h_prev, c_prev = h_prev.unsqueeze(0), c_prev.unsqueeze(0)

        input_gate = torch.sigmoid(self._gate(0, x, h_prev))
        forget_gate = torch.tanh(self._gate(1, x, h_prev))
        candidate = torch.tanh(self._gate(2, x, h_prev))
        output_gate = torch.sigmoid(self._gate(3, x, h_prev))

        c_next = forget_gate * c_prev + input_gate * candidate
        h_next = output_gate * torch.tanh(c_next)
        if unbatched:
            return h_next.squeeze(0), c_next.squeeze(0)
        return h_next, c_next
