"""Known mistakes: wrong cells students really write, each with an id and an explanation.

When a submission fails equivalence, the grader checks whether it behaves *exactly* like one
of these (the same Jacobian layout inference it uses against the reference, run against the
mistake's implementation) and names it: "your cell computes h = o · c without tanh".

Every mistake module has the same parameter names and shapes as the reference it corrupts,
so that its weights can be transplanted the same way. Imports only torch and reference.

What is *not* a mistake. Layout inference accepts any submission S with S(θ) = R(Mθ), where M
sends each of the student's coordinates to one reference coordinate with factor +1: the gate
order, the storage layout and the names are the student's choice. A cell that computes
c' = i ⊙ c + f ⊙ g with its own labels "i" and "f" is the reference with the rows of those
two gates exchanged, so it is correct, and so is one that applies tanh to the block it later
uses as the candidate, whatever it calls that block. Such relabellings would never be named
here (the submission passes), and registering one would make the diagnosis name a correct
cell; tests/test_mistakes.py checks that no mistake equals the reference, or another
mistake, under any permutation of the gate blocks. Sign flips (σ(−z) = 1 − σ(z), a "remember"
gate) and constants that no parameter controls are named generically by the diagnosis
(gate-sign-inverted, constant-offset); one is registered here only where a specific
explanation helps: the GRU's other interpolation convention and the hard-coded forget bias.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import torch
from torch import Tensor, nn

from reference._base import reset_uniform
from reference.cells import GRUCell, LSTMCell
from reference.layers import LSTM

Kind = str  # "lstm_cell", "lstm", "peephole", "coupled", "gru": the exercise it belongs to


@dataclass(frozen=True)
class Mistake:
    """A wrong implementation and what to tell the student who wrote it."""

    id: str                 # stable, kebab-case: goes into results' extra_data
    exercise: Kind
    title: str              # one line: "sigmoid on the candidate g"
    explanation: str        # student-facing: what the code does and why it is wrong
    equation: str           # the equation the mistake breaks, as the lesson writes it
    build: Callable[..., nn.Module]  # (input_size, hidden_size[, num_layers]) -> module


_REGISTRY: dict[str, Mistake] = {}


def register(mistake: Mistake) -> Mistake:
    if mistake.id in _REGISTRY:
        raise ValueError(f"mistake {mistake.id!r} registered twice")
    _REGISTRY[mistake.id] = mistake
    return mistake


MISTAKES: Mapping[str, Mistake] = MappingProxyType(_REGISTRY)


def for_exercise(exercise: str) -> list[Mistake]:
    return [m for m in _REGISTRY.values() if m.exercise == exercise]


σ, tanh = torch.sigmoid, torch.tanh
Pre = dict[str, Tensor]           # gate name -> pre-activation (B, H)
State = tuple[Tensor, Tensor]     # (h, c)


# --- Base classes: the correct cell of each family with one step left open ------------------

class _PatchedCell(LSTMCell):
    """A cell in the reference's style whose step is ``rule(pre-activations, h, c) -> (h, c)``.

    ``rule`` is a staticmethod; the families below set the correct one, each mistake replaces
    it. ``forward`` (batched or not, default zero state) is the reference's.
    """

    rule: Callable[..., State]

    def step(self, x: Tensor, state: State) -> tuple[State, dict[str, Tensor]]:
        h, c = state
        chunks = self.preactivations(x, h).chunk(len(self.gate_names), dim=1)
        pre = dict(zip(self.gate_names, chunks, strict=True))
        return self.apply_rule(pre, h, c), {}

    def apply_rule(self, pre: Pre, h: Tensor, c: Tensor) -> State:
        return self.rule(pre, h, c)


def _lstm(pre: Pre, h: Tensor, c: Tensor) -> State:
    i, f, g, o = σ(pre["i"]), σ(pre["f"]), tanh(pre["g"]), σ(pre["o"])
    c_new = f * c + i * g
    return o * tanh(c_new), c_new


class _LSTMCell(_PatchedCell):
    rule = staticmethod(_lstm)


class _PeepholeCell(_PatchedCell):
    """Peephole LSTM (Greff et al.'s vanilla): i and f see c_{t-1}, o sees c_t.

    Parameters as ``reference.LSTMCell`` plus the diagonal peepholes ``weight_ci``,
    ``weight_cf``, ``weight_co`` (H). ``rule(pre, h, c, w)`` gets them as w["i"], w["f"], w["o"].
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size)
        self.weight_ci = nn.Parameter(torch.empty(hidden_size))
        self.weight_cf = nn.Parameter(torch.empty(hidden_size))
        self.weight_co = nn.Parameter(torch.empty(hidden_size))
        reset_uniform(self, hidden_size)

    def apply_rule(self, pre: Pre, h: Tensor, c: Tensor) -> State:
        w: Pre = {"i": self.weight_ci, "f": self.weight_cf, "o": self.weight_co}
        return self.rule(pre, h, c, w)

    @staticmethod
    def rule(pre: Pre, h: Tensor, c: Tensor, w: Pre) -> State:
        i, f = σ(pre["i"] + w["i"] * c), σ(pre["f"] + w["f"] * c)
        c_new = f * c + i * tanh(pre["g"])
        return σ(pre["o"] + w["o"] * c_new) * tanh(c_new), c_new


class _CoupledCell(_PatchedCell):
    """CIFG: three gate blocks f, g, o in (3H, ·); the input gate is 1 − f."""

    gate_names = ("f", "g", "o")  # type: ignore[assignment]

    def __init__(self, input_size: int, hidden_size: int) -> None:
        nn.Module.__init__(self)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(3 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(3 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(3 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(3 * hidden_size))
        reset_uniform(self, hidden_size)

    @staticmethod
    def rule(pre: Pre, h: Tensor, c: Tensor) -> State:
        f, g, o = σ(pre["f"]), tanh(pre["g"]), σ(pre["o"])
        c_new = f * c + (1 - f) * g
        return o * tanh(c_new), c_new


class _PatchedGRUCell(GRUCell):
    """The reference GRU cell with ``rule(gi, gh, h, cell) -> h'``.

    gi and gh hold the input and recurrent projections of each gate r, z, n, biases included;
    ``_hn(cell)`` gives (W_hn, b_hn) for rules that need them apart.
    """

    def step(self, x: Tensor, h: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        gi = dict(zip("rzn", (x @ self.weight_ih.T + self.bias_ih).chunk(3, dim=1), strict=True))
        gh = dict(zip("rzn", (h @ self.weight_hh.T + self.bias_hh).chunk(3, dim=1), strict=True))
        return self.rule(gi, gh, h, self), {}

    rule: Callable[[Pre, Pre, Tensor, GRUCell], Tensor]


def _hn(cell: GRUCell) -> tuple[Tensor, Tensor]:
    return cell.weight_hh.chunk(3)[2], cell.bias_hh.chunk(3)[2]


class _PatchedLSTM(LSTM):
    """The reference stack with ``rule(model, x, h0, c0) -> (outputs, h_n, c_n)``, batched."""

    rule: Callable[[LSTM, Tensor, Tensor, Tensor], tuple[Tensor, Tensor, Tensor]]

    def forward(self, x: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        unbatched = x.dim() == 2
        if unbatched:
            x = x.unsqueeze(0)
            state = None if state is None else (state[0].unsqueeze(1), state[1].unsqueeze(1))
        if state is None:
            state = (x.new_zeros(self.num_layers, x.shape[0], self.hidden_size),
                     x.new_zeros(self.num_layers, x.shape[0], self.hidden_size))
        out, h_n, c_n = self.rule(self, x, *state)
        if unbatched:
            return out.squeeze(0), (h_n.squeeze(1), c_n.squeeze(1))
        return out, (h_n, c_n)


def _run_stack(model: LSTM, x: Tensor, h0: Tensor, c0: Tensor,
               start: Callable[[int, list[State]], State] | None = None, carry: bool = True
               ) -> tuple[list[Tensor], Tensor, Tensor]:
    """Every layer's outputs and the stacked final states, like the reference stack.

    ``start(k, finals)`` chooses layer k's initial state (default (h0[k], c0[k])), given the
    final states of the layers below; with ``carry`` False every step restarts from it.
    """
    outputs: list[Tensor] = []
    finals: list[State] = []
    inp = x
    for k, layer in enumerate(model.layers):
        cell: Any = layer.cell
        first = (h0[k], c0[k]) if start is None else start(k, finals)
        state, hs = first, []
        for t in range(inp.shape[1]):
            state, _ = cell.step(inp[:, t], state if carry else first)
            hs.append(state[0])
        inp = torch.stack(hs, dim=1)
        outputs.append(inp)
        finals.append(state)
    return outputs, torch.stack([h for h, _ in finals]), torch.stack([c for _, c in finals])


# --- Registration helpers: one per family ---------------------------------------------------

_CELL_BASES: dict[str, type[nn.Module]] = {
    "lstm_cell": _LSTMCell, "peephole": _PeepholeCell, "coupled": _CoupledCell,
    "gru": _PatchedGRUCell, "lstm": _PatchedLSTM,
}


def _mistake(exercise: str, id: str, title: str, explanation: str, equation: str,
             rule: Callable[..., object] | None = None, **methods: Callable[..., object]
             ) -> Mistake:
    """Register the family's base class with ``rule`` (or other methods) swapped."""
    body: dict[str, object] = {"__doc__": f"Known mistake {id}: {title}.", **methods}
    if rule is not None:
        body["rule"] = staticmethod(rule)
    cls = type(f"Mistake_{id.replace('-', '_')}", (_CELL_BASES[exercise],), body)
    return register(Mistake(id, exercise, title, explanation, equation, cls))


def _cell_mistake(id: str, title: str, explanation: str, equation: str,
                  fn: Callable[[Pre, Tensor, Tensor], State]) -> Mistake:
    return _mistake("lstm_cell", id, title, explanation, equation, fn)


# The lesson's equations (lstm_lesson.es.md), quoted by the explanations.
F_T = "f_t = σ(W_f · [h_{t-1}, x_t] + b_f)"
I_T = "i_t = σ(W_i · [h_{t-1}, x_t] + b_i)"
G_T = "C̃_t = tanh(W_C · [h_{t-1}, x_t] + b_C)"
C_T = "C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t"
O_T = "o_t = σ(W_o · [h_{t-1}, x_t] + b_o)"
H_T = "h_t = o_t ⊙ tanh(C_t)"
F_PEEP = "f_t = σ(W_f · [h_{t-1}, x_t] + W_{cf} · C_{t-1})"
O_PEEP = "o_t = σ(W_o · [h_{t-1}, x_t] + w_co ⊙ C_t)"
C_COUPLED = "C_t = f_t ⊙ C_{t-1} + (1 − f_t) ⊙ C̃_t"
# nn.GRUCell's (the lesson's GRU follows PyTorch).
N_GRU = "n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))"
Z_GRU = "z = σ(W_iz x + b_iz + W_hz h + b_hz)"
H_GRU = "h' = (1 − z) ⊙ n + z ⊙ h"


def _gates(pre: Pre) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    return σ(pre["i"]), σ(pre["f"]), tanh(pre["g"]), σ(pre["o"])


def _update(f: Tensor, c: Tensor, i: Tensor, g: Tensor, o: Tensor) -> State:
    """The reference's last two lines for given gate values."""
    c_new = f * c + i * g
    return o * tanh(c_new), c_new


# --- lstm_cell ------------------------------------------------------------------------------

def _missing_tanh_on_c(pre: Pre, h: Tensor, c: Tensor) -> State:
    i, f, g, o = _gates(pre)
    c_new = f * c + i * g
    return o * c_new, c_new


def _sigmoid_on_candidate(pre: Pre, h: Tensor, c: Tensor) -> State:
    i, f, _, o = _gates(pre)
    return _update(f, c, i, σ(pre["g"]), o)


def _with_activation(gate: str, act: Callable[[Tensor], Tensor]
                     ) -> Callable[[Pre, Tensor, Tensor], State]:
    """The reference with ``act`` in place of the activation of one gate."""
    def rule(pre: Pre, h: Tensor, c: Tensor) -> State:
        gates = dict(zip("ifgo", _gates(pre), strict=True))
        gates[gate] = act(pre[gate])
        return _update(gates["f"], c, gates["i"], gates["g"], gates["o"])
    return rule


def _old_cell_for_h(pre: Pre, h: Tensor, c: Tensor) -> State:
    i, f, g, o = _gates(pre)
    return o * tanh(c), f * c + i * g


def _missing_output_gate(pre: Pre, h: Tensor, c: Tensor) -> State:
    i, f, g, _ = _gates(pre)
    c_new = f * c + i * g
    return tanh(c_new), c_new


def _coupled_update(pre: Pre, h: Tensor, c: Tensor) -> State:
    _, f, g, o = _gates(pre)
    return _update(f, c, 1 - f, g, o)


def _recurrent_on_c(self: _LSTMCell, x: Tensor, state: State) -> tuple[State, dict[str, Tensor]]:
    return _LSTMCell.step(self, x, (state[1], state[1]))  # the gates read c where h belongs


def _no_recurrent_term(self: _LSTMCell, x: Tensor, h: Tensor) -> Tensor:
    return x @ self.weight_ih.T + self.bias_ih + self.bias_hh


def _forget_bias_hard_coded(pre: Pre, h: Tensor, c: Tensor) -> State:
    i, _, g, o = _gates(pre)
    return _update(σ(pre["f"] + 1), c, i, g, o)


def _cell_state_squashed(pre: Pre, h: Tensor, c: Tensor) -> State:
    i, f, g, o = _gates(pre)
    c_new = tanh(f * c + i * g)
    return o * c_new, c_new


def _forget_after_update(pre: Pre, h: Tensor, c: Tensor) -> State:
    i, f, g, o = _gates(pre)
    c_new = f * (c + i * g)
    return o * tanh(c_new), c_new


def _returns_c_h(pre: Pre, h: Tensor, c: Tensor) -> State:
    h_new, c_new = _lstm(pre, h, c)
    return c_new, h_new


_cell_mistake(
    "missing-tanh-on-c", "h = o · c without tanh (the NOAF variant)",
    "Your cell computes the hidden state as h = o ⊙ c, without squashing the cell state "
    "with tanh. The lesson's output is h_t = o_t ⊙ tanh(C_t): without tanh, h is unbounded "
    "and grows with the memory.",
    H_T, _missing_tanh_on_c)
_cell_mistake(
    "sigmoid-on-candidate", "sigmoid instead of tanh on the candidate g",
    "Your candidate values use sigmoid, so they lie in (0, 1) and the cell can only ever add "
    f"to its memory, never subtract. The candidate is {G_T}, in (−1, 1).",
    G_T, _sigmoid_on_candidate)
_cell_mistake(
    "relu-on-candidate", "ReLU instead of tanh on the candidate g",
    "Your candidate values use ReLU, so they are never negative and have no upper bound: the "
    f"cell can only add to its memory, and without limit. The candidate is {G_T}, in (−1, 1).",
    G_T, _with_activation("g", torch.relu))
_cell_mistake(
    "tanh-on-forget-gate", "tanh instead of sigmoid on the forget gate f",
    "Your forget gate uses tanh, so f lies in (−1, 1) and can flip the sign of the memory "
    f"instead of keeping or erasing it. The lesson's gate is {F_T}, a fraction in (0, 1): "
    "0 forgets completely, 1 remembers completely.",
    F_T, _with_activation("f", tanh))
_cell_mistake(
    "tanh-on-input-gate", "tanh instead of sigmoid on the input gate i",
    "Your input gate uses tanh, so i lies in (−1, 1) and can write the candidate into the "
    f"memory with the wrong sign. The lesson's gate is {I_T}, in (0, 1): it only decides how "
    "much of C̃_t to store.",
    I_T, _with_activation("i", tanh))
_cell_mistake(
    "tanh-on-output-gate", "tanh instead of sigmoid on the output gate o",
    "Your output gate uses tanh, so o lies in (−1, 1) and can invert the memory it shows. "
    f"The lesson's gate is {O_T}, in (0, 1): a filter on tanh(C_t).",
    O_T, _with_activation("o", tanh))
_cell_mistake(
    "old-cell-for-h", "h computed from the old cell state C_{t-1}",
    "Your hidden state is o ⊙ tanh(c_prev): it uses the cell state from before this step's "
    "update, so what the cell stores reaches h one step late. The lesson computes "
    f"{H_T} from the updated C_t.",
    H_T, _old_cell_for_h)
_cell_mistake(
    "missing-input-gate", "no input gate: c' = f ⊙ c + g (the NIG variant)",
    "Your cell adds the candidate to the memory without the input gate (c' = f ⊙ c + C̃), so "
    "every new value is written in full and the i rows of your weights are never used. The "
    f"lesson's update is {C_T}, where i_t decides how much to store.",
    C_T, _with_activation("i", torch.ones_like))
_cell_mistake(
    "missing-forget-gate", "no forget gate: c' = c + i ⊙ g (the NFG variant)",
    "Your update keeps the whole old memory (c' = c + i ⊙ C̃) without the forget gate, so the "
    "cell can never forget and the f rows of your weights are never used. The lesson's "
    f"update is {C_T}.",
    C_T, _with_activation("f", torch.ones_like))
_cell_mistake(
    "missing-output-gate", "no output gate: h = tanh(c) (the NOG variant)",
    "Your hidden state is tanh(c') without the output gate, so the cell always shows all of "
    f"its memory and the o rows of your weights are never used. The lesson filters it: {H_T}.",
    H_T, _missing_output_gate)
_cell_mistake(
    "coupled-update-in-standard-cell", "(1 − f) used in place of the input gate",
    "Your update uses (1 − f) where the input gate should be, c' = f ⊙ c + (1 − f) ⊙ C̃: that "
    "is the lesson's coupled variant, and the i rows of your weights are never used. The "
    f"standard cell has its own input gate: {C_T}.",
    C_T, _coupled_update)
_mistake(
    "lstm_cell", "recurrent-weights-on-c", "recurrent weights applied to c instead of h",
    "Your gates multiply the recurrent weights by the cell state c_{t-1} instead of the hidden "
    "state h_{t-1}, so h_{t-1} never enters the step. Every gate in the lesson reads "
    f"[h_{{t-1}}, x_t], for example {F_T}.",
    F_T, step=_recurrent_on_c)
_mistake(
    "lstm_cell", "missing-recurrent-term", "gates computed from x alone (no W_hh · h term)",
    "Your gates are computed from x_t alone: the recurrent term with h_{t-1} is missing, so "
    "the gates cannot react to what the cell output before and weight_hh is never used. "
    f"Every gate in the lesson reads [h_{{t-1}}, x_t], for example {F_T}.",
    F_T, preactivations=_no_recurrent_term)
_cell_mistake(
    "forget-bias-hard-coded", "a constant + 1 added inside the forget gate",
    "Your forget gate computes σ(… + 1): the + 1 is a number in the code, not a parameter, so "
    "the gate leans towards remembering whatever the weights say. A forget bias of 1 is a "
    f"good initial value for b_f, but it belongs in the bias parameter: {F_T}.",
    F_T, _forget_bias_hard_coded)
_cell_mistake(
    "cell-state-squashed", "tanh applied to the stored cell state",
    "Your cell stores c' = tanh(f ⊙ c + i ⊙ C̃) and returns h = o ⊙ c': the memory is squashed "
    "into (−1, 1) at every step, which breaks the additive path that carries information and "
    f"gradients unchanged. The lesson keeps the memory linear, {C_T}, and applies tanh only "
    "for the output.",
    C_T, _cell_state_squashed)
_cell_mistake(
    "forget-gate-after-update", "forget gate applied after adding the new values",
    "Your update is c' = f ⊙ (c + i ⊙ C̃): the forget gate also scales what the input gate "
    "has just written, so new values are partly forgotten in the same step. In the lesson "
    f"f only acts on the old memory: {C_T}.",
    C_T, _forget_after_update)
_cell_mistake(
    "returns-c-h-swapped", "returns (c, h) instead of (h, c)",
    "Your cell computes the right values but returns them as (c, h), while it takes the "
    "state, and must return it, as (h, c): whoever uses it takes the memory for the hidden "
    f"state. The lesson returns h_new, c_new, with {H_T}.",
    H_T, _returns_c_h)


# --- lstm (the sequence model) --------------------------------------------------------------

def _seq(start: Callable[[Tensor, Tensor], Callable[[int, list[State]], State]] | None = None,
         carry: bool = True, reverse: bool = False, outputs_of: int = -1,
         top_state_only: bool = False
         ) -> Callable[[LSTM, Tensor, Tensor, Tensor], tuple[Tensor, Tensor, Tensor]]:
    """A stack rule: the reference's with one thing changed."""
    def rule(model: LSTM, x: Tensor, h0: Tensor, c0: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        outputs, h_n, c_n = _run_stack(model, x.flip(1) if reverse else x, h0, c0,
                                       None if start is None else start(h0, c0), carry)
        if top_state_only:
            h_n, c_n = h_n[-1].expand_as(h_n), c_n[-1].expand_as(c_n)
        return outputs[outputs_of], h_n, c_n
    return rule


def _zeros(h0: Tensor, c0: Tensor) -> Callable[[int, list[State]], State]:
    return lambda k, finals: (torch.zeros_like(h0[k]), torch.zeros_like(c0[k]))


def _first_layer_only(h0: Tensor, c0: Tensor) -> Callable[[int, list[State]], State]:
    return lambda k, finals: ((h0[0], c0[0]) if k == 0 else
                              (torch.zeros_like(h0[k]), torch.zeros_like(c0[k])))


def _chained(h0: Tensor, c0: Tensor) -> Callable[[int, list[State]], State]:
    return lambda k, finals: (h0[0], c0[0]) if k == 0 else finals[-1]


def _seq_mistake(id: str, title: str, explanation: str, equation: str,
                 rule: Callable[..., tuple[Tensor, Tensor, Tensor]]) -> Mistake:
    return _mistake("lstm", id, title, explanation, equation, rule)


_seq_mistake(
    "state-not-carried", "the state is not carried from one time step to the next",
    "Your loop starts every time step from the initial state (h_0, c_0) instead of the state "
    "the previous step produced, so the network has no memory across time. The cell state is "
    f"a conveyor belt: {C_T} must use the C_{{t-1}} of the step before.",
    C_T, _seq(carry=False))
_seq_mistake(
    "initial-state-ignored", "the given initial state is ignored (always zeros)",
    "Your forward starts from zeros even when a state (h_0, c_0) is passed in, so a caller "
    f"cannot continue a sequence where it stopped. At the first step, {C_T} must use the "
    "caller's C_0.",
    C_T, _seq(start=_zeros))
_seq_mistake(
    "initial-state-first-layer-only", "layers above the first start from zeros",
    "Only your first layer starts from its part of the given (h_0, c_0); the layers above "
    "start from zeros, so the state a caller passes in is partly ignored. Each layer starts "
    "from its own row of the state, as in the lesson: h = list(state[0]).",
    "h = list(state[0])", _seq(start=_first_layer_only))
_seq_mistake(
    "state-chained-across-layers", "each layer starts from the final state of the layer below",
    "Each of your layers above the first starts from the final state of the layer below "
    "instead of its own initial state, so memory leaks from one layer into the next and "
    "h_0[k], c_0[k] are ignored for k > 0. In the lesson every layer keeps its own state: "
    "h[layer], c[layer] = cell(inp, (h[layer], c[layer])).",
    "h[layer], c[layer] = cell(inp, (h[layer], c[layer]))", _seq(start=_chained))
_seq_mistake(
    "first-layer-output-returned", "outputs taken from the first layer, not the top one",
    "Your outputs are the hidden states of the first layer, so the layers above it are "
    "computed and then thrown away. Like nn.LSTM, the lesson returns the top layer's h_t at "
    "every step: outputs.append(h[-1]).",
    "outputs.append(h[-1])", _seq(outputs_of=0))
_seq_mistake(
    "time-reversed", "the sequence is processed from the last step to the first",
    "Your loop runs over the sequence backwards, so each output depends on the steps after "
    "it instead of those before it. The lesson's loop goes forward in time, "
    "for t in range(seq_len), and each step uses the h_{t-1}, C_{t-1} of the step before.",
    "for t in range(seq_len)", _seq(reverse=True))
_seq_mistake(
    "top-layer-state-only", "h_n and c_n repeat the top layer's state for every layer",
    "Your h_n and c_n hold the top layer's final state in every layer's row, so continuing "
    "from them starts the lower layers from the wrong memory. Like nn.LSTM, the lesson "
    "returns each layer's own final state, one row per layer: h_n = torch.stack(h).",
    "h_n = torch.stack(h)", _seq(top_state_only=True))


# --- peephole -------------------------------------------------------------------------------

def _peephole(see_i: str = "old", see_f: str = "old", see_o: str = "new", outside: bool = False
              ) -> Callable[[Pre, Tensor, Tensor, Pre], State]:
    """A peephole rule; each gate sees the "old" or "new" cell state, or "none"."""
    def gate(pre: Tensor, w: Tensor, c: Tensor | None) -> Tensor:
        if c is None:
            return σ(pre)
        return σ(pre) + w * c if outside else σ(pre + w * c)

    def rule(pre: Pre, h: Tensor, c: Tensor, w: Pre) -> State:
        seen = {"old": c, "none": None}
        i = gate(pre["i"], w["i"], seen[see_i])
        f = gate(pre["f"], w["f"], seen[see_f])
        c_new = f * c + i * tanh(pre["g"])
        o = gate(pre["o"], w["o"], {**seen, "new": c_new}[see_o])
        return o * tanh(c_new), c_new
    return rule


def _peephole_mistake(id: str, title: str, explanation: str, equation: str,
                      rule: Callable[[Pre, Tensor, Tensor, Pre], State]) -> Mistake:
    return _mistake("peephole", id, title, explanation, equation, rule)


_peephole_mistake(
    "output-peephole-on-old-c", "the output gate's peephole looks at C_{t-1}",
    "Your output gate looks at the old cell state C_{t-1}, but it comes after the update and "
    f"should look at the new one: {O_PEEP}. Only the input and forget gates peek at "
    f"C_{{t-1}}, as in the lesson's {F_PEEP}.",
    O_PEEP, _peephole(see_o="old"))
_peephole_mistake(
    "forget-peephole-missing", "the forget gate has no peephole",
    "Your forget gate does not look at the cell state: the W_{cf} · C_{t-1} term is missing "
    f"and weight_cf is never used. The lesson's peephole forget gate is {F_PEEP}.",
    F_PEEP, _peephole(see_f="none"))
_peephole_mistake(
    "output-peephole-missing", "the output gate has no peephole",
    "Your output gate does not look at the cell state: the w_co ⊙ C_t term is missing and "
    "weight_co is never used. With peepholes the output gate sees the updated memory: "
    f"{O_PEEP}.",
    O_PEEP, _peephole(see_o="none"))
_peephole_mistake(
    "peephole-outside-sigmoid", "peephole terms added after the sigmoid",
    "Your peephole terms are added after the sigmoid, σ(…) + w ⊙ c, so the gates are no "
    "longer in (0, 1) and can amplify or invert the memory. The peephole belongs inside the "
    f"sigmoid, as in {F_PEEP}.",
    F_PEEP, _peephole(outside=True))


# --- coupled --------------------------------------------------------------------------------

def _coupled(input_gate: Callable[[Tensor], Tensor], squash: bool = True
             ) -> Callable[[Pre, Tensor, Tensor], State]:
    """A CIFG rule with ``input_gate(f)`` in place of 1 − f, optionally without tanh on c."""
    def rule(pre: Pre, h: Tensor, c: Tensor) -> State:
        f, g, o = σ(pre["f"]), tanh(pre["g"]), σ(pre["o"])
        c_new = f * c + input_gate(f) * g
        return o * (tanh(c_new) if squash else c_new), c_new
    return rule


def _coupled_mistake(id: str, title: str, explanation: str, equation: str,
                     rule: Callable[[Pre, Tensor, Tensor], State]) -> Mistake:
    return _mistake("coupled", id, title, explanation, equation, rule)


_coupled_mistake(
    "input-equals-forget", "the forget gate used as the input gate (i = f)",
    "Your coupled cell uses the forget gate itself as the input gate, c' = f ⊙ c + f ⊙ C̃, "
    "so keeping the old memory and writing new values rise and fall together. Coupling makes "
    f"them complementary, i_t = 1 − f_t: {C_COUPLED}.",
    C_COUPLED, _coupled(lambda f: f))
_coupled_mistake(
    "coupled-candidate-not-gated", "the candidate added without (1 − f)",
    "Your coupled cell adds the candidate in full, c' = f ⊙ c + C̃, without the (1 − f_t) "
    "factor, so new values are written even while the cell keeps its memory. The coupled "
    f"update is {C_COUPLED}.",
    C_COUPLED, _coupled(torch.ones_like))
_coupled_mistake(
    "coupled-missing-tanh-on-c", "h = o · c without tanh in the coupled cell",
    "Your coupled cell computes h = o ⊙ c without squashing the cell state with tanh, so h is "
    f"unbounded and grows with the memory. Coupling changes only the update; the output is "
    f"still {H_T}.",
    H_T, _coupled(lambda f: 1 - f, squash=False))


# --- gru ------------------------------------------------------------------------------------

def _gru_interpolation_swapped(gi: Pre, gh: Pre, h: Tensor, cell: GRUCell) -> Tensor:
    r, z = σ(gi["r"] + gh["r"]), σ(gi["z"] + gh["z"])
    n = tanh(gi["n"] + r * gh["n"])
    return z * n + (1 - z) * h


def _gru_reset_before_matmul(gi: Pre, gh: Pre, h: Tensor, cell: GRUCell) -> Tensor:
    r, z = σ(gi["r"] + gh["r"]), σ(gi["z"] + gh["z"])
    w_hn, b_hn = _hn(cell)
    n = tanh(gi["n"] + (r * h) @ w_hn.T + b_hn)
    return (1 - z) * n + z * h


def _gru_tanh_on_z(gi: Pre, gh: Pre, h: Tensor, cell: GRUCell) -> Tensor:
    r, z = σ(gi["r"] + gh["r"]), tanh(gi["z"] + gh["z"])
    n = tanh(gi["n"] + r * gh["n"])
    return (1 - z) * n + z * h


def _gru_no_reset(gi: Pre, gh: Pre, h: Tensor, cell: GRUCell) -> Tensor:
    z = σ(gi["z"] + gh["z"])
    n = tanh(gi["n"] + gh["n"])
    return (1 - z) * n + z * h


def _gru_bias_outside_reset(gi: Pre, gh: Pre, h: Tensor, cell: GRUCell) -> Tensor:
    r, z = σ(gi["r"] + gh["r"]), σ(gi["z"] + gh["z"])
    w_hn, b_hn = _hn(cell)
    n = tanh(gi["n"] + b_hn + r * (h @ w_hn.T))
    return (1 - z) * n + z * h


def _gru_mistake(id: str, title: str, explanation: str, equation: str,
                 rule: Callable[[Pre, Pre, Tensor, GRUCell], Tensor]) -> Mistake:
    return _mistake("gru", id, title, explanation, equation, rule)


# h' = z ⊙ n + (1 − z) ⊙ h is the reference with the sign of the update gate's weights
# inverted (σ(−a) = 1 − σ(a)): registered for its specific explanation.
_gru_mistake(
    "interpolation-swapped", "z and 1 − z swapped in the final interpolation",
    "Your cell computes h' = z ⊙ n + (1 − z) ⊙ h, so the update gate weights the new "
    "candidate instead of the old state (some texts write the GRU this way). The exercise "
    f"follows nn.GRUCell, {H_GRU}, where z close to 1 keeps the old state.",
    H_GRU, _gru_interpolation_swapped)
_gru_mistake(
    "reset-as-original-paper", "the reset gate applied to h before the recurrent matmul",
    "Your candidate applies the reset gate before the recurrent weights, n = tanh(W_in x + "
    "b_in + W_hn (r ⊙ h) + b_hn), as in the original GRU paper. nn.GRUCell applies it after "
    f"them, {N_GRU}: a different function with the same parameters.",
    N_GRU, _gru_reset_before_matmul)
_gru_mistake(
    "tanh-on-update-gate", "tanh instead of sigmoid on the update gate z",
    "Your update gate uses tanh, so z lies in (−1, 1) and 1 − z in (0, 2): the interpolation "
    f"can overshoot and flip the sign of the old state. The gate is {Z_GRU}, in (0, 1).",
    Z_GRU, _gru_tanh_on_z)
_gru_mistake(
    "reset-gate-missing", "the candidate ignores the reset gate",
    "Your candidate is n = tanh(W_in x + b_in + W_hn h + b_hn), without the reset gate, so the "
    "cell can never drop the old state when it computes new content and the r rows of your "
    f"weights are never used. nn.GRUCell computes {N_GRU}.",
    N_GRU, _gru_no_reset)
_gru_mistake(
    "hidden-bias-outside-reset", "b_hn added outside the reset gate",
    "Your candidate adds b_hn outside the reset gate, n = tanh(W_in x + b_in + b_hn + "
    "r ⊙ (W_hn h)), as if the GRU's two biases were one. In nn.GRUCell the reset gate also "
    f"scales b_hn, {N_GRU}, so that bias is not redundant.",
    N_GRU, _gru_bias_outside_reset)
