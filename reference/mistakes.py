"""Known mistakes: wrong cells students really write, each with an id and an explanation.

When a submission fails equivalence, the grader checks whether it behaves *exactly* like one
of these (the same Jacobian layout inference it uses against the reference, run against the
mistake's implementation) and names it: "your cell computes h = o · c without tanh".

Every mistake module has the same parameter names and shapes as the reference it corrupts,
so that its weights can be transplanted the same way. Imports only torch and reference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import torch
from torch import Tensor, nn

from reference.cells import LSTMCell

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


class _PatchedLSTMCell(LSTMCell):
    """The reference cell with one step replaced: subclasses override ``gates_to_state``."""

    def step(self, x: Tensor, state: tuple[Tensor, Tensor]
             ) -> tuple[tuple[Tensor, Tensor], dict[str, Tensor]]:
        h, c = state
        pre = dict(zip("ifgo", self.preactivations(x, h).chunk(4, dim=1), strict=True))
        h_new, c_new = self.gates_to_state(pre, h, c)
        return (h_new, c_new), {}

    def gates_to_state(self, pre: dict[str, Tensor], h: Tensor, c: Tensor
                       ) -> tuple[Tensor, Tensor]:
        raise NotImplementedError


def _cell_mistake(id: str, title: str, explanation: str, equation: str,
                  fn: Callable[[dict[str, Tensor], Tensor, Tensor], tuple[Tensor, Tensor]]
                  ) -> Mistake:
    cls = type(f"Mistake_{id.replace('-', '_')}", (_PatchedLSTMCell,),
               {"gates_to_state": lambda self, pre, h, c: fn(pre, h, c)})
    return register(Mistake(id, "lstm_cell", title, explanation, equation, cls))


σ, tanh = torch.sigmoid, torch.tanh


def _standard(pre: dict[str, Tensor], c: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    return σ(pre["i"]), σ(pre["f"]), tanh(pre["g"]), σ(pre["o"])


def _missing_tanh_on_c(pre: dict[str, Tensor], h: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
    i, f, g, o = _standard(pre, c)
    c_new = f * c + i * g
    return o * c_new, c_new


def _sigmoid_on_candidate(pre: dict[str, Tensor], h: Tensor, c: Tensor
                          ) -> tuple[Tensor, Tensor]:
    i, f, _, o = _standard(pre, c)
    c_new = f * c + i * σ(pre["g"])
    return o * tanh(c_new), c_new


_cell_mistake(
    "missing-tanh-on-c", "h = o · c without tanh (the NOAF variant)",
    "Your cell computes the hidden state as h = o ⊙ c, without squashing the cell state "
    "with tanh. The lesson's output is h_t = o_t ⊙ tanh(C_t): without tanh, h is unbounded "
    "and grows with the memory.",
    "h_t = o_t ⊙ tanh(C_t)", _missing_tanh_on_c)
_cell_mistake(
    "sigmoid-on-candidate", "sigmoid instead of tanh on the candidate g",
    "Your candidate values use sigmoid, so they lie in (0, 1) and the cell can only ever add "
    "to its memory, never subtract. The candidate is C̃_t = tanh(W_C · [h_{t-1}, x_t] + b_C), "
    "in (−1, 1).",
    "C̃_t = tanh(W_C · [h_{t-1}, x_t] + b_C)", _sigmoid_on_candidate)
