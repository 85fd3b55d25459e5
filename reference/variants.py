"""Reference LSTM variants with no PyTorch counterpart: peephole, coupled, Greff et al.'s, LN.

Every cell here follows ``reference.LSTMCell``'s conventions: ``__init__(input_size,
hidden_size)``, ``step(x, state) -> (state, gates)`` on batched tensors, and ``forward(x,
state=None) -> (h, c)`` for (B, I) or unbatched (I,) input with a zero default state.
``FGRLSTMCell`` alone carries a third state tensor (the previous gate activations).

Greff et al. (2017, "LSTM: A Search Space Odyssey") define NIG, NFG, NOG, NIAF, NOAF and FGR
as changes to their *vanilla* cell, which has diagonal peepholes. The course teaches
``nn.LSTMCell`` (their NP, no peepholes), so here each of those variants is the same change
applied to the no-peephole cell; ``PeepholeLSTMCell`` is their vanilla cell itself.

Gate blocks are stacked along the rows of ``weight_ih``/``weight_hh``/``bias_ih``/``bias_hh``
in ``gate_names`` order, as in PyTorch. A variant that drops a gate drops its rows too, so the
parameter count is that of the function actually computed.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from reference._base import batch_state, check_input, reset_uniform, zeros_like_state

LSTMState = tuple[Tensor, Tensor]
FGRState = tuple[Tensor, Tensor, Tensor]
Gates = dict[str, Tensor]


class _StackedGatesCell(nn.Module):
    """One block of rows per gate in ``gate_names``, two biases, and the LSTM forward.

    Subclasses set ``gate_names`` and write ``step``; ``preactivations`` hands them each gate's
    W x + b_ih + U h + b_hh, already split by gate.
    """

    gate_names: tuple[str, ...] = ()

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        rows = len(self.gate_names) * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(rows, input_size))
        self.weight_hh = nn.Parameter(torch.empty(rows, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(rows))
        self.bias_hh = nn.Parameter(torch.empty(rows))
        reset_uniform(self, hidden_size)

    def preactivations(self, x: Tensor, h: Tensor) -> Gates:
        z = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh  # (B, nH)
        return dict(zip(self.gate_names, z.chunk(len(self.gate_names), dim=1), strict=True))

    def step(self, x: Tensor, state: LSTMState) -> tuple[LSTMState, Gates]:
        raise NotImplementedError

    def forward(self, x: Tensor, state: LSTMState | None = None) -> LSTMState:
        x, unbatched = check_input(x, self.input_size, type(self).__name__)
        if state is None:
            state = (zeros_like_state(x, self.hidden_size), zeros_like_state(x, self.hidden_size))
        else:
            state = (batch_state(state[0], unbatched), batch_state(state[1], unbatched))
        (h, c), _ = self.step(x, state)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class PeepholeLSTMCell(_StackedGatesCell):
    """Greff et al.'s vanilla LSTM: diagonal peepholes, none of them with a bias.

    i = σ(W_i x + U_i h + b_i + w_ci ⊙ c)
    f = σ(W_f x + U_f h + b_f + w_cf ⊙ c)
    g = tanh(W_g x + U_g h + b_g)
    c' = f ⊙ c + i ⊙ g
    o = σ(W_o x + U_o h + b_o + w_co ⊙ c')
    h' = o ⊙ tanh(c')

    b_k is the sum of the gate's rows of ``bias_ih`` and ``bias_hh``. Parameters: those of
    ``LSTMCell`` (i, f, g, o; 4H rows) plus ``weight_ci``, ``weight_cf``, ``weight_co`` (H).
    """

    gate_names = ("i", "f", "g", "o")

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
        self.weight_ci = nn.Parameter(torch.empty(hidden_size))
        self.weight_cf = nn.Parameter(torch.empty(hidden_size))
        self.weight_co = nn.Parameter(torch.empty(hidden_size))
        reset_uniform(self, hidden_size)

    def step(self, x: Tensor, state: LSTMState) -> tuple[LSTMState, Gates]:
        h, c = state
        z = self.preactivations(x, h)
        i = torch.sigmoid(z["i"] + self.weight_ci * c)
        f = torch.sigmoid(z["f"] + self.weight_cf * c)
        g = torch.tanh(z["g"])
        c_new = f * c + i * g
        # The output gate comes after the update, so it peeks at the new cell state.
        o = torch.sigmoid(z["o"] + self.weight_co * c_new)
        h_new = o * torch.tanh(c_new)
        return (h_new, c_new), {"i": i, "f": f, "g": g, "o": o}


class CoupledLSTMCell(_StackedGatesCell):
    """CIFG (coupled input and forget gate): the lesson's "coupled" cell.

    f = σ(W_f x + U_f h + b_f)
    g = tanh(W_g x + U_g h + b_g)
    o = σ(W_o x + U_o h + b_o)
    c' = f ⊙ c + (1 − f) ⊙ g
    h' = o ⊙ tanh(c')

    There is no input gate of its own (i = 1 − f), so the gate blocks are f, g, o (3H rows).
    """

    gate_names = ("f", "g", "o")

    def step(self, x: Tensor, state: LSTMState) -> tuple[LSTMState, Gates]:
        h, c = state
        z = self.preactivations(x, h)
        f, g, o = torch.sigmoid(z["f"]), torch.tanh(z["g"]), torch.sigmoid(z["o"])
        i = 1 - f  # what is forgotten is exactly what may be written
        c_new = f * c + i * g
        h_new = o * torch.tanh(c_new)
        return (h_new, c_new), {"i": i, "f": f, "g": g, "o": o}


class NIGLSTMCell(_StackedGatesCell):
    """Greff et al.'s NIG (no input gate), on the no-peephole cell: i = 1.

    f = σ(W_f x + U_f h + b_f)
    g = tanh(W_g x + U_g h + b_g)
    o = σ(W_o x + U_o h + b_o)
    c' = f ⊙ c + g
    h' = o ⊙ tanh(c')

    Gate blocks f, g, o (3H rows).
    """

    gate_names = ("f", "g", "o")

    def step(self, x: Tensor, state: LSTMState) -> tuple[LSTMState, Gates]:
        h, c = state
        z = self.preactivations(x, h)
        f, g, o = torch.sigmoid(z["f"]), torch.tanh(z["g"]), torch.sigmoid(z["o"])
        c_new = f * c + g  # every candidate is written in full
        h_new = o * torch.tanh(c_new)
        return (h_new, c_new), {"f": f, "g": g, "o": o}


class NFGLSTMCell(_StackedGatesCell):
    """Greff et al.'s NFG (no forget gate), on the no-peephole cell: f = 1.

    i = σ(W_i x + U_i h + b_i)
    g = tanh(W_g x + U_g h + b_g)
    o = σ(W_o x + U_o h + b_o)
    c' = c + i ⊙ g
    h' = o ⊙ tanh(c')

    Gate blocks i, g, o (3H rows). This is the original 1997 LSTM (constant error carousel).
    """

    gate_names = ("i", "g", "o")

    def step(self, x: Tensor, state: LSTMState) -> tuple[LSTMState, Gates]:
        h, c = state
        z = self.preactivations(x, h)
        i, g, o = torch.sigmoid(z["i"]), torch.tanh(z["g"]), torch.sigmoid(z["o"])
        c_new = c + i * g  # memory can only be added to, never erased
        h_new = o * torch.tanh(c_new)
        return (h_new, c_new), {"i": i, "g": g, "o": o}


class NOGLSTMCell(_StackedGatesCell):
    """Greff et al.'s NOG (no output gate), on the no-peephole cell: o = 1.

    i = σ(W_i x + U_i h + b_i)
    f = σ(W_f x + U_f h + b_f)
    g = tanh(W_g x + U_g h + b_g)
    c' = f ⊙ c + i ⊙ g
    h' = tanh(c')

    Gate blocks i, f, g (3H rows).
    """

    gate_names = ("i", "f", "g")

    def step(self, x: Tensor, state: LSTMState) -> tuple[LSTMState, Gates]:
        h, c = state
        z = self.preactivations(x, h)
        i, f, g = torch.sigmoid(z["i"]), torch.sigmoid(z["f"]), torch.tanh(z["g"])
        c_new = f * c + i * g
        h_new = torch.tanh(c_new)  # the whole memory is always exposed
        return (h_new, c_new), {"i": i, "f": f, "g": g}


class NIAFLSTMCell(_StackedGatesCell):
    """Greff et al.'s NIAF (no input activation function), on the no-peephole cell.

    i = σ(W_i x + U_i h + b_i)
    f = σ(W_f x + U_f h + b_f)
    g = W_g x + U_g h + b_g
    o = σ(W_o x + U_o h + b_o)
    c' = f ⊙ c + i ⊙ g
    h' = o ⊙ tanh(c')

    Gate blocks i, f, g, o (4H rows), the parameters of ``LSTMCell``.
    """

    gate_names = ("i", "f", "g", "o")

    def step(self, x: Tensor, state: LSTMState) -> tuple[LSTMState, Gates]:
        h, c = state
        z = self.preactivations(x, h)
        i, f, o = torch.sigmoid(z["i"]), torch.sigmoid(z["f"]), torch.sigmoid(z["o"])
        g = z["g"]  # unbounded: the candidate is not squashed
        c_new = f * c + i * g
        h_new = o * torch.tanh(c_new)
        return (h_new, c_new), {"i": i, "f": f, "g": g, "o": o}


class NOAFLSTMCell(_StackedGatesCell):
    """Greff et al.'s NOAF (no output activation function), on the no-peephole cell.

    i = σ(W_i x + U_i h + b_i)
    f = σ(W_f x + U_f h + b_f)
    g = tanh(W_g x + U_g h + b_g)
    o = σ(W_o x + U_o h + b_o)
    c' = f ⊙ c + i ⊙ g
    h' = o ⊙ c'

    Gate blocks i, f, g, o (4H rows), the parameters of ``LSTMCell``.
    """

    gate_names = ("i", "f", "g", "o")

    def step(self, x: Tensor, state: LSTMState) -> tuple[LSTMState, Gates]:
        h, c = state
        z = self.preactivations(x, h)
        i, f, o = torch.sigmoid(z["i"]), torch.sigmoid(z["f"]), torch.sigmoid(z["o"])
        g = torch.tanh(z["g"])
        c_new = f * c + i * g
        h_new = o * c_new  # unbounded: c' is not squashed before the output gate
        return (h_new, c_new), {"i": i, "f": f, "g": g, "o": o}


class FGRLSTMCell(_StackedGatesCell):
    """Greff et al.'s FGR (full gate recurrence), on the no-peephole cell.

    The gates i, f, o also see the previous step's gate activations; the candidate g does not:
    i = σ(W_i x + U_i h + b_i + R_ii i_prev + R_if f_prev + R_io o_prev)
    f = σ(W_f x + U_f h + b_f + R_fi i_prev + R_ff f_prev + R_fo o_prev)
    g = tanh(W_g x + U_g h + b_g)
    o = σ(W_o x + U_o h + b_o + R_oi i_prev + R_of f_prev + R_oo o_prev)
    c' = f ⊙ c + i ⊙ g
    h' = o ⊙ tanh(c')

    R_ab (H, H) carries gate b's previous activation into gate a. The nine matrices are one
    parameter ``weight_gg`` (3H, 3H): row block a and column block b, both in order i, f, o.
    Other parameters: those of ``LSTMCell`` (i, f, g, o; 4H rows).

    State: since the previous gate activations are needed, the state is the triple
    (h, c, gates) with gates (B, 3H) = [i, f, o] of the previous step, zeros at the start.
    ``forward(x, state=None)`` takes (h, c, gates) or (h, c) (gates then zeros), and returns
    the triple (h', c', gates'); ``step`` returns ((h', c', gates'), gate dict).
    """

    gate_names = ("i", "f", "g", "o")
    recurrent_gates = ("i", "f", "o")

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
        self.weight_gg = nn.Parameter(torch.empty(3 * hidden_size, 3 * hidden_size))
        reset_uniform(self, hidden_size)

    def step(self, x: Tensor, state: FGRState | LSTMState  # type: ignore[override]
             ) -> tuple[FGRState, Gates]:
        h, c = state[0], state[1]
        gates_prev = state[2] if len(state) == 3 else zeros_like_state(x, 3 * self.hidden_size)
        z = self.preactivations(x, h)
        # One matmul applies all nine R_ab: row block a of the result is Σ_b R_ab b_prev.
        ri, rf, ro = (gates_prev @ self.weight_gg.T).chunk(3, dim=1)  # (B, 3H) -> 3 × (B, H)
        i = torch.sigmoid(z["i"] + ri)
        f = torch.sigmoid(z["f"] + rf)
        g = torch.tanh(z["g"])
        o = torch.sigmoid(z["o"] + ro)
        c_new = f * c + i * g
        h_new = o * torch.tanh(c_new)
        gates_new = torch.cat([i, f, o], dim=1)  # (B, 3H)
        return (h_new, c_new, gates_new), {"i": i, "f": f, "g": g, "o": o}

    def forward(self, x: Tensor,  # type: ignore[override]
                state: FGRState | LSTMState | None = None) -> FGRState:
        x, unbatched = check_input(x, self.input_size, type(self).__name__)
        if state is None:
            full: FGRState = (zeros_like_state(x, self.hidden_size),
                              zeros_like_state(x, self.hidden_size),
                              zeros_like_state(x, 3 * self.hidden_size))
        else:
            gates = state[2] if len(state) == 3 else None
            full = (batch_state(state[0], unbatched), batch_state(state[1], unbatched),
                    zeros_like_state(x, 3 * self.hidden_size) if gates is None
                    else batch_state(gates, unbatched))
        (h, c, gates_new), _ = self.step(x, full)
        if unbatched:
            return h.squeeze(0), c.squeeze(0), gates_new.squeeze(0)
        return h, c, gates_new


class LayerNormLSTMCell(nn.Module):
    """Layer-normalised LSTM as in PyTorch's ``benchmarks/fastrnns/custom_lstms.py``.

    z = LN_i(W x) + LN_h(U h)            (B, 4H); LN_i, LN_h over all 4H features at once
    i, f, g, o = σ(z_i), σ(z_f), tanh(z_g), σ(z_o)
    c' = LN_c(f ⊙ c + i ⊙ g)             LN_c over the H features
    h' = o ⊙ tanh(c')

    LN(v) = (v − mean(v)) / sqrt(var(v) + 1e-5) ⊙ γ + β, biased variance (``nn.LayerNorm``).
    There is no separate bias: the β of LN_i and LN_h play that role. Parameters:
    ``weight_ih`` (4H, I), ``weight_hh`` (4H, H), ``layernorm_i`` and ``layernorm_h`` (γ, β of
    4H each), ``layernorm_c`` (γ, β of H each). W and U start ~ U(−1/√H, 1/√H), the LayerNorms
    at γ = 1, β = 0. With H = 1, LN_c sees one value and c' = β_c whatever the input.
    """

    gate_names = ("i", "f", "g", "o")

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.layernorm_i = nn.LayerNorm(4 * hidden_size)
        self.layernorm_h = nn.LayerNorm(4 * hidden_size)
        self.layernorm_c = nn.LayerNorm(hidden_size)
        bound = 1.0 / hidden_size ** 0.5 if hidden_size > 0 else 0.0
        with torch.no_grad():
            # Only the projections: uniform LayerNorm gains near 0 would silence the cell.
            self.weight_ih.uniform_(-bound, bound)
            self.weight_hh.uniform_(-bound, bound)

    def step(self, x: Tensor, state: LSTMState) -> tuple[LSTMState, Gates]:
        h, c = state
        z = self.layernorm_i(x @ self.weight_ih.T) + self.layernorm_h(h @ self.weight_hh.T)
        zi, zf, zg, zo = z.chunk(4, dim=1)  # (B, 4H) -> 4 × (B, H)
        i, f, g, o = torch.sigmoid(zi), torch.sigmoid(zf), torch.tanh(zg), torch.sigmoid(zo)
        c_new = self.layernorm_c(f * c + i * g)
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
