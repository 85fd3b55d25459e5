"""The speed check's baseline: PyTorch's own nn.LSTM (nn.GRU for the GRU cell), sent as the
source of a worker of its own that never loads a submission (``baseline_source``).

The submission's worker and this one answer the same requests (``speed_setup``,
``speed_run``) and the grader times both from outside (grader/checks/speed.py): no clock,
hook or module that a submission could reach takes part in the baseline's time.
"""

from __future__ import annotations

CLASS_NAME = "Baseline"
FILENAME = "lstm_grader_speed_baseline.py"

# Runs in the worker, under its own name (never this file): PyTorch's module, batch first,
# called as the handout's sequence modules are.
_SOURCE = '''
import torch
from torch import nn


class Baseline(nn.Module):
    def __init__(self, kind, input_size, hidden_size, num_layers):
        super().__init__()
        make = nn.GRU if kind == "gru" else nn.LSTM
        self.rnn = make(input_size, hidden_size, num_layers, batch_first=True)

    def forward(self, x, state):
        return self.rnn(x, state)[0]
'''


def baseline_source() -> str:
    return _SOURCE


def load_header() -> dict[str, object]:
    """The load request of a baseline worker (its guard of built-in kernels comes off)."""
    return {"op": "load", "source": _SOURCE, "filename": FILENAME, "speed_baseline": True}
