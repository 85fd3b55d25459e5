# expect: pass
# style: examples/my_lstm.py with the habits of a careful student: a self-test against
# nn.LSTMCell and nn.LSTM under __main__, __all__ naming the classes, a dict keyed by class
# name, a module-level reference to nn.LSTMCell; none of it runs when graded
from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class LSTMCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        bound = 1 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor]:
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)
        if state is None:
            zeros = x.new_zeros(x.shape[0], self.hidden_size)
            h, c = zeros, zeros
        else:
            h, c = state
            if unbatched:
                h, c = h.unsqueeze(0), c.unsqueeze(0)
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)  # each (B, H)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h_new = torch.sigmoid(o) * torch.tanh(c_new)
        if unbatched:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new


class LSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cells = nn.ModuleList(
            LSTMCell(input_size if k == 0 else hidden_size, hidden_size)
            for k in range(num_layers))

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        batch, seq_len, _ = x.shape
        if state is None:
            zeros = x.new_zeros(self.num_layers, batch, self.hidden_size)
            state = (zeros, zeros)
        h = list(state[0].unbind(0))
        c = list(state[1].unbind(0))
        outputs = []
        for t in range(seq_len):
            inp = x[:, t]
            for k, cell in enumerate(self.cells):
                h[k], c[k] = cell(inp, (h[k], c[k]))
                inp = h[k]
            outputs.append(inp)
        return torch.stack(outputs, dim=1), (torch.stack(h), torch.stack(c))


__all__ = ["LSTMCell", "LSTM"]
BY_NAME = {"LSTMCell": LSTMCell, "LSTM": LSTM}
_FLOAT_MODULE = torch.nn.LSTMCell  # as PyTorch's quantizable LSTM keeps its float twin


def test_against_pytorch() -> None:
    torch.manual_seed(0)
    ref = nn.LSTMCell(3, 5)
    mine = LSTMCell(3, 5)
    mine.load_state_dict(ref.state_dict())
    x = torch.randn(2, 3)
    for a, b in zip(mine(x), ref(x)):
        torch.testing.assert_close(a, b)
    seq_ref = nn.LSTM(3, 5, batch_first=True)
    print(seq_ref)


if __name__ == "__main__":
    test_against_pytorch()
    ref = nn.LSTMCell(3, 5)
    print(torch._VF.lstm_cell, getattr(torch, "lstm_cell"), ref)
