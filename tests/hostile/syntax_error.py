import torch

class LSTMCell(torch.nn.Module):
    def __init__(self, i, h)
        super().__init__()
