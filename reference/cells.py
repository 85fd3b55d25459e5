"""Reference cells with a PyTorch counterpart: LSTMCell, GRUCell, RNNCell, ProjectionLSTMCell.

Parameter names and gate order follow PyTorch so that weights copy across unchanged:
LSTM gates are stacked i, f, g, o in ``weight_ih`` (4H, I), ``weight_hh`` (4H, H),
``bias_ih`` and ``bias_hh`` (4H); GRU gates r, z, n in (3H, ·).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from reference._base import batch_state, check_input, reset_uniform, zeros_like_state

LSTMState = tuple[Tensor, Tensor]


def _copy_params(dst: nn.Module, src: nn.Module, names: dict[str, str]) -> None:
    """Copy ``src.<theirs>`` into ``dst.<ours>`` for each (ours -> theirs) pair."""
    with torch.no_grad():
        for ours, theirs in names.items():
            target = dst.get_parameter(ours)
            source = src.get_parameter(theirs)
            if target.shape != source.shape:
                raise ValueError(f"shape mismatch for {ours}: {tuple(target.shape)} vs {theirs} "
                                 f"{tuple(source.shape)}")
            target.copy_(source)


class LSTMCell(nn.Module):
    """The lesson's LSTM cell, equal to ``nn.LSTMCell``.

    i = σ(W_ii x + b_ii + W_hi h + b_hi)      f = σ(W_if x + b_if + W_hf h + b_hf)
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)   o = σ(W_io x + b_io + W_ho h + b_ho)
    c' = f ⊙ c + i ⊙ g                        h' = o ⊙ tanh(c')
    """

    gate_names = ("i", "f", "g", "o")

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
            self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        reset_uniform(self, hidden_size)

    def preactivations(self, x: Tensor, h: Tensor) -> Tensor:
        gates = x @ self.weight_ih.T + h @ self.weight_hh.T  # (B, 4H)
        if self.bias_ih is not None:
            gates = gates + self.bias_ih + self.bias_hh
        return gates

    def step(self, x: Tensor, state: LSTMState) -> tuple[LSTMState, dict[str, Tensor]]:
        """One step on batched tensors; also returns the gate activations (for feedback)."""
        h, c = state
        i, f, g, o = self.preactivations(x, h).chunk(4, dim=1)  # each (B, H)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c_new = f * c + i * g
        h_new = o * torch.tanh(c_new)
        return (h_new, c_new), {"i": i, "f": f, "g": g, "o": o}

    def forward(self, x: Tensor, state: LSTMState | None = None) -> LSTMState:
        x, unbatched = check_input(x, self.input_size, type(self).__name__)
        if state is None:
            state = (zeros_like_state(x, self.hidden_size), zeros_like_state(x, self.hidden_size))
        else:
            state = (batch_state(state[0], unbatched), batch_state(state[1], unbatched))
        (h, c), _ = self.step(x, state)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)

    @classmethod
    def from_torch(cls, module: nn.LSTMCell) -> LSTMCell:
        cell = cls(module.input_size, module.hidden_size, bias=module.bias)
        cell.to(module.weight_ih.dtype)
        names = {n: n for n, _ in cell.named_parameters()}
        _copy_params(cell, module, names)
        return cell

    def to_torch(self) -> nn.LSTMCell:
        bias = self.bias_ih is not None
        module = nn.LSTMCell(self.input_size, self.hidden_size, bias=bias,
                             dtype=self.weight_ih.dtype)
        _copy_params(module, self, {n: n for n, _ in module.named_parameters()})
        return module


class ProjectionLSTMCell(LSTMCell):
    """LSTM cell with a projection of the hidden state, as ``nn.LSTM(proj_size=P)``.

    Gates as in ``LSTMCell`` but the recurrent input is the projected h (P wide):
    ``weight_hh`` is (4H, P); h' = W_hr (o ⊙ tanh(c')) with ``weight_hr`` (P, H), no bias.
    c stays H wide.
    """

    def __init__(self, input_size: int, hidden_size: int, proj_size: int,
                 bias: bool = True) -> None:
        if not 0 < proj_size < hidden_size:
            raise ValueError(f"proj_size must be in (0, hidden_size); got {proj_size} "
                             f"with hidden_size {hidden_size}")
        nn.Module.__init__(self)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.proj_size = proj_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, proj_size))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
            self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.weight_hr = nn.Parameter(torch.empty(proj_size, hidden_size))
        reset_uniform(self, hidden_size)

    def step(self, x: Tensor, state: LSTMState) -> tuple[LSTMState, dict[str, Tensor]]:
        (h_full, c_new), gates = super().step(x, state)
        return (h_full @ self.weight_hr.T, c_new), gates  # h: (B, P)

    def forward(self, x: Tensor, state: LSTMState | None = None) -> LSTMState:
        x, unbatched = check_input(x, self.input_size, type(self).__name__)
        if state is None:
            state = (zeros_like_state(x, self.proj_size), zeros_like_state(x, self.hidden_size))
        else:
            state = (batch_state(state[0], unbatched), batch_state(state[1], unbatched))
        (h, c), _ = self.step(x, state)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)

    @classmethod
    def from_torch(cls, module: nn.Module) -> ProjectionLSTMCell:  # type: ignore[override]
        raise TypeError("PyTorch has no projected LSTM cell; use reference.LSTM.from_torch "
                        "on an nn.LSTM(proj_size=...)")

    def to_torch(self) -> nn.LSTMCell:
        raise TypeError("PyTorch has no projected LSTM cell; use reference.LSTM(proj_size=...)"
                        ".to_torch()")


class GRUCell(nn.Module):
    """GRU cell equal to ``nn.GRUCell`` (reset gate applied after the recurrent matmul).

    r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    h' = (1 − z) ⊙ n + z ⊙ h
    """

    gate_names = ("r", "z", "n")

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(3 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(3 * hidden_size, hidden_size))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(3 * hidden_size))
            self.bias_hh = nn.Parameter(torch.empty(3 * hidden_size))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        reset_uniform(self, hidden_size)

    def step(self, x: Tensor, h: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        gi = x @ self.weight_ih.T  # (B, 3H)
        gh = h @ self.weight_hh.T  # (B, 3H)
        if self.bias_ih is not None:
            gi = gi + self.bias_ih
            gh = gh + self.bias_hh
        i_r, i_z, i_n = gi.chunk(3, dim=1)
        h_r, h_z, h_n = gh.chunk(3, dim=1)
        r = torch.sigmoid(i_r + h_r)
        z = torch.sigmoid(i_z + h_z)
        n = torch.tanh(i_n + r * h_n)
        h_new = (1 - z) * n + z * h
        return h_new, {"r": r, "z": z, "n": n}

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        x, unbatched = check_input(x, self.input_size, type(self).__name__)
        h = zeros_like_state(x, self.hidden_size) if h is None else batch_state(h, unbatched)
        h_new, _ = self.step(x, h)
        return h_new.squeeze(0) if unbatched else h_new

    @classmethod
    def from_torch(cls, module: nn.GRUCell) -> GRUCell:
        cell = cls(module.input_size, module.hidden_size, bias=module.bias)
        cell.to(module.weight_ih.dtype)
        _copy_params(cell, module, {n: n for n, _ in cell.named_parameters()})
        return cell

    def to_torch(self) -> nn.GRUCell:
        module = nn.GRUCell(self.input_size, self.hidden_size, bias=self.bias_ih is not None,
                            dtype=self.weight_ih.dtype)
        _copy_params(module, self, {n: n for n, _ in module.named_parameters()})
        return module


class RNNCell(nn.Module):
    """Elman RNN cell equal to ``nn.RNNCell(nonlinearity='tanh')``.

    h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
    """

    gate_names = ()

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(hidden_size))
            self.bias_hh = nn.Parameter(torch.empty(hidden_size))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        reset_uniform(self, hidden_size)

    def step(self, x: Tensor, h: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        pre = x @ self.weight_ih.T + h @ self.weight_hh.T  # (B, H)
        if self.bias_ih is not None:
            pre = pre + self.bias_ih + self.bias_hh
        return torch.tanh(pre), {}

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        x, unbatched = check_input(x, self.input_size, type(self).__name__)
        h = zeros_like_state(x, self.hidden_size) if h is None else batch_state(h, unbatched)
        h_new, _ = self.step(x, h)
        return h_new.squeeze(0) if unbatched else h_new

    @classmethod
    def from_torch(cls, module: nn.RNNCell) -> RNNCell:
        if module.nonlinearity != "tanh":
            raise ValueError("reference.RNNCell is the tanh cell; got nonlinearity="
                             f"{module.nonlinearity!r}")
        cell = cls(module.input_size, module.hidden_size, bias=module.bias)
        cell.to(module.weight_ih.dtype)
        _copy_params(cell, module, {n: n for n, _ in cell.named_parameters()})
        return cell

    def to_torch(self) -> nn.RNNCell:
        module = nn.RNNCell(self.input_size, self.hidden_size, bias=self.bias_ih is not None,
                            dtype=self.weight_ih.dtype)
        _copy_params(module, self, {n: n for n, _ in module.named_parameters()})
        return module
