"""Reference sequence model: cell -> layer -> stack, equal to ``nn.LSTM(batch_first=True)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from reference.cells import LSTMCell, LSTMState, ProjectionLSTMCell, _copy_params

CellFactory = Callable[[int, int], nn.Module]


class LSTMLayer(nn.Module):
    """Runs one cell over the time axis of a (batch, seq, input) tensor."""

    def __init__(self, cell: nn.Module) -> None:
        super().__init__()
        self.cell = cell

    def forward(self, x: Tensor, state: LSTMState) -> tuple[Tensor, LSTMState]:
        outputs = []
        step: Callable[..., Any] = self.cell.step  # type: ignore[assignment]
        for t in range(x.shape[1]):
            state, _ = step(x[:, t], state)
            outputs.append(state[0])
        return torch.stack(outputs, dim=1), state  # (B, T, H_out)


class LSTM(nn.Module):
    """Multi-layer LSTM, batch_first, equal to ``nn.LSTM(batch_first=True)``.

    ``forward(x, state=None) -> (outputs, (h_n, c_n))`` with x (batch, seq, input) or
    unbatched (seq, input); outputs (batch, seq, H_out) from the top layer only; h_n (layers,
    batch, H_out) and c_n (layers, batch, hidden). H_out is ``proj_size`` when it is set, else
    ``hidden_size``. Dropout acts on the outputs of every layer but the last, in training only.
    ``cell`` swaps the cell (any class with ``(input_size, hidden_size)`` and ``step``) to stack
    a variant.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 dropout: float = 0.0, proj_size: int = 0, bias: bool = True,
                 cell: CellFactory | None = None) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"num_layers must be >= 1, got {num_layers}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"dropout must be in [0, 1], got {dropout}")
        if proj_size and cell is not None:
            raise ValueError("proj_size and a custom cell cannot be combined")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.proj_size = proj_size
        out = proj_size or hidden_size
        self.layers = nn.ModuleList()
        for k in range(num_layers):
            size_in = input_size if k == 0 else out
            if proj_size:
                layer_cell: nn.Module = ProjectionLSTMCell(size_in, hidden_size, proj_size, bias)
            elif cell is None:
                layer_cell = LSTMCell(size_in, hidden_size, bias)
            else:
                layer_cell = cell(size_in, hidden_size)
            self.layers.append(LSTMLayer(layer_cell))

    @property
    def output_size(self) -> int:
        return self.proj_size or self.hidden_size

    def forward(self, x: Tensor, state: LSTMState | None = None
                ) -> tuple[Tensor, LSTMState]:
        if x.dim() not in (2, 3):
            raise ValueError(f"LSTM: expected input of 2 (unbatched) or 3 dimensions, "
                             f"got {x.dim()}")
        unbatched = x.dim() == 2
        if unbatched:
            x = x.unsqueeze(0)
            if state is not None:
                state = (state[0].unsqueeze(1), state[1].unsqueeze(1))
        batch = x.shape[0]
        if state is None:
            h0 = x.new_zeros(self.num_layers, batch, self.output_size)
            c0 = x.new_zeros(self.num_layers, batch, self.hidden_size)
        else:
            h0, c0 = state
        h_n, c_n = [], []
        inp = x
        for k, layer in enumerate(self.layers):
            inp, (h, c) = layer(inp, (h0[k], c0[k]))  # inp: (B, T, H_out)
            h_n.append(h)
            c_n.append(c)
            if self.dropout and self.training and k < self.num_layers - 1:
                inp = F.dropout(inp, self.dropout, training=True)
        hs, cs = torch.stack(h_n), torch.stack(c_n)  # (L, B, ·)
        if unbatched:
            return inp.squeeze(0), (hs.squeeze(1), cs.squeeze(1))
        return inp, (hs, cs)

    def _torch_names(self) -> dict[str, str]:
        names = {}
        for k, layer in enumerate(self.layers):
            for ours, _ in layer.cell.named_parameters():  # type: ignore[union-attr]
                names[f"layers.{k}.cell.{ours}"] = f"{ours}_l{k}"
        return names

    @classmethod
    def from_torch(cls, module: nn.LSTM) -> LSTM:
        if module.bidirectional:
            raise ValueError("reference.LSTM is unidirectional; got a bidirectional nn.LSTM")
        model = cls(module.input_size, module.hidden_size, module.num_layers,
                    dropout=module.dropout, proj_size=module.proj_size, bias=module.bias)
        model.to(module.weight_ih_l0.dtype)  # type: ignore[arg-type]
        _copy_params(model, module, model._torch_names())
        model.train(module.training)
        return model

    def to_torch(self) -> nn.LSTM:
        first: Any = self.layers[0].cell
        if type(first) not in (LSTMCell, ProjectionLSTMCell):
            raise TypeError(f"nn.LSTM has no counterpart for a stack of {type(first).__name__}")
        module = nn.LSTM(self.input_size, self.hidden_size, self.num_layers,
                         bias=first.bias_ih is not None, batch_first=True,
                         dropout=self.dropout, proj_size=self.proj_size,
                         dtype=first.weight_ih.dtype)
        names = {theirs: ours for ours, theirs in self._torch_names().items()}
        _copy_params(module, self, names)
        module.train(self.training)
        return module
