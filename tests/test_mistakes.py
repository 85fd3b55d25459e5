"""reference.mistakes: every known mistake is well formed, really wrong, and differentiable."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import Tensor, nn

import reference
from reference import mistakes
from reference.mistakes import MISTAKES, Mistake, for_exercise

EXERCISES = ("lstm_cell", "lstm", "peephole", "coupled", "gru")
MINIMUM = {"lstm_cell": 14, "lstm": 5, "peephole": 2, "coupled": 2, "gru": 3}
CELL_EXERCISES = ("lstm_cell", "peephole", "coupled", "gru")
GATE_PARAMS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
# Mistakes that are the reference with some gates' signs inverted, registered on purpose
# for their specific explanation (see the module docstring).
SIGN_FLIPS = {"interpolation-swapped"}
IN, HID, LAYERS, BATCH, SEQ = 3, 4, 2, 3, 3
ALL = list(MISTAKES.values())
PROFILE = settings(derandomize=True, database=None, deadline=None, max_examples=8)


def mistake_id(m: Mistake) -> str:
    return m.id


def correct(exercise: str) -> Callable[..., nn.Module]:
    """The reference the mistakes of ``exercise`` corrupt."""
    if exercise == "lstm":
        return reference.LSTM
    if exercise == "lstm_cell":
        return reference.LSTMCell
    if exercise == "gru":
        return reference.GRUCell
    if exercise in reference.VARIANTS:
        return lambda i, h: reference.VARIANTS[exercise].build(i, h)
    return {"peephole": mistakes._PeepholeCell, "coupled": mistakes._CoupledCell}[exercise]


def sizes(exercise: str, input_size: int = IN, hidden_size: int = HID) -> tuple[int, ...]:
    return (input_size, hidden_size, LAYERS) if exercise == "lstm" else (input_size, hidden_size)


M = TypeVar("M", bound=nn.Module)


def randomized(module: M, seed: int) -> M:
    gen = torch.Generator().manual_seed(seed)
    module = module.double()
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) * 0.6)
    return module


def pair(m: Mistake, seed: int = 0, input_size: int = IN, hidden_size: int = HID
         ) -> tuple[nn.Module, nn.Module]:
    """(reference, mistake) with the same random weights, in float64."""
    args = sizes(m.exercise, input_size, hidden_size)
    ref = randomized(correct(m.exercise)(*args), seed)
    wrong = m.build(*args).double()
    wrong.load_state_dict(ref.state_dict())  # strict: the same names and shapes
    return ref, wrong


def inputs(exercise: str, seed: int = 1, batch: int = BATCH, input_size: int = IN,
           hidden_size: int = HID, seq_len: int = SEQ) -> tuple[Tensor, Any]:
    """x and a non-zero state in the exercise's convention."""
    gen = torch.Generator().manual_seed(seed)

    def randn(*shape: int) -> Tensor:
        return torch.randn(shape, generator=gen, dtype=torch.float64)

    if exercise == "lstm":
        return (randn(batch, seq_len, input_size),
                (randn(LAYERS, batch, hidden_size), randn(LAYERS, batch, hidden_size)))
    if exercise == "gru":
        return randn(batch, input_size), randn(batch, hidden_size)
    return randn(batch, input_size), (randn(batch, hidden_size), randn(batch, hidden_size))


def run(module: Callable[..., Any], exercise: str, x: Tensor, state: Any) -> list[Tensor]:
    if exercise == "gru":
        return [module(x, state)]
    if exercise == "lstm":
        out, (h_n, c_n) = module(x, state)
        return [out, h_n, c_n]
    h, c = module(x, state)
    return [h, c]


def max_diff(a: list[Tensor], b: list[Tensor]) -> float:
    assert [t.shape for t in a] == [t.shape for t in b]
    return max(float((s - t).detach().abs().max()) for s, t in zip(a, b, strict=True))


def relabelled(state: dict[str, Tensor], hidden: int, perm: tuple[int, ...],
               signs: tuple[int, ...]) -> dict[str, Tensor]:
    """The gate blocks of every gate parameter reordered by ``perm`` and multiplied by ``signs``."""
    out = dict(state)
    for name in GATE_PARAMS:
        blocks = state[name].split(hidden)
        out[name] = torch.cat([blocks[p] * s for p, s in zip(perm, signs, strict=True)])
    return out


# --- the registry ----------------------------------------------------------------------------

def test_every_exercise_has_at_least_the_promised_number_of_mistakes() -> None:
    counts = {e: len(for_exercise(e)) for e in EXERCISES}
    assert all(counts[e] >= n for e, n in MINIMUM.items()), counts
    assert sum(counts.values()) == len(MISTAKES)  # no mistake belongs to an unknown exercise


def test_ids_are_unique_kebab_case_and_key_the_registry() -> None:
    ids = [m.id for m in ALL]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", i) for i in ids), ids
    assert all(MISTAKES[m.id] is m for m in ALL)


def test_registering_an_id_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        mistakes.register(ALL[0])
    assert list(MISTAKES.values()) == ALL


def test_the_registry_cannot_be_modified_from_outside() -> None:
    with pytest.raises(TypeError):
        MISTAKES["x"] = ALL[0]  # type: ignore[index]


@pytest.mark.parametrize("m", ALL, ids=mistake_id)
def test_the_texts_say_what_is_wrong_and_quote_the_broken_equation(m: Mistake) -> None:
    assert m.title and "\n" not in m.title and len(m.title) <= 90
    sentences = re.findall(r"[.!?](?:\s|$)", m.explanation)
    assert 2 <= len(sentences) <= 3, m.explanation
    first = re.split(r"[.!?](?:\s|$)", m.explanation)[0]
    assert re.search(r"\byour\b", first, re.IGNORECASE), "the first sentence must describe " \
        "the student's code"
    assert m.equation and m.equation in m.explanation


# --- each mistake as a module ---------------------------------------------------------------

@pytest.mark.parametrize("m", ALL, ids=mistake_id)
def test_has_exactly_the_reference_parameter_names_and_shapes(m: Mistake) -> None:
    args = sizes(m.exercise)
    want = {n: tuple(p.shape) for n, p in correct(m.exercise)(*args).named_parameters()}
    got = {n: tuple(p.shape) for n, p in m.build(*args).named_parameters()}
    assert got == want


@pytest.mark.parametrize("m", ALL, ids=mistake_id)
def test_runs_in_float64_with_a_nonzero_state_like_the_reference(m: Mistake) -> None:
    ref, wrong = pair(m)
    x, state = inputs(m.exercise)
    got, want = run(wrong, m.exercise, x, state), run(ref, m.exercise, x, state)
    assert [t.shape for t in got] == [t.shape for t in want]
    assert all(t.dtype == torch.float64 and bool(torch.isfinite(t).all()) for t in got)


@pytest.mark.parametrize("m", ALL, ids=mistake_id)
def test_runs_without_a_state_and_on_unbatched_input(m: Mistake) -> None:
    _, wrong = pair(m)
    x, state = inputs(m.exercise, batch=1)
    batched = run(wrong, m.exercise, x, state)
    if m.exercise == "lstm":
        got = run(wrong, "lstm", x[0], (state[0][:, 0], state[1][:, 0]))
        want = [batched[0][0], batched[1][:, 0], batched[2][:, 0]]
    else:
        one = state[0] if m.exercise == "gru" else (state[0][0], state[1][0])
        got, want = run(wrong, m.exercise, x[0], one), [t[0] for t in batched]
    assert max_diff(got, want) == 0.0
    assert all(bool(torch.isfinite(t).all()) for t in run(wrong, m.exercise, x, None))


@pytest.mark.parametrize("m", ALL, ids=mistake_id)
@PROFILE
@given(seed=st.integers(0, 10_000), batch=st.integers(2, 4), input_size=st.integers(1, 4),
       hidden_size=st.integers(2, 5), seq_len=st.integers(2, 4))
def test_differs_from_the_reference_with_the_same_weights(
        m: Mistake, seed: int, batch: int, input_size: int, hidden_size: int,
        seq_len: int) -> None:
    """At least a few numbers per output: with a single one, a small |c| can hide tanh."""
    ref, wrong = pair(m, seed, input_size, hidden_size)
    x, state = inputs(m.exercise, seed + 1, batch, input_size, hidden_size, seq_len)
    assert max_diff(run(wrong, m.exercise, x, state), run(ref, m.exercise, x, state)) > 1e-6


@pytest.mark.parametrize("m", ALL, ids=mistake_id)
def test_is_deterministic(m: Mistake) -> None:
    _, wrong = pair(m)
    _, again = pair(m)
    x, state = inputs(m.exercise)
    first = run(wrong, m.exercise, x, state)
    assert max_diff(first, run(wrong, m.exercise, x, state)) == 0.0
    assert max_diff(first, run(again, m.exercise, x, state)) == 0.0


@pytest.mark.parametrize("m", ALL, ids=mistake_id)
def test_outputs_are_differentiable_with_respect_to_every_parameter_it_uses(
        m: Mistake) -> None:
    _, wrong = pair(m, seed=3)
    x, state = inputs(m.exercise, seed=4)
    outs = run(wrong, m.exercise, x, state)
    names = [n for n, _ in wrong.named_parameters()]
    params = [p for _, p in wrong.named_parameters()]
    total = torch.stack([o.sum() for o in outs]).sum()
    grads = torch.autograd.grad(total, params, allow_unused=True)
    used = [n for n, g in zip(names, grads, strict=True) if g is not None]
    assert used, "no parameter reaches the outputs"
    assert all(bool(torch.isfinite(g).all()) for g in grads if g is not None)

    def f(*values: Tensor) -> tuple[Tensor, ...]:
        given_values = dict(zip(used, values, strict=True))
        return tuple(run(lambda *a: torch.func.functional_call(wrong, given_values, a),
                         m.exercise, x, state))

    values = tuple(wrong.get_parameter(n).detach().clone().requires_grad_() for n in used)
    assert torch.autograd.gradcheck(f, values, fast_mode=True)


@pytest.mark.parametrize("m", [m for m in ALL if m.exercise not in ("gru", "lstm")],
                         ids=mistake_id)
def test_a_mistaken_cell_can_be_stacked_like_the_reference_cell(m: Mistake) -> None:
    torch.manual_seed(0)
    wrong = randomized(reference.LSTM(IN, HID, LAYERS, cell=m.build), 5)
    right = randomized(reference.LSTM(IN, HID, LAYERS, cell=correct(m.exercise)), 5)
    x, state = inputs("lstm")
    got, want = run(wrong, "lstm", x, state), run(right, "lstm", x, state)
    assert all(bool(torch.isfinite(t).all()) for t in got)
    assert max_diff(got, want) > 1e-6


# --- not relabellings -----------------------------------------------------------------------

def _family(exercise: str) -> list[tuple[str, Callable[..., nn.Module]]]:
    return [("reference", correct(exercise))] + [(m.id, m.build) for m in for_exercise(exercise)]


@pytest.mark.parametrize("exercise", CELL_EXERCISES)
def test_no_mistake_is_a_relabelling_of_the_reference_or_of_another_mistake(
        exercise: str) -> None:
    """Layout inference accepts any reordering of the gate blocks: none may make two equal."""
    weights = randomized(correct(exercise)(IN, HID), 11).state_dict()
    x, state = inputs(exercise, seed=12)
    gates = weights["weight_ih"].shape[0] // HID
    built = {name: make(IN, HID).double() for name, make in _family(exercise)}

    def outputs(name: str, w: dict[str, Tensor]) -> list[Tensor]:
        built[name].load_state_dict(w)
        return run(built[name], exercise, x, state)

    same = []
    for a, b in itertools.combinations(built, 2):
        base = outputs(a, weights)
        for perm in itertools.permutations(range(gates)):
            moved = relabelled(weights, HID, perm, (1,) * gates)
            if max_diff(base, outputs(b, moved)) < 1e-9:
                same.append((a, b, perm))
    assert same == []


@pytest.mark.parametrize("exercise", CELL_EXERCISES)
def test_only_the_listed_mistakes_are_sign_flips_of_the_reference(exercise: str) -> None:
    weights = randomized(correct(exercise)(IN, HID), 13).state_dict()
    x, state = inputs(exercise, seed=14)
    gates = weights["weight_ih"].shape[0] // HID
    want = run(randomized(correct(exercise)(IN, HID), 13), exercise, x, state)
    flips = set()
    for m in for_exercise(exercise):
        wrong = m.build(IN, HID).double()
        for perm in itertools.permutations(range(gates)):
            for signs in itertools.product((1, -1), repeat=gates):
                wrong.load_state_dict(relabelled(weights, HID, perm, signs))
                if max_diff(run(wrong, exercise, x, state), want) < 1e-9:
                    flips.add(m.id)
    assert flips == {m.id for m in for_exercise(exercise)} & SIGN_FLIPS


def test_the_sequence_mistakes_differ_from_each_other() -> None:
    x, state = inputs("lstm", seed=21)
    ref = randomized(reference.LSTM(IN, HID, LAYERS), 20)
    outs = {"reference": run(ref, "lstm", x, state)}
    for m in for_exercise("lstm"):
        wrong = m.build(IN, HID, LAYERS).double()
        wrong.load_state_dict(ref.state_dict())
        outs[m.id] = run(wrong, "lstm", x, state)
    close = [(a, b) for a, b in itertools.combinations(outs, 2)
             if max_diff(outs[a], outs[b]) < 1e-6]
    assert close == []


# --- the private correct cells the peephole and coupled mistakes build on -------------------

def test_the_peephole_base_with_zero_peepholes_is_the_standard_cell() -> None:
    cell = randomized(mistakes._PeepholeCell(IN, HID), 30)
    with torch.no_grad():
        for name in ("weight_ci", "weight_cf", "weight_co"):
            cell.get_parameter(name).zero_()
    ref = reference.LSTMCell(IN, HID).double()
    ref.load_state_dict({k: v for k, v in cell.state_dict().items() if k in GATE_PARAMS})
    x, state = inputs("peephole", seed=31)
    assert max_diff(run(cell, "peephole", x, state), run(ref, "lstm_cell", x, state)) < 1e-12
    with torch.no_grad():
        cell.weight_co.fill_(0.5)  # the output peephole matters, and sees the new c
    h, c = cell(x, state)
    o = torch.sigmoid(cell.preactivations(x, state[0]).chunk(4, dim=1)[3] + 0.5 * c)
    assert float((h - o * torch.tanh(c)).detach().abs().max()) < 1e-12


def test_the_coupled_base_is_the_standard_cell_with_i_equal_to_one_minus_f() -> None:
    cell = randomized(mistakes._CoupledCell(IN, HID), 40)
    ref = reference.LSTMCell(IN, HID).double()
    w = cell.state_dict()
    # σ(−a) = 1 − σ(a): an input gate with the forget gate's weights negated is 1 − f.
    ref.load_state_dict({n: torch.cat([-w[n].split(HID)[0], *w[n].split(HID)])
                         for n in GATE_PARAMS})
    x, state = inputs("coupled", seed=41)
    assert max_diff(run(cell, "coupled", x, state), run(ref, "lstm_cell", x, state)) < 1e-12


@pytest.mark.parametrize("variant", ["peephole", "coupled"])
def test_the_private_bases_compute_the_registered_variants(variant: str) -> None:
    if variant not in reference.VARIANTS:
        pytest.skip(f"reference.VARIANTS has no {variant!r} yet")
    base = {"peephole": mistakes._PeepholeCell, "coupled": mistakes._CoupledCell}[variant]
    mine = randomized(base(IN, HID), 50)
    theirs = reference.VARIANTS[variant].build(IN, HID).double()
    theirs.load_state_dict(mine.state_dict())
    x, state = inputs(variant, seed=51)
    assert max_diff(run(mine, variant, x, state), run(theirs, variant, x, state)) < 1e-12
