"""The built-in exercises: which class a student writes and what it is graded against."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import Tensor, nn

import reference
from grader.errors import ConfigError

Kind = Literal["lstm", "gru", "sequence"]


@dataclass(frozen=True)
class Case:
    """One drawn example: sizes, a magnitude for the inputs and a seed for their values."""

    batch: int
    input_size: int
    hidden_size: int
    seq_len: int = 1
    num_layers: int = 1
    scale: float = 1.0
    seed: int = 0

    def sizes(self, kind: Kind) -> dict[str, int]:
        sizes = {"batch": self.batch, "input_size": self.input_size,
                 "hidden_size": self.hidden_size}
        if kind == "sequence":
            sizes.update(seq_len=self.seq_len, num_layers=self.num_layers)
        return sizes


@dataclass(frozen=True)
class BiasConvention:
    """One way of writing the biases that computes the exercise's function class.

    ``merged`` names the gates whose input and recurrent biases (b_i·, b_h·) are one
    parameter: allowed only where the two always enter as a sum (every LSTM gate, the GRU's
    r and z; not the GRU's n, whose b_hn sits inside r ⊙ (…)). ``key`` names the convention
    in the catalog (``parameters.convention.<key>``)."""

    key: str
    merged: tuple[str, ...] = ()


_TWO_BIASES = BiasConvention("two_biases")
_ONE_BIAS = BiasConvention("one_bias", ("i", "f", "g", "o"))


@dataclass(frozen=True)
class Exercise:
    name: str
    class_name: str
    kind: Kind
    title: str
    make_reference: Callable[[Case], nn.Module]
    variant: str  # key in reference.VARIANTS (for the cell the exercise is built on)
    semantics: bool = False  # the lesson's gate-level properties apply (standard LSTM cell)
    # Every accepted way of writing the biases, the reference's own first.
    conventions: tuple[BiasConvention, ...] = (_TWO_BIASES, _ONE_BIAS)
    # What the cell has beyond the gates' matrices and biases, for the count's hint (a
    # catalog key under parameters.count.extra., or "").
    count_extra: str = ""
    # A check's hint in this exercise's own words, where the check's words are another
    # exercise's (check id -> catalog key): "c_new = f * c + i * g" means nothing for a GRU.
    hints: Mapping[str, str] = field(default_factory=dict)

    @property
    def output_names(self) -> tuple[str, ...]:
        return {"lstm": ("h", "c"), "gru": ("h",), "sequence": ("outputs", "h_n", "c_n")}[
            self.kind]

    @property
    def gate_names(self) -> tuple[str, ...]:
        return tuple(reference.VARIANTS[self.variant].gates)

    @property
    def state_names(self) -> tuple[str, ...]:
        return ("h",) if self.kind == "gru" else ("h", "c")

    @property
    def signature(self) -> str:
        return {
            "lstm": f"{self.class_name}(input_size, hidden_size); forward(x, state=None) -> (h, c)",
            "gru": f"{self.class_name}(input_size, hidden_size); forward(x, h=None) -> h",
            "sequence": (f"{self.class_name}(input_size, hidden_size, num_layers=1); "
                         "forward(x, state=None) -> (outputs, (h_n, c_n))"),
        }[self.kind]

    def constructor_args(self, case: Case) -> list[int]:
        args = [case.input_size, case.hidden_size]
        if self.kind == "sequence":
            args.append(case.num_layers)
        return args

    def reference(self, case: Case, dtype: torch.dtype, weight_seed: int | None = None
                  ) -> nn.Module:
        """A reference module with well-spread random weights drawn from the case's seed."""
        seed = case.seed if weight_seed is None else weight_seed
        _seed_cpu(seed)
        return randomize(self.make_reference(case).to(dtype), seed)

    def inputs(self, case: Case, dtype: torch.dtype, *, state: bool = True,
               zero_state: bool = False, batch: int | None = None) -> dict[str, Tensor]:
        """Inputs for one call: x and (unless ``state`` is False) a non-zero state."""
        b = case.batch if batch is None else batch
        gen = torch.Generator().manual_seed(case.seed)

        def randn(*shape: int) -> Tensor:
            return torch.randn(shape, generator=gen, dtype=torch.float64).to(dtype) * case.scale

        if self.kind == "sequence":
            tensors = {"x": randn(b, case.seq_len, case.input_size)}
            state_shape: tuple[int, ...] = (case.num_layers, b, case.hidden_size)
        else:
            tensors = {"x": randn(b, case.input_size)}
            state_shape = (b, case.hidden_size)
        if state:
            for name in self.state_names:
                tensors[name] = (torch.zeros(state_shape, dtype=dtype) if zero_state
                                 else randn(*state_shape))
        return tensors

    def call_args(self, inputs: dict[str, Tensor]) -> list[Any]:
        """The argument spec for the worker: x and the state in this exercise's convention."""
        if "h" not in inputs:
            return [{"t": "x"}]
        if self.kind == "gru":
            return [{"t": "x"}, {"t": "h"}]
        return [{"t": "x"}, {"tuple": [{"t": "h"}, {"t": "c"}]}]

    def run_reference(self, module: nn.Module, inputs: dict[str, Tensor]) -> list[Tensor]:
        x = inputs["x"]
        if self.kind == "gru":
            return [module(x, inputs.get("h"))]
        state = (inputs["h"], inputs["c"]) if "h" in inputs else None
        if self.kind == "lstm":
            h, c = module(x, state)
            return [h, c]
        out, (h_n, c_n) = module(x, state)
        return [out, h_n, c_n]

    def build_target(self, make: Callable[..., nn.Module], case: Case) -> nn.Module:
        """Build a mistake or variant module for this exercise's sizes, random weights."""
        args = [case.input_size, case.hidden_size]
        if self.kind == "sequence":
            args.append(case.num_layers)
        _seed_cpu(case.seed)
        return randomize(make(*args).double(), case.seed)

    def counts(self, module: nn.Module) -> list[tuple[BiasConvention, int]]:
        """The parameter count of each accepted convention, for the reference ``module``.

        A merged gate drops its recurrent bias: ``hidden_size`` values per layer."""
        total = sum(p.numel() for p in module.parameters())
        gates = self.gate_names
        out = []
        for convention in self.conventions:
            dropped = 0
            for name, p in module.named_parameters():
                if name.endswith("bias_hh"):
                    per_gate = p.numel() // len(gates)
                    dropped += per_gate * sum(g in convention.merged for g in gates)
            out.append((convention, total - dropped))
        return out

    def count_formula(self, convention: BiasConvention) -> str:
        """The textbook count of one cell, e.g. ``4H(I+H) + 8H``, for one convention."""
        n = len(self.gate_names)
        biases = 2 * n - sum(g in convention.merged for g in self.gate_names)
        formula = f"{n}H(I+H) + {biases}H"
        # Parameters beyond the gates' matrices and biases (peepholes): H values each.
        cell = reference.VARIANTS[self.variant].build(1, 2)
        extra = sum(p.numel() for name, p in cell.named_parameters()
                    if name not in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")) // 2
        return formula + (f" + {extra}H" if extra else "")


def _seed_cpu(seed: int) -> None:
    """torch.manual_seed for the CPU generator only: the references are built on the CPU, and
    torch.manual_seed also queues a lazy CUDA seeding that records a stack trace each time
    (about 1 ms inside Hypothesis's deep stacks, hundreds of times per grade)."""
    torch.random.default_generator.manual_seed(seed)


def randomize(module: nn.Module, seed: int) -> nn.Module:
    """Replace every parameter with N(0, 0.6²) values drawn from ``seed`` (deterministic)."""
    gen = torch.Generator().manual_seed(10_007 + seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64).to(p.dtype) * 0.6)
    return module


def _cell(variant: str) -> Callable[[Case], nn.Module]:
    return lambda case: reference.VARIANTS[variant].build(case.input_size, case.hidden_size)


EXERCISES: dict[str, Exercise] = {
    e.name: e for e in (
        Exercise("lstm_cell", "LSTMCell", "lstm", "LSTM cell (the lesson's LSTMCell)",
                 _cell("lstm"), "lstm", semantics=True),
        Exercise("lstm", "LSTM", "sequence", "Multi-layer LSTM over a sequence (batch_first)",
                 lambda case: reference.LSTM(case.input_size, case.hidden_size,
                                             case.num_layers), "lstm"),
        Exercise("peephole", "PeepholeLSTMCell", "lstm", "LSTM cell with peephole connections",
                 _cell("peephole"), "peephole", count_extra="peephole"),
        Exercise("coupled", "CoupledLSTMCell", "lstm",
                 "Coupled input-forget gate cell (CIFG, i = 1 − f)", _cell("coupled"), "coupled",
                 conventions=(_TWO_BIASES, BiasConvention("one_bias", ("f", "g", "o")))),
        Exercise("gru", "GRUCell", "gru", "GRU cell (same function as nn.GRUCell)",
                 _cell("gru"), "gru",
                 # The minimal GRU: r's and z's two biases are one each; n keeps both.
                 conventions=(BiasConvention("pytorch"), BiasConvention("gru_minimal",
                                                                        ("r", "z"))),
                 hints={"robustness.no_inplace": "hint.gru.no_inplace",
                        "equivalence.pytorch_layout": "hint.gru.pytorch_layout"}),
    )
}
DEFAULT_EXERCISES = ("lstm_cell", "lstm")


def get_exercise(name: str) -> Exercise:
    try:
        return EXERCISES[name]
    except KeyError:
        raise ConfigError(f"unknown exercise {name!r}; choose from "
                          f"{', '.join(EXERCISES)}") from None
