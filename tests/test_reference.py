"""The reference cells and stack with a PyTorch counterpart equal it, in values and gradients.

Everything is compared in float64 with atol 1e-10 and rtol 0 (a default rtol would let a cell
that silently computes in float32 pass): outputs, final states, and the gradients of a random
weighting of the outputs with respect to the inputs, the initial states and every parameter.
Weights are copied both ways, PyTorch -> reference (``from_torch``) and reference -> PyTorch
(``to_torch``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch import Tensor, nn

import reference
from reference import VARIANTS

F64 = torch.float64
ATOL = 1e-10
SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=20)

Call = Callable[[nn.Module, dict[str, Tensor]], list[Tensor]]
ModuleT = TypeVar("ModuleT", bound=nn.Module)


# --- helpers ----------------------------------------------------------------------------------

def randomize(module: ModuleT, seed: int) -> ModuleT:
    """N(0, 0.7²) weights: large enough that every gate leaves its linear regime."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=F64).to(p.dtype) * 0.7)
    return module


def randn(seed: int, *shape: int, dtype: torch.dtype = F64) -> Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def close(got: Tensor, want: Tensor, what: str) -> None:
    torch.testing.assert_close(got, want, atol=ATOL, rtol=0, msg=lambda m: f"{what}: {m}")


def compare(ours: nn.Module, theirs: nn.Module, names: dict[str, str], call_ours: Call,
            call_theirs: Call, inputs: dict[str, Tensor], seed: int) -> None:
    """Outputs and all gradients of ``ours`` equal those of ``theirs`` (names: ours -> theirs)."""
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in inputs.items()}
    out_ours, out_theirs = call_ours(ours, leaves), call_theirs(theirs, leaves)
    assert len(out_ours) == len(out_theirs)
    for k, (a, b) in enumerate(zip(out_ours, out_theirs, strict=True)):
        close(a, b, f"output {k}")
    # A random weighting of every output, so that no gradient is a plain sum.
    weights = [randn(seed + 1000 + k, *o.shape) for k, o in enumerate(out_theirs)]

    def grads(module: nn.Module, outs: Sequence[Tensor], params: list[str]) -> list[Tensor]:
        loss = sum((o * w).sum() for o, w in zip(outs, weights, strict=True))
        wrt = [*leaves.values(), *(module.get_parameter(n) for n in params)]
        return list(torch.autograd.grad(loss, wrt))  # type: ignore[arg-type]

    ours_names = sorted(names)
    assert sorted(n for n, _ in ours.named_parameters()) == ours_names
    assert sorted(n for n, _ in theirs.named_parameters()) == sorted(names.values())
    g_ours = grads(ours, out_ours, ours_names)
    g_theirs = grads(theirs, out_theirs, [names[n] for n in ours_names])
    labels = [f"d/d {k}" for k in leaves] + [f"d/d {n}" for n in ours_names]
    for label, a, b in zip(labels, g_ours, g_theirs, strict=True):
        close(a, b, label)


def lstm_cell_call(m: nn.Module, t: dict[str, Tensor]) -> list[Tensor]:
    return list(m(t["x"], (t["h"], t["c"]) if "h" in t else None))


def h_cell_call(m: nn.Module, t: dict[str, Tensor]) -> list[Tensor]:
    return [m(t["x"], t.get("h"))]


def stack_call(m: nn.Module, t: dict[str, Tensor]) -> list[Tensor]:
    out, (h_n, c_n) = m(t["x"], (t["h"], t["c"]) if "h" in t else None)
    return [out, h_n, c_n]


CELLS: dict[str, tuple[type[nn.Module], type[nn.Module], Call]] = {
    "lstm": (reference.LSTMCell, nn.LSTMCell, lstm_cell_call),
    "gru": (reference.GRUCell, nn.GRUCell, h_cell_call),
    "rnn": (reference.RNNCell, nn.RNNCell, h_cell_call),
}


def cell_pair(kind: str, direction: str, input_size: int, hidden_size: int, seed: int
              ) -> tuple[nn.Module, nn.Module]:
    ours_cls, theirs_cls, _ = CELLS[kind]
    if direction == "from_torch":
        theirs = randomize(theirs_cls(input_size, hidden_size, dtype=F64), seed)
        ours = ours_cls.from_torch(theirs)  # type: ignore[attr-defined]
    else:
        ours = randomize(ours_cls(input_size, hidden_size).double(), seed)
        theirs = ours.to_torch()  # type: ignore[operator]
    return ours, theirs


def stack_pair(direction: str, input_size: int, hidden_size: int, num_layers: int,
               proj_size: int, seed: int, dropout: float = 0.0
               ) -> tuple[reference.LSTM, nn.LSTM]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nn.LSTM warns about dropout with one layer
        if direction == "from_torch":
            theirs = randomize(nn.LSTM(input_size, hidden_size, num_layers, batch_first=True,
                                       dropout=dropout, proj_size=proj_size, dtype=F64), seed)
            ours = reference.LSTM.from_torch(theirs)
        else:
            ours = randomize(reference.LSTM(input_size, hidden_size, num_layers,
                                            dropout=dropout, proj_size=proj_size).double(),
                             seed)
            theirs = ours.to_torch()
    assert isinstance(theirs, nn.LSTM)
    return ours, theirs


def stack_names(model: reference.LSTM) -> dict[str, str]:
    names = {}
    for ours, _ in model.named_parameters():
        _, k, _, param = ours.split(".")  # layers.<k>.cell.<param>
        names[ours] = f"{param}_l{k}"
    return names


directions = st.sampled_from(["from_torch", "to_torch"])
cell_sizes = st.fixed_dictionaries({
    "batch": st.integers(1, 4), "input_size": st.integers(1, 5),
    "hidden_size": st.integers(2, 5), "seed": st.integers(0, 2**16)})


# --- cells against nn.LSTMCell, nn.GRUCell, nn.RNNCell -----------------------------------------

@pytest.mark.parametrize("kind", list(CELLS))
@SETTINGS
@given(sizes=cell_sizes, direction=directions, with_state=st.booleans())
@example(sizes={"batch": 1, "input_size": 3, "hidden_size": 2, "seed": 1},
         direction="from_torch", with_state=True)
@example(sizes={"batch": 1, "input_size": 2, "hidden_size": 4, "seed": 2},
         direction="to_torch", with_state=True)
def test_each_reference_cell_equals_its_pytorch_cell_in_outputs_and_every_gradient(
        kind: str, sizes: dict[str, int], direction: str, with_state: bool) -> None:
    b, i, h, seed = sizes["batch"], sizes["input_size"], sizes["hidden_size"], sizes["seed"]
    ours, theirs = cell_pair(kind, direction, i, h, seed)
    inputs = {"x": randn(seed + 1, b, i)}
    if with_state:
        inputs["h"] = randn(seed + 2, b, h)
        if kind == "lstm":
            inputs["c"] = randn(seed + 3, b, h)
    call = CELLS[kind][2]
    names = {n: n for n, _ in ours.named_parameters()}
    compare(ours, theirs, names, call, call, inputs, seed)


# --- the stack against nn.LSTM ----------------------------------------------------------------

@st.composite
def stack_sizes(draw: st.DrawFn) -> dict[str, int]:
    hidden = draw(st.integers(2, 5))
    return {
        "batch": draw(st.integers(1, 3)), "seq_len": draw(st.integers(1, 4)),
        "input_size": draw(st.integers(1, 5)), "hidden_size": hidden,
        "num_layers": draw(st.integers(1, 3)),
        "proj_size": draw(st.one_of(st.just(0), st.integers(1, hidden - 1))),
        "seed": draw(st.integers(0, 2**16)),
    }


@SETTINGS
@given(sizes=stack_sizes(), direction=directions, with_state=st.booleans())
@example(sizes={"batch": 1, "seq_len": 3, "input_size": 3, "hidden_size": 2, "num_layers": 3,
                "proj_size": 0, "seed": 3}, direction="from_torch", with_state=True)
@example(sizes={"batch": 2, "seq_len": 2, "input_size": 2, "hidden_size": 4, "num_layers": 2,
                "proj_size": 3, "seed": 4}, direction="to_torch", with_state=True)
def test_the_reference_stack_equals_nn_lstm_in_outputs_final_states_and_every_gradient(
        sizes: dict[str, int], direction: str, with_state: bool) -> None:
    b, t, i, h = sizes["batch"], sizes["seq_len"], sizes["input_size"], sizes["hidden_size"]
    layers, proj, seed = sizes["num_layers"], sizes["proj_size"], sizes["seed"]
    ours, theirs = stack_pair(direction, i, h, layers, proj, seed)
    inputs = {"x": randn(seed + 1, b, t, i)}
    if with_state:
        inputs["h"] = randn(seed + 2, layers, b, proj or h)
        inputs["c"] = randn(seed + 3, layers, b, h)
    compare(ours, theirs, stack_names(ours), stack_call, stack_call, inputs, seed)


def test_weights_round_trip_exactly_through_to_torch_and_from_torch() -> None:
    modules: list[nn.Module] = [
        randomize(reference.LSTMCell(3, 4).double(), 1),
        randomize(reference.GRUCell(3, 4).double(), 2),
        randomize(reference.RNNCell(3, 4).double(), 3),
        randomize(reference.LSTM(3, 4, num_layers=2).double(), 4),
        randomize(reference.LSTM(3, 4, num_layers=2, proj_size=2).double(), 5),
    ]
    for ours in modules:
        cls: Any = type(ours)
        back = cls.from_torch(ours.to_torch())  # type: ignore[operator]
        want, got = ours.state_dict(), back.state_dict()
        assert list(got) == list(want), type(ours).__name__
        for name in want:
            assert torch.equal(got[name], want[name]), f"{type(ours).__name__}.{name}"
            assert got[name].dtype == F64


# --- conventions: unbatched input, default state, dtype -------------------------------------

def test_an_unbatched_cell_input_gives_the_batched_result_and_matches_pytorch() -> None:
    for kind, (_, _, call) in CELLS.items():
        ours, theirs = cell_pair(kind, "from_torch", 3, 4, seed=11)
        one = {"x": randn(12, 3), "h": randn(13, 4), "c": randn(14, 4)}
        if kind != "lstm":
            del one["c"]
        batched = {k: v.unsqueeze(0) for k, v in one.items()}
        got, want_torch = call(ours, one), call(theirs, one)
        want_batched = call(ours, batched)
        for a, b, c in zip(got, want_torch, want_batched, strict=True):
            assert a.shape == b.shape == c.shape[1:], kind
            close(a, b, f"{kind} unbatched vs PyTorch")
            close(a, c[0], f"{kind} unbatched vs batched")


def test_an_unbatched_sequence_gives_the_batched_result_and_matches_nn_lstm() -> None:
    ours, theirs = stack_pair("from_torch", 3, 4, num_layers=2, proj_size=0, seed=21)
    x, h0, c0 = randn(22, 5, 3), randn(23, 2, 4), randn(24, 2, 4)
    out, (h_n, c_n) = ours(x, (h0, c0))
    t_out, (t_h, t_c) = theirs(x, (h0, c0))
    b_out, (b_h, b_c) = ours(x[None], (h0[:, None], c0[:, None]))
    assert out.shape == (5, 4) and h_n.shape == c_n.shape == (2, 4)
    for a, b, c, what in ((out, t_out, b_out[0], "outputs"), (h_n, t_h, b_h[:, 0], "h_n"),
                          (c_n, t_c, b_c[:, 0], "c_n")):
        close(a, b, f"{what} vs nn.LSTM")
        close(a, c, f"{what} vs batched")


@pytest.mark.parametrize("kind", [*CELLS, "stack"])
def test_a_missing_state_equals_an_all_zero_state(kind: str) -> None:
    if kind == "stack":
        model: nn.Module = randomize(reference.LSTM(3, 4, num_layers=2).double(), 31)
        x = randn(32, 2, 3, 3)
        zeros = {"h": torch.zeros(2, 2, 4, dtype=F64), "c": torch.zeros(2, 2, 4, dtype=F64)}
        call: Call = stack_call
    else:
        model, _ = cell_pair(kind, "to_torch", 3, 4, seed=31)
        x = randn(32, 2, 3)
        zeros = {"h": torch.zeros(2, 4, dtype=F64), "c": torch.zeros(2, 4, dtype=F64)}
        if kind != "lstm":
            del zeros["c"]
        call = CELLS[kind][2]
    for a, b in zip(call(model, {"x": x}), call(model, {"x": x, **zeros}), strict=True):
        close(a, b, f"{kind}: state=None vs zeros")
    # ... and a non-zero state does change the result, so the comparison above can fail.
    ones = {k: torch.ones_like(v) for k, v in zeros.items()}
    assert not torch.allclose(call(model, {"x": x})[0], call(model, {"x": x, **ones})[0])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("kind", [*CELLS, "stack", "projection"])
def test_outputs_and_default_states_keep_the_input_dtype(kind: str, dtype: torch.dtype) -> None:
    if kind in ("stack", "projection"):
        model: nn.Module = reference.LSTM(3, 4, num_layers=2, proj_size=2 if kind ==
                                          "projection" else 0).to(dtype)
        x = randn(41, 2, 3, 3, dtype=dtype)
        outs = stack_call(model, {"x": x})
    else:
        model = CELLS[kind][0](3, 4).to(dtype)
        x = randn(41, 2, 3, dtype=dtype)
        outs = CELLS[kind][2](model, {"x": x})
    for out in outs:
        assert out.dtype == dtype, f"{kind}: got {out.dtype} for {dtype} input"


# --- dropout --------------------------------------------------------------------------------

def layer_inputs(model: reference.LSTM, x: Tensor) -> list[Tensor]:
    """What each layer above the first receives, recorded with forward pre-hooks."""
    seen: list[Tensor] = []
    hooks = [layer.register_forward_pre_hook(lambda _m, args: seen.append(args[0].detach()))
             for layer in model.layers[1:]]
    try:
        model(x)
    finally:
        for hook in hooks:
            hook.remove()
    return seen


def test_in_eval_mode_dropout_does_nothing_and_the_stack_equals_nn_lstm() -> None:
    ours, theirs = stack_pair("from_torch", 3, 4, num_layers=3, proj_size=0, seed=51,
                              dropout=0.5)
    ours.eval()
    theirs.eval()
    x = randn(52, 2, 4, 3)
    for a, b in zip(stack_call(ours, {"x": x}), stack_call(theirs, {"x": x}), strict=True):
        close(a, b, "eval mode with dropout 0.5")


def test_in_training_dropout_zeroes_and_rescales_the_inputs_of_the_layers_above() -> None:
    p = 0.4
    model = randomize(reference.LSTM(3, 6, num_layers=3, dropout=p).double(), 61)
    x = randn(62, 8, 25, 3)
    model.eval()
    clean = layer_inputs(model, x)
    model.train()
    torch.manual_seed(63)
    dropped = layer_inputs(model, x)
    # Layer 1's input is layer 0's output with dropout; layer 0 is deterministic, so every
    # element is either 0 or the eval value / (1 − p).
    kept = dropped[0] != 0
    close(dropped[0][kept], clean[0][kept] / (1 - p), "kept elements")
    n = kept.numel()
    frac = 1 - kept.double().mean().item()
    assert abs(frac - p) < 5 * math.sqrt(p * (1 - p) / n), f"dropped fraction {frac:.3f}"
    out_train, (h_train, c_train) = model(x)
    model.eval()
    out_eval, (h_eval, c_eval) = model(x)
    assert not torch.allclose(out_train, out_eval), "training output equals eval output"
    # Dropout acts between layers only: the first layer's own states are untouched.
    close(h_train[0], h_eval[0], "h_n of layer 0")
    close(c_train[0], c_eval[0], "c_n of layer 0")


def test_dropout_is_not_applied_to_the_output_of_the_last_layer() -> None:
    model = randomize(reference.LSTM(3, 4, num_layers=1, dropout=0.9).double(), 71)
    x = randn(72, 2, 5, 3)
    model.train()
    torch.manual_seed(73)
    train = stack_call(model, {"x": x})
    model.eval()
    for a, b in zip(train, stack_call(model, {"x": x}), strict=True):
        close(a, b, "one layer, training vs eval")


def test_dropout_of_one_feeds_zeros_upwards_exactly_as_nn_lstm_does_in_training() -> None:
    ours, theirs = stack_pair("from_torch", 3, 4, num_layers=2, proj_size=0, seed=81,
                              dropout=1.0)
    ours.train()
    theirs.train()
    x = randn(82, 2, 3, 3)
    for a, b in zip(stack_call(ours, {"x": x}), stack_call(theirs, {"x": x}), strict=True):
        close(a, b, "training with dropout 1")


# --- parameter counts -----------------------------------------------------------------------

def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@SETTINGS
@given(input_size=st.integers(1, 7), hidden_size=st.integers(2, 7))
def test_parameter_counts_equal_the_registry_formula_and_pytorch(
        input_size: int, hidden_size: int) -> None:
    i, h = input_size, hidden_size
    for name, theirs in (("lstm", nn.LSTMCell(i, h)), ("gru", nn.GRUCell(i, h)),
                         ("rnn", nn.RNNCell(i, h))):
        ours = VARIANTS[name].build(i, h)
        assert count(ours) == VARIANTS[name].param_count(i, h) == count(theirs), name
    for p in range(1, h):
        ours = VARIANTS["projection"].build(i, h, proj_size=p)
        theirs_lstm = nn.LSTM(i, h, proj_size=p)
        assert count(ours) == VARIANTS["projection"].param_count(i, h, proj_size=p) \
            == count(theirs_lstm), f"projection P={p}"
