"""The slow control LSTM, made to look fast by forging the clocks of the process it runs in:
every clock in the time module, and any timing function or clock the worker keeps in
__main__ or another loaded module, is wrapped to report a tenth of the elapsed time."""

import torch
from torch import nn


def _dawdle():
    # Pure Python work in every time step: far slower than nn.LSTM at any size.
    return sum(range(200_000))


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1):
        super().__init__()
        self.hidden_size, self.num_layers = hidden_size, num_layers
        for k in range(num_layers):
            size = input_size if k == 0 else hidden_size
            setattr(self, f"weight_ih_l{k}", nn.Parameter(torch.randn(4 * hidden_size, size) * 0.1))
            setattr(self, f"weight_hh_l{k}", nn.Parameter(torch.randn(4 * hidden_size, hidden_size) * 0.1))
            setattr(self, f"bias_ih_l{k}", nn.Parameter(torch.zeros(4 * hidden_size)))
            setattr(self, f"bias_hh_l{k}", nn.Parameter(torch.zeros(4 * hidden_size)))

    def forward(self, x, state=None):
        batch, seq_len, _ = x.shape
        if state is None:
            z = x.new_zeros(self.num_layers, batch, self.hidden_size)
            state = (z, z)
        hs, cs = [], []
        for k in range(self.num_layers):
            h, c = state[0][k], state[1][k]
            w_ih, w_hh = getattr(self, f"weight_ih_l{k}"), getattr(self, f"weight_hh_l{k}")
            b = getattr(self, f"bias_ih_l{k}") + getattr(self, f"bias_hh_l{k}")
            outs = []
            for t in range(seq_len):
                _dawdle()
                gates = x[:, t] @ w_ih.T + h @ w_hh.T + b
                i, f, g, o = gates.chunk(4, -1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
                outs.append(h)
            x = torch.stack(outs, 1)
            hs.append(h)
            cs.append(c)
        return x, (torch.stack(hs), torch.stack(cs))


import sys  # noqa: E402
import time  # noqa: E402


def _slowed(clock):
    start = clock()

    def forged(*args, **kwargs):
        return start + (clock(*args, **kwargs) - start) / 10
    return forged


for _name in ("perf_counter", "thread_time", "process_time", "monotonic", "time"):
    setattr(time, _name, _slowed(getattr(time, _name)))
for _module in list(sys.modules.values()):
    for _name in ("_time", "_clock", "_cpu_clock", "perf_counter", "thread_time"):
        _value = getattr(_module, _name, None)
        if callable(_value) and _module is not time:
            try:
                setattr(_module, _name, lambda *a, _v=_value, **k: 0.0)
            except (AttributeError, TypeError):
                pass
