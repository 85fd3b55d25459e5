# expect: pass
# style: a torch.autograd.Function with a hand-written backward (BPTT by hand), declared names
import math

import torch
from torch import nn


class _LSTMStep(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h, c, w_ih, w_hh, b_ih, b_hh):
        gates = x @ w_ih.t() + h @ w_hh.t() + b_ih + b_hh
        i, f, g, o = gates.chunk(4, 1)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        c_new = f * c + i * g
        tc = c_new.tanh()
        h_new = o * tc
        ctx.save_for_backward(x, h, c, w_ih, w_hh, i, f, g, o, tc)
        return h_new, c_new

    @staticmethod
    def backward(ctx, dh, dc):
        x, h, c, w_ih, w_hh, i, f, g, o, tc = ctx.saved_tensors
        # through h = o * tanh(c_new)
        do = dh * tc
        dc_total = dc + dh * o * (1 - tc * tc)
        # through c_new = f * c + i * g
        df = dc_total * c
        di = dc_total * g
        dg = dc_total * i
        dc_prev = dc_total * f
        # through the activations
        da = torch.cat([di * i * (1 - i), df * f * (1 - f), dg * (1 - g * g), do * o * (1 - o)], 1)
        dx = da @ w_ih
        dh_prev = da @ w_hh
        dw_ih = da.t() @ x
        dw_hh = da.t() @ h
        db = da.sum(0)
        return dx, dh_prev, dc_prev, dw_ih, dw_hh, db, db.clone()


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        k = 1 / math.sqrt(hidden_size)
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size).uniform_(-k, k))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size).uniform_(-k, k))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-k, k))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-k, k))

    def forward(self, x, state=None):
        single = x.dim() == 1
        if single:
            x = x.unsqueeze(0)
        if state is None:
            z = torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            h, c = z, z
        else:
            h, c = state
            if single:
                h, c = h.unsqueeze(0), c.unsqueeze(0)
        h, c = _LSTMStep.apply(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        if single:
            return h.squeeze(0), c.squeeze(0)
        return h, c
