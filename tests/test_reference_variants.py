"""The variants in ``reference.VARIANTS``: equations, identities, counts, gradients, docs.

Variants without a PyTorch counterpart are checked two ways: against their equations written
out again here, one gate at a time by slicing the stacked parameters (nothing here calls the
cell's ``step`` or ``chunk``), and against identities that tie them to ``reference.LSTMCell``
(which tests/test_reference.py ties to ``nn.LSTMCell``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import Tensor, nn

import reference
from reference import VARIANTS

F64 = torch.float64
ATOL = 1e-12
SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=20)
DOCS = Path(__file__).resolve().parent.parent / "docs" / "variants.md"

σ, tanh = torch.sigmoid, torch.tanh


# --- helpers ----------------------------------------------------------------------------------

def randomize(module: nn.Module, seed: int, scale: float = 0.7) -> nn.Module:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=F64).to(p.dtype) * scale)
    return module


def randn(seed: int, *shape: int) -> Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


def rand(seed: int, *shape: int) -> Tensor:
    """Uniform in (0, 1): plausible gate activations."""
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


def close(got: Tensor, want: Tensor, what: str) -> None:
    torch.testing.assert_close(got, want, atol=ATOL, rtol=0, msg=lambda m: f"{what}: {m}")


def build(name: str, input_size: int, hidden_size: int, seed: int) -> Any:
    return randomize(VARIANTS[name].build(input_size, hidden_size).double(), seed)


def h_width(cell: Any) -> int:
    return int(getattr(cell, "proj_size", cell.hidden_size))


def make_state(name: str, cell: Any, batch: int, seed: int) -> Any:
    """A random, non-zero state in the variant's convention."""
    kind, hid = VARIANTS[name].state, cell.hidden_size
    h = randn(seed, batch, h_width(cell))
    if kind in ("gru", "rnn"):
        return h
    c = randn(seed + 1, batch, hid)
    return (h, c, rand(seed + 2, batch, 3 * hid)) if kind == "lstm_gates" else (h, c)


def unbatch(state: Any) -> Any:
    return state[0] if isinstance(state, Tensor) else tuple(s[0] for s in state)


def outputs(result: Any) -> list[Tensor]:
    return [result] if isinstance(result, Tensor) else list(result)


def block(p: Tensor, k: int, hidden: int) -> Tensor:
    """Gate block k of a parameter stacked along its first axis."""
    return p[k * hidden:(k + 1) * hidden]


def affine(cell: Any, k: int, x: Tensor, h: Tensor) -> Tensor:
    """W_k x + b_ih,k + U_k h + b_hh,k for gate block k."""
    hid = cell.hidden_size
    return (x @ block(cell.weight_ih, k, hid).T + block(cell.bias_ih, k, hid)
            + h @ block(cell.weight_hh, k, hid).T + block(cell.bias_hh, k, hid))


# --- the equations, written out again -------------------------------------------------------
# Each takes the cell (for its parameters only), x (B, I) and the state; returns the new state.

def eq_peephole(cell: Any, x: Tensor, state: Any) -> Any:
    h, c = state
    i = σ(affine(cell, 0, x, h) + cell.weight_ci * c)
    f = σ(affine(cell, 1, x, h) + cell.weight_cf * c)
    g = tanh(affine(cell, 2, x, h))
    c_new = f * c + i * g
    o = σ(affine(cell, 3, x, h) + cell.weight_co * c_new)
    return o * tanh(c_new), c_new


def eq_coupled(cell: Any, x: Tensor, state: Any) -> Any:
    h, c = state
    f, g, o = σ(affine(cell, 0, x, h)), tanh(affine(cell, 1, x, h)), σ(affine(cell, 2, x, h))
    c_new = f * c + (1 - f) * g
    return o * tanh(c_new), c_new


def eq_nig(cell: Any, x: Tensor, state: Any) -> Any:
    h, c = state
    f, g, o = σ(affine(cell, 0, x, h)), tanh(affine(cell, 1, x, h)), σ(affine(cell, 2, x, h))
    c_new = f * c + g
    return o * tanh(c_new), c_new


def eq_nfg(cell: Any, x: Tensor, state: Any) -> Any:
    h, c = state
    i, g, o = σ(affine(cell, 0, x, h)), tanh(affine(cell, 1, x, h)), σ(affine(cell, 2, x, h))
    c_new = c + i * g
    return o * tanh(c_new), c_new


def eq_nog(cell: Any, x: Tensor, state: Any) -> Any:
    h, c = state
    i, f, g = σ(affine(cell, 0, x, h)), σ(affine(cell, 1, x, h)), tanh(affine(cell, 2, x, h))
    c_new = f * c + i * g
    return tanh(c_new), c_new


def eq_niaf(cell: Any, x: Tensor, state: Any) -> Any:
    h, c = state
    i, f, o = σ(affine(cell, 0, x, h)), σ(affine(cell, 1, x, h)), σ(affine(cell, 3, x, h))
    g = affine(cell, 2, x, h)
    c_new = f * c + i * g
    return o * tanh(c_new), c_new


def eq_noaf(cell: Any, x: Tensor, state: Any) -> Any:
    h, c = state
    i, f, o = σ(affine(cell, 0, x, h)), σ(affine(cell, 1, x, h)), σ(affine(cell, 3, x, h))
    g = tanh(affine(cell, 2, x, h))
    c_new = f * c + i * g
    return o * c_new, c_new


def eq_fgr(cell: Any, x: Tensor, state: Any) -> Any:
    h, c, prev = state
    hid = cell.hidden_size
    prev_blocks = [prev[:, b * hid:(b + 1) * hid] for b in range(3)]  # i, f, o of last step

    def recurrence(a: int) -> Tensor:  # Σ_b R_ab b_prev, R_ab the (a, b) block of weight_gg
        return sum(p @ cell.weight_gg[a * hid:(a + 1) * hid, b * hid:(b + 1) * hid].T
                   for b, p in enumerate(prev_blocks))  # type: ignore[return-value]

    i = σ(affine(cell, 0, x, h) + recurrence(0))
    f = σ(affine(cell, 1, x, h) + recurrence(1))
    g = tanh(affine(cell, 2, x, h))
    o = σ(affine(cell, 3, x, h) + recurrence(2))
    c_new = f * c + i * g
    return o * tanh(c_new), c_new, torch.cat([i, f, o], dim=1)


def layer_norm(v: Tensor, gain: Tensor, shift: Tensor, eps: float = 1e-5) -> Tensor:
    mean = v.sum(-1, keepdim=True) / v.shape[-1]
    var = ((v - mean) ** 2).sum(-1, keepdim=True) / v.shape[-1]  # biased, as nn.LayerNorm
    return (v - mean) / torch.sqrt(var + eps) * gain + shift


def eq_layernorm(cell: Any, x: Tensor, state: Any) -> Any:
    h, c = state
    hid = cell.hidden_size
    z = (layer_norm(x @ cell.weight_ih.T, cell.layernorm_i.weight, cell.layernorm_i.bias)
         + layer_norm(h @ cell.weight_hh.T, cell.layernorm_h.weight, cell.layernorm_h.bias))
    i, f, g, o = (z[:, k * hid:(k + 1) * hid] for k in range(4))
    c_new = layer_norm(σ(f) * c + σ(i) * tanh(g), cell.layernorm_c.weight, cell.layernorm_c.bias)
    return σ(o) * tanh(c_new), c_new


EQUATIONS: dict[str, Callable[[Any, Tensor, Any], Any]] = {
    "peephole": eq_peephole, "coupled": eq_coupled, "nig": eq_nig, "nfg": eq_nfg,
    "nog": eq_nog, "niaf": eq_niaf, "noaf": eq_noaf, "fgr": eq_fgr, "layernorm": eq_layernorm,
}

sizes = st.fixed_dictionaries({
    "batch": st.integers(1, 4), "input_size": st.integers(1, 5),
    "hidden_size": st.integers(2, 5), "seed": st.integers(0, 2**16)})


def test_every_variant_without_a_pytorch_counterpart_has_its_equations_written_out_here(
        ) -> None:
    assert set(EQUATIONS) == {n for n, v in VARIANTS.items() if v.torch_counterpart is None}


@pytest.mark.parametrize("name", list(EQUATIONS))
@SETTINGS
@given(sizes=sizes)
def test_each_variant_computes_its_equations_over_two_steps_and_gives_the_same_gradients(
        name: str, sizes: dict[str, int]) -> None:
    b, i, h, seed = sizes["batch"], sizes["input_size"], sizes["hidden_size"], sizes["seed"]
    cell = build(name, i, h, seed)
    x1, x2 = randn(seed + 1, b, i), randn(seed + 2, b, i)
    state = make_state(name, cell, b, seed + 3)
    got = cell(x2, cell(x1, state))  # the second step starts from the first step's state
    want = EQUATIONS[name](cell, x2, EQUATIONS[name](cell, x1, state))
    assert len(got) == len(want)
    for k, (a, w) in enumerate(zip(got, want, strict=True)):
        close(a, w, f"{name} output {k}")
    weights = [randn(seed + 10 + k, *w.shape) for k, w in enumerate(want)]
    params = [p for _, p in cell.named_parameters()]
    g_got = torch.autograd.grad(sum((a * w).sum() for a, w in zip(got, weights, strict=True)),
                                params)
    g_want = torch.autograd.grad(sum((a * w).sum() for a, w in zip(want, weights, strict=True)),
                                 params)
    for (pname, _), a, w in zip(cell.named_parameters(), g_got, g_want, strict=True):
        close(a, w, f"{name} d/d {pname}")


# --- identities tying each variant to reference.LSTMCell ------------------------------------

def lstm_with(cell: Any, rows: dict[str, tuple[str, ...] | float]) -> reference.LSTMCell:
    """A reference LSTMCell whose gate blocks i, f, g, o come from ``cell``'s blocks.

    ``rows[gate]`` is the name of ``cell``'s block to copy, "-name" for its negation, or a
    float: zero weights and that value as the only bias (a gate held at σ(value)).
    """
    hid = cell.hidden_size
    std = reference.LSTMCell(cell.input_size, hid).double()
    order = cell.gate_names
    with torch.no_grad():
        for k, gate in enumerate(("i", "f", "g", "o")):
            src = rows[gate]
            for pname in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                dst = block(std.get_parameter(pname), k, hid)
                if isinstance(src, float):
                    dst.fill_(src if pname == "bias_ih" else 0.0)
                else:
                    sign = -1.0 if src[0].startswith("-") else 1.0
                    j = order.index(src[0].lstrip("-"))
                    dst.copy_(sign * block(cell.get_parameter(pname), j, hid))
    return std


def step_both(cell: Any, std: Any, b: int, seed: int
              ) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...], dict[str, Tensor]]:
    x = randn(seed + 1, b, cell.input_size)
    state = (randn(seed + 2, b, cell.hidden_size), randn(seed + 3, b, cell.hidden_size))
    got, gates = cell.step(x, state)
    want, _ = std.step(x, state)
    return tuple(got), tuple(want), gates


ALWAYS_ON = 1e4  # σ(1e4) == 1 and σ(−1e4) == 0 exactly in float64


@SETTINGS
@given(sizes=sizes)
def test_a_peephole_cell_with_zero_peepholes_is_the_standard_cell_with_the_same_weights(
        sizes: dict[str, int]) -> None:
    cell = build("peephole", sizes["input_size"], sizes["hidden_size"], sizes["seed"])
    std = reference.LSTMCell(cell.input_size, cell.hidden_size).double()
    std.load_state_dict({k: v for k, v in cell.state_dict().items()
                         if not k.startswith("weight_c")})
    got, want, _ = step_both(cell, std, sizes["batch"], sizes["seed"])
    assert not torch.allclose(got[0], want[0]), "the peepholes have no effect"
    with torch.no_grad():
        for p in (cell.weight_ci, cell.weight_cf, cell.weight_co):
            p.zero_()
    got, want, _ = step_both(cell, std, sizes["batch"], sizes["seed"])
    for a, w, what in zip(got, want, "hc", strict=True):
        close(a, w, what)


@SETTINGS
@given(sizes=sizes)
def test_the_coupled_cell_is_the_standard_cell_whose_input_gate_is_one_minus_its_forget_gate(
        sizes: dict[str, int]) -> None:
    cell = build("coupled", sizes["input_size"], sizes["hidden_size"], sizes["seed"])
    # σ(−a) = 1 − σ(a): an input gate with the forget gate's weights negated is 1 − f.
    std = lstm_with(cell, {"i": ("-f",), "f": ("f",), "g": ("g",), "o": ("o",)})
    got, want, gates = step_both(cell, std, sizes["batch"], sizes["seed"])
    for a, w, what in zip(got, want, "hc", strict=True):
        close(a, w, what)
    close(gates["i"], 1 - gates["f"], "i = 1 − f")


@SETTINGS
@given(sizes=sizes)
def test_nig_is_the_standard_cell_with_the_input_gate_held_at_one(sizes: dict[str, int]) -> None:
    cell = build("nig", sizes["input_size"], sizes["hidden_size"], sizes["seed"])
    std = lstm_with(cell, {"i": ALWAYS_ON, "f": ("f",), "g": ("g",), "o": ("o",)})
    got, want, _ = step_both(cell, std, sizes["batch"], sizes["seed"])
    for a, w, what in zip(got, want, "hc", strict=True):
        close(a, w, what)


@SETTINGS
@given(sizes=sizes)
def test_nfg_is_the_standard_cell_with_the_forget_gate_held_at_one_and_keeps_c_when_i_is_zero(
        sizes: dict[str, int]) -> None:
    cell = build("nfg", sizes["input_size"], sizes["hidden_size"], sizes["seed"])
    std = lstm_with(cell, {"i": ("i",), "f": ALWAYS_ON, "g": ("g",), "o": ("o",)})
    got, want, _ = step_both(cell, std, sizes["batch"], sizes["seed"])
    for a, w, what in zip(got, want, "hc", strict=True):
        close(a, w, what)
    # With the input gate shut nothing is written and, with no forget gate, nothing is lost.
    with torch.no_grad():
        block(cell.bias_ih, 0, cell.hidden_size).fill_(-ALWAYS_ON)
    x = randn(sizes["seed"] + 5, sizes["batch"], cell.input_size)
    c = randn(sizes["seed"] + 6, sizes["batch"], cell.hidden_size)
    (h_new, c_new), gates = cell.step(x, (randn(sizes["seed"] + 7, *c.shape), c))
    close(c_new, c, "c' with i = 0")
    close(h_new, gates["o"] * tanh(c), "h' with i = 0")


@SETTINGS
@given(sizes=sizes)
def test_nog_is_the_standard_cell_with_the_output_gate_held_at_one_so_h_is_tanh_c(
        sizes: dict[str, int]) -> None:
    cell = build("nog", sizes["input_size"], sizes["hidden_size"], sizes["seed"])
    std = lstm_with(cell, {"i": ("i",), "f": ("f",), "g": ("g",), "o": ALWAYS_ON})
    got, want, _ = step_both(cell, std, sizes["batch"], sizes["seed"])
    for a, w, what in zip(got, want, "hc", strict=True):
        close(a, w, what)
    close(got[0], tanh(got[1]), "h' = tanh(c')")


@SETTINGS
@given(sizes=sizes)
def test_niaf_passes_an_unbounded_linear_candidate_and_is_otherwise_the_standard_cell(
        sizes: dict[str, int]) -> None:
    b, seed = sizes["batch"], sizes["seed"]
    cell: Any = randomize(
        VARIANTS["niaf"].build(sizes["input_size"], sizes["hidden_size"]).double(), seed, 3.0)
    x = randn(seed + 1, b, cell.input_size)
    state = (randn(seed + 2, b, cell.hidden_size), randn(seed + 3, b, cell.hidden_size))
    (h_new, c_new), gates = cell.step(x, state)
    close(gates["g"], affine(cell, 2, x, state[0]), "g = W_g x + U_g h + b_g")
    assert gates["g"].abs().max() > 1, "the candidate looks squashed"
    # Scaling the candidate's pre-activation scales g exactly: it is linear.
    with torch.no_grad():
        for pname in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            block(cell.get_parameter(pname), 2, cell.hidden_size).mul_(2.0)
    _, gates2 = cell.step(x, state)
    close(gates2["g"], 2 * gates["g"], "g doubles with its weights")
    close(c_new, gates["f"] * state[1] + gates["i"] * gates["g"], "c' = f ⊙ c + i ⊙ g")
    close(h_new, gates["o"] * tanh(c_new), "h' = o ⊙ tanh(c')")


@SETTINGS
@given(sizes=sizes)
def test_noaf_outputs_o_times_c_and_has_the_standard_cells_cell_state(
        sizes: dict[str, int]) -> None:
    cell = build("noaf", sizes["input_size"], sizes["hidden_size"], sizes["seed"])
    std = lstm_with(cell, {"i": ("i",), "f": ("f",), "g": ("g",), "o": ("o",)})
    got, want, gates = step_both(cell, std, sizes["batch"], sizes["seed"])
    close(got[1], want[1], "c'")
    close(got[0], gates["o"] * got[1], "h' = o ⊙ c'")
    assert not torch.allclose(got[0], want[0]), "h' looks squashed by tanh"


@SETTINGS
@given(sizes=sizes)
def test_fgr_with_zero_gate_recurrence_is_the_standard_cell_and_returns_its_gates(
        sizes: dict[str, int]) -> None:
    b, seed = sizes["batch"], sizes["seed"]
    cell = build("fgr", sizes["input_size"], sizes["hidden_size"], seed)
    std = lstm_with(cell, {"i": ("i",), "f": ("f",), "g": ("g",), "o": ("o",)})
    x = randn(seed + 1, b, cell.input_size)
    h, c, prev = make_state("fgr", cell, b, seed + 2)
    (h_std, c_std), g_std = std.step(x, (h, c))
    got = cell(x, (h, c, prev))
    assert not torch.allclose(got[0], h_std), "the gate recurrence has no effect"
    with torch.no_grad():
        cell.weight_gg.zero_()
    for state in ((h, c, prev), (h, c)):  # a pair means zero previous gates
        h_new, c_new, gates = cell(x, state)
        close(h_new, h_std, "h'")
        close(c_new, c_std, "c'")
        close(gates, torch.cat([g_std["i"], g_std["f"], g_std["o"]], dim=1), "[i, f, o]")


def test_fgr_starts_from_zero_previous_gates_when_no_state_is_given() -> None:
    cell = build("fgr", 3, 4, 5)
    x = randn(6, 2, 3)
    zeros = torch.zeros(2, 4, dtype=F64)
    got, want = cell(x), cell(x, (zeros, zeros, torch.zeros(2, 12, dtype=F64)))
    for a, w, what in zip(got, want, ("h", "c", "gates"), strict=True):
        close(a, w, what)


@SETTINGS
@given(sizes=sizes)
def test_layernorm_ignores_a_shift_shared_by_all_rows_and_normalises_the_cell_state(
        sizes: dict[str, int]) -> None:
    b, seed = sizes["batch"], sizes["seed"]
    cell = build("layernorm", sizes["input_size"], sizes["hidden_size"], seed)
    x = randn(seed + 1, b, cell.input_size)
    state = (randn(seed + 2, b, cell.hidden_size), randn(seed + 3, b, cell.hidden_size))
    before = cell(x, state)
    # Adding one vector u to every row of W_ih adds (u · x) to all 4H features alike, which
    # LN_i (over all 4H features at once) removes.
    u = randn(seed + 4, cell.input_size)
    with torch.no_grad():
        cell.weight_ih.add_(u)
    for a, w in zip(cell(x, state), before, strict=True):
        torch.testing.assert_close(a, w, atol=1e-9, rtol=0)
    # With LN_c's affine at the identity, c' has zero mean and variance v / (v + ε) < 1.
    with torch.no_grad():
        cell.layernorm_c.weight.fill_(1.0)
        cell.layernorm_c.bias.zero_()
    _, c_new = cell(x, state)
    close(c_new.mean(-1), torch.zeros(b, dtype=F64), "mean of c'")
    assert (c_new.var(-1, unbiased=False) <= 1).all()


def test_layernorm_starts_with_unit_gains_and_zero_shifts() -> None:
    cell: Any = VARIANTS["layernorm"].build(3, 4)
    for ln in (cell.layernorm_i, cell.layernorm_h, cell.layernorm_c):
        assert torch.equal(ln.weight, torch.ones_like(ln.weight))
        assert torch.equal(ln.bias, torch.zeros_like(ln.bias))
        assert ln.eps == 1e-5


# --- every registered variant ---------------------------------------------------------------

def test_the_registry_holds_at_least_ten_variants_including_greffs() -> None:
    assert len(VARIANTS) >= 10
    for name in ("lstm", "gru", "rnn", "projection", "peephole", "coupled", "nig", "nfg",
                 "nog", "niaf", "noaf", "fgr", "layernorm"):
        assert name in VARIANTS


@pytest.mark.parametrize("name", list(VARIANTS))
def test_each_variant_is_exported_and_names_its_gates(name: str) -> None:
    variant = VARIANTS[name]
    assert variant.name == name
    assert getattr(reference, variant.cls.__name__) is variant.cls
    assert tuple(variant.cls.gate_names) == variant.gates  # type: ignore[attr-defined]
    assert variant.summary and variant.equations


@pytest.mark.parametrize("name", list(VARIANTS))
@settings(derandomize=True, database=None, deadline=None, max_examples=15)
@given(input_size=st.integers(1, 8), hidden_size=st.integers(3, 8))
def test_each_variant_has_exactly_the_registered_number_of_parameters(
        name: str, input_size: int, hidden_size: int) -> None:
    variant = VARIANTS[name]
    module = variant.build(input_size, hidden_size)
    assert sum(p.numel() for p in module.parameters()) == variant.param_count(
        input_size, hidden_size, **variant.options)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_gradients_reach_every_parameter_of_each_variant(name: str) -> None:
    cell = build(name, 3, 4, seed=91)
    x = randn(92, 2, 3)
    outs = outputs(cell(x, make_state(name, cell, 2, 93)))
    loss = torch.stack([(o * randn(94 + k, *o.shape)).sum() for k, o in enumerate(outs)]).sum()
    named = list(cell.named_parameters())
    grads = torch.autograd.grad(loss, [p for _, p in named], allow_unused=True)
    for (pname, _), g in zip(named, grads, strict=True):
        assert g is not None, f"{name}.{pname} is not used"
        assert torch.isfinite(g).all(), f"{name}.{pname}"
        assert g.abs().max() > 0, f"{name}.{pname} gets a zero gradient"


@pytest.mark.parametrize("name", list(VARIANTS))
def test_each_variant_accepts_unbatched_input_and_gives_the_batched_row(name: str) -> None:
    cell = build(name, 3, 4, seed=101)
    x, state = randn(102, 1, 3), make_state(name, cell, 1, 103)
    batched = outputs(cell(x, state))
    single = outputs(cell(x[0], unbatch(state)))
    assert len(single) == len(batched)
    for a, w in zip(single, batched, strict=True):
        assert a.shape == w.shape[1:], name
        close(a, w[0], name)
    for a, w in zip(outputs(cell(x[0])), outputs(cell(x)), strict=True):  # default state too
        close(a, w[0], f"{name}, default state")


@pytest.mark.parametrize("name", list(VARIANTS))
def test_each_variant_keeps_float64_with_or_without_a_state(name: str) -> None:
    cell = build(name, 3, 4, seed=111)
    x = randn(112, 2, 3)
    for result in (cell(x), cell(x, make_state(name, cell, 2, 113))):
        for out in outputs(result):
            assert out.dtype == F64, name


# --- docs/variants.md -----------------------------------------------------------------------

def doc_sections() -> dict[str, str]:
    """Heading "## `name` ..." -> the text up to the next such heading."""
    text = DOCS.read_text(encoding="utf-8")
    parts = re.split(r"^## `([a-z0-9_]+)`.*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_docs_have_one_section_per_registered_variant_and_no_other() -> None:
    assert list(doc_sections()) == list(VARIANTS)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_each_docs_section_names_every_parameter_of_its_variant(name: str) -> None:
    section = doc_sections().get(name, "")
    for pname, _ in VARIANTS[name].build(3, 4).named_parameters():
        assert f"`{pname}`" in section, f"docs/variants.md, {name}: {pname} is not described"
