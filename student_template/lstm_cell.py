"""LSTM from scratch (LSTM desde cero): the handout you fill in.

Write the ``forward`` method of each class below; everything else is given. Each ``__init__``
already creates the parameters with the names, shapes and initialisation that the grader
expects: the grader loads its own weights into your module by these names and compares your
outputs with a reference implementation. Do not rename, reshape, add or remove parameters.

| Exercise    | Class              | What it computes                                      |
|-------------|--------------------|-------------------------------------------------------|
| `lstm_cell` | `LSTMCell`         | one LSTM step, the same function as `nn.LSTMCell`     |
| `lstm`      | `LSTM`             | a stack of `LSTMCell`s over a sequence (batch first)  |
| `peephole`  | `PeepholeLSTMCell` | an LSTM step whose gates also look at the cell state  |
| `coupled`   | `CoupledLSTMCell`  | coupled forget-input gates (CIFG): i = 1 − f          |
| `gru`       | `GRUCell`          | one GRU step, the same function as `nn.GRUCell`       |

Conventions shared by every class:

- `x` is `(batch, input_size)`, or unbatched `(input_size,)` for the cells. The LSTM state is
  a tuple `(h, c)`: the hidden state h_t (memoria a corto plazo) first, then the cell state
  C_t (la cinta transportadora, memoria a largo plazo), each `(batch, hidden_size)`, or
  `(hidden_size,)` when `x` is unbatched. `state=None` means zeros with `x`'s dtype and device.
- `W x` means `x @ W.T`. The gates are stacked along dim 0 of `weight_ih`, `weight_hh`,
  `bias_ih` and `bias_hh` in the order given by each class (i, f, g, o for the LSTM, as in
  PyTorch). There are two biases, as in PyTorch: add both.
- Allowed: `torch` tensor operations (`@`, `torch.sigmoid`, `torch.tanh`, `chunk`, `stack`,
  `torch.zeros`, ...). Not allowed: `nn.LSTM`, `nn.LSTMCell`, `nn.GRU`, `nn.GRUCell`,
  `nn.RNN`, `nn.RNNCell`, `torch.lstm_cell`, `torch.gru_cell`, `torch.lstm`, `torch.gru`,
  `torch._VF` or any other built-in recurrent op; modifying the caller's tensors in place;
  keeping state in the module between calls (each call starts from the `state` it is given).

Check your work locally before you submit. The first command checks the course's default
exercises; `--exercise` (repeat it) picks the ones to check, optional ones included:

    lstm-grader check lstm_cell.py
    lstm-grader check lstm_cell.py --exercise lstm_cell --exercise lstm
    lstm-grader check lstm_cell.py --exercise peephole

Exercise names for `--exercise`: `lstm_cell`, `lstm`, `peephole`, `coupled`, `gru`.

In a notebook (Jupyter, Colab), with these classes in its cells, check from a cell (the
handout notebook's last cell does it):

    from grader import check; check("lstm_cell")
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def init_like_pytorch(module: nn.Module, hidden_size: int) -> None:
    """PyTorch's initialisation for recurrent cells: every parameter ~ U(-1/√H, 1/√H)."""
    bound = hidden_size**-0.5 if hidden_size > 0 else 0.0
    for p in module.parameters():
        nn.init.uniform_(p, -bound, bound)


class LSTMCell(nn.Module):
    """One LSTM step (una celda LSTM): the same function as ``nn.LSTMCell``.

    Equations, with x = x_t, h = h_{t-1}, c = C_{t-1} and W x meaning ``x @ W.T``:

        i  = σ(W_ii x + b_ii + W_hi h + b_hi)      input gate (puerta de entrada)
        f  = σ(W_if x + b_if + W_hf h + b_hf)      forget gate (puerta de olvido)
        g  = tanh(W_ig x + b_ig + W_hg h + b_hg)   candidate C̃_t (valores candidatos)
        o  = σ(W_io x + b_io + W_ho h + b_ho)      output gate (puerta de salida)
        c' = f ⊙ c + i ⊙ g                         new cell state C_t (la cinta transportadora)
        h' = o ⊙ tanh(c')                          new hidden state h_t

    The lesson's W_f · [h_{t-1}, x_t] is W_if x + W_hf h with the matrix split in two.

    Parameters (created in ``__init__``), gate order i, f, g, o stacked along dim 0 as in
    ``nn.LSTMCell`` (rows 0:H are i, H:2H f, 2H:3H g, 3H:4H o):
        weight_ih (4H, I) = [W_ii; W_if; W_ig; W_io]    weight_hh (4H, H)
        bias_ih (4H,)                                   bias_hh (4H,)

    ``forward(x, state=None) -> (h', c')``
        x: (batch, input_size), or unbatched (input_size,).
        state: a tuple (h, c), each (batch, hidden_size), or (hidden_size,) when x is
            unbatched; None means zeros with x's dtype and device.
        returns (h', c'), each shaped like h.

    Not allowed: nn.LSTM, nn.LSTMCell, nn.GRU, nn.GRUCell, nn.RNN, nn.RNNCell,
    torch.lstm_cell, torch.lstm, torch._VF or any other built-in recurrent op; modifying the
    caller's tensors in place; keeping state in the module between calls.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        init_like_pytorch(self, hidden_size)

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor]:
        # Your code here. A plan:
        # 1. Unbatched x (1-D): work on x.unsqueeze(0) (and on h, c likewise), squeeze at the end.
        # 2. state None: h and c are zeros (batch, hidden_size) with x's dtype and device.
        # 3. All four gates at once: a (batch, 4H) tensor; split it in the order i, f, g, o.
        # 4. Activations, then c', then h'. Build new tensors; never write into x, h or c.
        raise NotImplementedError(
            "LSTMCell.forward is not written yet: compute the gates i, f, g, o from x and h, "
            "then c' = f*c + i*g and h' = o*tanh(c'), and return (h', c'). "
            "Check it with: lstm-grader check lstm_cell.py --exercise lstm_cell"
        )


class LSTM(nn.Module):
    """A multi-layer LSTM over a whole sequence (la LSTM completa), batch first.

    The same function as ``nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)``.
    ``self.cells[k]`` is layer k's ``LSTMCell``; layer 0 reads x_t, layer k > 0 reads the h_t
    that layer k − 1 produced at the same time step t. Each layer starts from its own
    (h_0[k], c_0[k]) and carries its own (h, c) along the sequence.

    Parameters: one ``LSTMCell`` per layer, named ``cells.{k}.weight_ih``,
    ``cells.{k}.weight_hh``, ``cells.{k}.bias_ih``, ``cells.{k}.bias_hh``; gate order i, f,
    g, o inside each cell. Compute every step by calling ``self.cells[k]``: the grader loads
    its weights into these cells.

    ``forward(x, state=None) -> (outputs, (h_n, c_n))``
        x: (batch, seq_len, input_size).
        state: a tuple (h_0, c_0), each (num_layers, batch, hidden_size); None means zeros
            with x's dtype and device (the lesson's version forgets the dtype).
        outputs: (batch, seq_len, hidden_size), the top layer's h_t at every step t.
        h_n, c_n: (num_layers, batch, hidden_size), every layer's h and c after the last step.

    Not allowed: nn.LSTM, nn.LSTMCell, nn.GRU, nn.GRUCell, nn.RNN, nn.RNNCell,
    torch.lstm_cell, torch.lstm, torch._VF or any other built-in recurrent op; modifying the
    caller's tensors in place (build lists and ``torch.stack`` them); keeping state in the
    module between calls.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cells = nn.ModuleList(
            [LSTMCell(input_size if k == 0 else hidden_size, hidden_size)
             for k in range(num_layers)]
        )

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        # Your code here. A plan:
        # 1. state None: zeros (num_layers, batch, hidden_size) with x's dtype and device.
        # 2. For each time step t, feed x[:, t] through the layers in order, each with its own
        #    (h, c); the top layer's h is the output at step t.
        # 3. torch.stack the outputs along dim 1 and the final states along dim 0.
        raise NotImplementedError(
            "LSTM.forward is not written yet: loop over time steps and layers with "
            "self.cells[k], return (outputs, (h_n, c_n)) with outputs (batch, seq, hidden) "
            "and h_n, c_n (num_layers, batch, hidden). "
            "Check it with: lstm-grader check lstm_cell.py --exercise lstm"
        )


class PeepholeLSTMCell(nn.Module):
    """An LSTM step with peephole connections (conexiones peephole): gates look at C.

    The lesson's W_cf · C_{t-1} with a diagonal W_cf, stored as a vector w_cf, so that it is an
    elementwise product. The input and forget gates look at the previous cell state c; the
    output gate looks at the new one c' (Gers & Schmidhuber; Greff et al.'s vanilla LSTM):

        i  = σ(W_ii x + b_ii + W_hi h + b_hi + w_ci ⊙ c)    input gate (puerta de entrada)
        f  = σ(W_if x + b_if + W_hf h + b_hf + w_cf ⊙ c)    forget gate (puerta de olvido)
        g  = tanh(W_ig x + b_ig + W_hg h + b_hg)            candidate C̃_t
        c' = f ⊙ c + i ⊙ g                                  new cell state C_t
        o  = σ(W_io x + b_io + W_ho h + b_ho + w_co ⊙ c')   output gate (puerta de salida)
        h' = o ⊙ tanh(c')

    Parameters: as ``LSTMCell`` (gate order i, f, g, o stacked along dim 0: weight_ih (4H, I),
    weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,)) plus the peephole vectors weight_ci,
    weight_cf, weight_co, each (H,), with no bias of their own.

    ``forward(x, state=None) -> (h', c')`` with the shapes and the (h, c) state convention
    of ``LSTMCell``: x (batch, input_size) or (input_size,); state None means zeros.

    Not allowed: nn.LSTM, nn.LSTMCell, nn.GRU, nn.GRUCell, nn.RNN, nn.RNNCell,
    torch.lstm_cell, torch.lstm, torch._VF or any other built-in recurrent op; modifying the
    caller's tensors in place; keeping state in the module between calls.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        self.weight_ci = nn.Parameter(torch.empty(hidden_size))
        self.weight_cf = nn.Parameter(torch.empty(hidden_size))
        self.weight_co = nn.Parameter(torch.empty(hidden_size))
        init_like_pytorch(self, hidden_size)

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor]:
        # Your code here: as LSTMCell, but o needs c', so compute c' before o.
        raise NotImplementedError(
            "PeepholeLSTMCell.forward is not written yet: as LSTMCell, plus w_ci ⊙ c and "
            "w_cf ⊙ c inside i and f, and w_co ⊙ c' (the new cell state) inside o. "
            "Check it with: lstm-grader check lstm_cell.py --exercise peephole"
        )


class CoupledLSTMCell(nn.Module):
    """An LSTM step with coupled forget and input gates (CIFG; "coupled forget-input").

    The lesson's simplification i = 1 − f: what the cell forgets is exactly the room it makes
    for the candidate, so there is no separate input gate and one gate fewer to learn:

        f  = σ(W_if x + b_if + W_hf h + b_hf)      forget gate (puerta de olvido)
        g  = tanh(W_ig x + b_ig + W_hg h + b_hg)   candidate C̃_t
        o  = σ(W_io x + b_io + W_ho h + b_ho)      output gate (puerta de salida)
        c' = f ⊙ c + (1 − f) ⊙ g
        h' = o ⊙ tanh(c')

    (Greff et al. write the same coupling as f = 1 − i; here the forget gate is the one with
    weights.)

    Parameters: three gates, gate order f, g, o stacked along dim 0 (rows 0:H are f, H:2H g,
    2H:3H o): weight_ih (3H, I), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,).

    ``forward(x, state=None) -> (h', c')`` with the shapes and the (h, c) state convention
    of ``LSTMCell``: x (batch, input_size) or (input_size,); state None means zeros.

    Not allowed: nn.LSTM, nn.LSTMCell, nn.GRU, nn.GRUCell, nn.RNN, nn.RNNCell,
    torch.lstm_cell, torch.lstm, torch._VF or any other built-in recurrent op; modifying the
    caller's tensors in place; keeping state in the module between calls.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(3 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(3 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(3 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(3 * hidden_size))
        init_like_pytorch(self, hidden_size)

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor]:
        # Your code here: as LSTMCell with three gates (f, g, o) and i = 1 - f.
        raise NotImplementedError(
            "CoupledLSTMCell.forward is not written yet: split the (batch, 3H) gates in the "
            "order f, g, o, then c' = f*c + (1 - f)*g and h' = o*tanh(c'); return (h', c'). "
            "Check it with: lstm-grader check lstm_cell.py --exercise coupled"
        )


class GRUCell(nn.Module):
    """One GRU step (una celda GRU): the same function as ``nn.GRUCell``.

    Two gates and no separate cell state: the hidden state h is the only memory.

        r  = σ(W_ir x + b_ir + W_hr h + b_hr)               reset gate (puerta de reinicio)
        z  = σ(W_iz x + b_iz + W_hz h + b_hz)               update gate (puerta de actualización)
        n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))      candidate
        h' = (1 − z) ⊙ n + z ⊙ h

    Mind the candidate: r multiplies (W_hn h + b_hn), after the matrix product, as PyTorch
    does. The original paper's W_hn (r ⊙ h) is a different function and fails the checks.

    Parameters, gate order r, z, n stacked along dim 0 as in ``nn.GRUCell`` (rows 0:H are r,
    H:2H z, 2H:3H n): weight_ih (3H, I), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,).
    Keep the two biases apart for n: b_hn sits inside r ⊙ (...), b_in outside.

    ``forward(x, h=None) -> h'``
        x: (batch, input_size), or unbatched (input_size,).
        h: (batch, hidden_size), or (hidden_size,) when x is unbatched; None means zeros with
            x's dtype and device.
        returns h', shaped like h.

    Not allowed: nn.LSTM, nn.LSTMCell, nn.GRU, nn.GRUCell, nn.RNN, nn.RNNCell,
    torch.gru_cell, torch.gru, torch._VF or any other built-in recurrent op; modifying the
    caller's tensors in place; keeping state in the module between calls.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(3 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(3 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(3 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(3 * hidden_size))
        init_like_pytorch(self, hidden_size)

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        # Your code here: compute x @ W_ih.T + b_ih and h @ W_hh.T + b_hh separately (both
        # (batch, 3H)), split each in the order r, z, n, then combine as above.
        raise NotImplementedError(
            "GRUCell.forward is not written yet: gates r, z, n; "
            "n = tanh(W_in x + b_in + r*(W_hn h + b_hn)), h' = (1 - z)*n + z*h; return h'. "
            "Check it with: lstm-grader check lstm_cell.py --exercise gru"
        )
