"""Layout inference from Jacobians: every correct layout Hypothesis can draw (gate order,
fused or per-gate matrices, [x, h] or [h, x] concatenation, transposes, one, two or folded
biases) round-trips to the reference, and wrong cells are told apart from layouts."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import Tensor, nn

import reference
from grader.inference import _flat_jacobian, infer

GATES = ("i", "f", "g", "o")
SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=25)


class DrawnLayoutCell(nn.Module):
    """A correct LSTM cell whose parameters are laid out as drawn."""

    def __init__(self, i_size: int, h_size: int, order: tuple[str, ...], fused: bool,
                 concat: str, transposed: bool, bias: str, flip: str = "",
                 offset: str = "") -> None:
        super().__init__()
        self.h_size, self.order, self.fused, self.concat = h_size, order, fused, concat
        self.transposed, self.bias, self.flip, self.offset = transposed, bias, flip, offset
        feats = {"split": None, "xh": i_size + h_size, "hx": h_size + i_size}[concat]
        if bias == "folded":
            feats = (feats or i_size) + 1 if concat != "split" else None
        rows = 4 * h_size if fused else h_size

        def mat(cols: int) -> nn.Parameter:
            shape = (cols, rows) if transposed else (rows, cols)
            return nn.Parameter(torch.zeros(shape, dtype=torch.float64))

        blocks = [""] if fused else list(order)
        for b in blocks:
            if feats is not None:
                self.register_parameter(f"w{b}", mat(feats))
            else:
                self.register_parameter(f"wx{b}", mat(i_size + (bias == "folded")))
                self.register_parameter(f"wh{b}", mat(h_size))
            if bias in ("one", "two"):
                self.register_parameter(f"b{b}", nn.Parameter(torch.zeros(rows,
                                                                          dtype=torch.float64)))
            if bias == "two":
                self.register_parameter(f"c{b}", nn.Parameter(torch.zeros(rows,
                                                                          dtype=torch.float64)))

    def _apply(self, name: str, v: Tensor) -> Tensor:  # type: ignore[override]
        w = getattr(self, name)
        return v @ w if self.transposed else v @ w.T

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        h, c = state
        one = torch.ones_like(x[:, :1])
        xs = torch.cat([x, one], 1) if self.bias == "folded" else x
        pre: dict[str, Tensor] = {}
        for b in ([""] if self.fused else list(self.order)):
            if self.concat == "xh":
                z = self._apply(f"w{b}", torch.cat([xs, h], 1))
            elif self.concat == "hx":
                z = self._apply(f"w{b}", torch.cat([h, xs], 1))
            else:
                z = self._apply(f"wx{b}", xs) + self._apply(f"wh{b}", h)
            if self.bias in ("one", "two"):
                z = z + getattr(self, f"b{b}")
            if self.bias == "two":
                z = z + getattr(self, f"c{b}")
            if self.fused:
                pre.update(zip(self.order, z.chunk(4, 1), strict=True))
            else:
                pre[b] = z
        if self.offset:
            pre[self.offset] = pre[self.offset] + 0.5
        if self.flip:
            pre[self.flip] = -pre[self.flip]
        i, f, o = (torch.sigmoid(pre[k]) for k in "ifo")
        g = torch.tanh(pre["g"])
        c2 = f * c + i * g
        return o * torch.tanh(c2), c2


def _infer(cell: nn.Module, i_size: int, h_size: int):  # type: ignore[no-untyped-def]
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(4, i_size, generator=gen, dtype=torch.float64)
    h = torch.randn(4, h_size, generator=gen, dtype=torch.float64)
    c = torch.randn(4, h_size, generator=gen, dtype=torch.float64)

    def run(m: nn.Module) -> list[Tensor]:
        return list(m(x, (h, c)))

    def student_jacobian(params: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        with torch.no_grad():
            for n, p in cell.named_parameters():
                p.copy_(params[n])
        return _flat_jacobian(cell, run)

    names = [n for n, _ in cell.named_parameters()]
    shapes = [tuple(p.shape) for _, p in cell.named_parameters()]
    return infer(names, shapes, student_jacobian, reference.LSTMCell(i_size, h_size), run,
                 GATES)


layouts = st.fixed_dictionaries({
    "order": st.permutations(GATES).map(tuple),
    "fused": st.booleans(),
    "concat": st.sampled_from(["split", "xh", "hx"]),
    "transposed": st.booleans(),
    "bias": st.sampled_from(["one", "two", "folded"]),
})


@SETTINGS
@given(layout=layouts, i_size=st.integers(1, 4), h_size=st.integers(2, 3))
def test_any_correct_layout_is_inferred_and_round_trips_to_the_reference(
        layout: dict, i_size: int, h_size: int) -> None:
    cell = DrawnLayoutCell(i_size, h_size, **layout)
    found = _infer(cell, i_size, h_size)
    assert found.layout is not None, found.reason
    ref = reference.LSTMCell(i_size, h_size).double()
    with torch.no_grad():
        for p in ref.parameters():
            p.copy_(torch.randn_like(p))
        for name, value in found.layout.student_params(dict(ref.named_parameters())).items():
            cell.get_parameter(name).copy_(value)
    x = torch.randn(3, i_size, dtype=torch.float64)
    state = (torch.randn(3, h_size, dtype=torch.float64),
             torch.randn(3, h_size, dtype=torch.float64))
    for want, got in zip(ref(x, state), cell(x, state), strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-12)
    if layout["fused"] and layout["concat"] != "split":
        assert "gate order " + ", ".join(layout["order"]) in found.layout.description


@SETTINGS
@given(layout=layouts, gate=st.sampled_from(GATES))
def test_a_sign_flipped_gate_is_named_not_taken_for_a_layout(layout: dict, gate: str) -> None:
    found = _infer(DrawnLayoutCell(3, 2, **layout, flip=gate), 3, 2)
    assert found.layout is None
    assert len(found.sign_flips) == 1
    assert f"({gate})" in found.sign_flips[0]


@SETTINGS
@given(layout=layouts, gate=st.sampled_from(GATES))
def test_a_constant_added_to_a_preactivation_is_an_offset_not_a_layout(
        layout: dict, gate: str) -> None:
    found = _infer(DrawnLayoutCell(3, 2, **layout, offset=gate), 3, 2)
    assert found.layout is None
    # At θ = 0 the candidate g is 0, so an offset on the input gate only shows later.
    assert found.offset == (gate != "i")
    assert found.reason


class PermutedGRUCell(nn.Module):
    """A correct GRU cell with its gates stacked in any order, weights stored as x @ W; with
    ``minimal``, the minimal GRU: one bias each for r and z, both biases for n."""

    def __init__(self, i_size: int, h_size: int, order: tuple[str, ...],
                 minimal: bool = False) -> None:
        super().__init__()
        self.order, self.minimal = order, minimal
        self.wx = nn.Parameter(torch.zeros(i_size, 3 * h_size, dtype=torch.float64))
        self.wh = nn.Parameter(torch.zeros(h_size, 3 * h_size, dtype=torch.float64))
        self.bx = nn.Parameter(torch.zeros(3 * h_size, dtype=torch.float64))
        self.bh = nn.Parameter(torch.zeros((1 if minimal else 3) * h_size, dtype=torch.float64))

    def forward(self, x: Tensor, h: Tensor) -> Tensor:
        gx = dict(zip(self.order, (x @ self.wx + self.bx).chunk(3, 1), strict=True))
        recurrent = h @ self.wh if self.minimal else h @ self.wh + self.bh
        gh = dict(zip(self.order, recurrent.chunk(3, 1), strict=True))
        if self.minimal:  # b_hn sits inside r ⊙ (…): the one recurrent bias that matters
            gh["n"] = gh["n"] + self.bh
        r = torch.sigmoid(gx["r"] + gh["r"])
        z = torch.sigmoid(gx["z"] + gh["z"])
        n = torch.tanh(gx["n"] + r * gh["n"])
        return (1 - z) * n + z * h


@SETTINGS
@given(order=st.permutations(("r", "z", "n")).map(tuple), i_size=st.integers(1, 4),
       h_size=st.integers(2, 3), minimal=st.booleans())
def test_any_gru_gate_order_is_inferred_and_round_trips(order: tuple[str, ...], i_size: int,
                                                        h_size: int, minimal: bool) -> None:
    cell = PermutedGRUCell(i_size, h_size, order, minimal)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(4, i_size, generator=gen, dtype=torch.float64)
    h = torch.randn(4, h_size, generator=gen, dtype=torch.float64)

    def run(m: nn.Module) -> list[Tensor]:
        return [m(x, h)]

    def student_jacobian(params: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        with torch.no_grad():
            for n, p in cell.named_parameters():
                p.copy_(params[n])
        return _flat_jacobian(cell, run)

    found = infer([n for n, _ in cell.named_parameters()],
                  [tuple(p.shape) for _, p in cell.named_parameters()], student_jacobian,
                  reference.GRUCell(i_size, h_size), run, ("r", "z", "n"))
    assert found.layout is not None, found.reason
    ref = reference.GRUCell(i_size, h_size).double()
    with torch.no_grad():
        for p in ref.parameters():
            p.copy_(torch.randn_like(p))
        for name, value in found.layout.student_params(dict(ref.named_parameters())).items():
            cell.get_parameter(name).copy_(value)
    torch.testing.assert_close(cell(x, h), ref(x, h), rtol=0, atol=1e-12)
    assert f"gate order {', '.join(order)}" in found.layout.description


def test_unravel_agrees_with_torch() -> None:
    from grader.inference import _unravel

    for shape in [(7,), (4, 5), (2, 3, 4)]:
        n = 1
        for size in shape:
            n *= size
        for k in range(n):
            want = tuple(int(i) for i in torch.unravel_index(torch.tensor(k), shape))
            assert _unravel(k, shape) == want
