# expect: fail integrity
# bug: the cell wraps PyTorch's built-in nn.LSTMCell instead of computing the gates itself
# mistake: uses-builtin-lstm-cell
import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        # same maths as the lesson, but optimised
        self.cell = nn.LSTMCell(input_size, hidden_size)

    def forward(self, x, state=None):
        h, c = self.cell(x, state)
        return h, c
