import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self):  # forgot the sizes
        super().__init__()

    def forward(self, x, state=None):
        return x, x
