"""A layout inferred at one size is carried to other sizes of the same parameter structure
(grader/transfer.py) instead of being inferred again, and is kept only when the submission
computes the reference through it: sizes that cannot be read, and a submission whose layout
changes with its sizes, are inferred again. The submissions here are the tests' own trusted
cells, so they run in-process (hostile files go through the sandbox: test_sandbox.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import Tensor, nn

import reference
from grader.checks import CHECKS, CheckFailed, Context
from grader.client import Client
from grader.config import GradeConfig
from grader.exercises import EXERCISES, Case
from grader.inference import JacobianLayout
from grader.sandbox import InProcessRunner
from grader.transfer import readable, transfer, writable
from tests.test_inference import DrawnLayoutCell, _infer

NAIVE = Path(__file__).resolve().parent.parent / "benchmarks" / "submissions" / "naive_loop.py"
ORDER = ("f", "i", "o", "g")


class PerGateLinearCell(nn.Module):
    """The naive benchmark's cell: one nn.Linear per gate and input."""

    def __init__(self, i_size: int, h_size: int) -> None:
        super().__init__()
        for g in "ifgo":
            setattr(self, f"x{g}", nn.Linear(i_size, h_size).double())
            setattr(self, f"h{g}", nn.Linear(h_size, h_size).double())

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        h, c = state
        z = {g: getattr(self, f"x{g}")(x) + getattr(self, f"h{g}")(h) for g in "ifgo"}
        c2 = torch.sigmoid(z["f"]) * c + torch.sigmoid(z["i"]) * torch.tanh(z["g"])
        return torch.sigmoid(z["o"]) * torch.tanh(c2), c2


KINDS: dict[str, Any] = {
    "fused 4H, [x, h]": lambda i, h: DrawnLayoutCell(i, h, ORDER, True, "xh", False, "one"),
    "per-gate nn.Linear": PerGateLinearCell,
    "per-gate Parameters": lambda i, h: DrawnLayoutCell(i, h, ORDER, False, "split", False,
                                                       "two"),
    "transposed, [h, x, 1]": lambda i, h: DrawnLayoutCell(i, h, ORDER, True, "hx", True,
                                                          "folded"),
}


def _shapes(module: nn.Module) -> list[tuple[int, ...]]:
    return [tuple(p.shape) for p in module.parameters()]


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_structure_transfers_to_the_map_inference_finds_at_the_new_size(kind: str
                                                                             ) -> None:
    old, new = (3, 5), (5, 2)
    found = _infer(KINDS[kind](*old), *old).layout
    assert found is not None
    cell = KINDS[kind](*new)
    moved = transfer(found, old, new, _shapes(cell),
                     _shapes(reference.LSTMCell(*new)))
    direct = _infer(cell, *new).layout
    assert moved is not None and direct is not None
    assert torch.equal(moved.src, direct.src)
    assert torch.equal(moved.canon, direct.canon)
    assert torch.equal(moved.primary, direct.primary)
    assert moved.description == direct.description


def test_sizes_that_cannot_tell_input_from_hidden_are_never_read() -> None:
    for sizes in [(4, 4), (1, 3), (3, 1)]:
        assert not readable(sizes)
    assert writable((4, 4)) and not writable((1, 3)) and not writable((3, 1))
    found = _infer(PerGateLinearCell(3, 5), 3, 5).layout
    assert found is not None
    cell = PerGateLinearCell(1, 3)  # a length of 1 reads as a bias: not carried there
    assert transfer(found, (3, 5), (1, 3), _shapes(cell),
                    _shapes(reference.LSTMCell(1, 3))) is None
    square = _infer(PerGateLinearCell(4, 4), 4, 4).layout
    assert square is not None  # found at sizes that cannot say which block is which
    assert transfer(square, (4, 4), (3, 5), _shapes(PerGateLinearCell(3, 5)),
                    _shapes(reference.LSTMCell(3, 5))) is None


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_layout_read_at_other_sizes_is_carried_to_equal_input_and_hidden_sizes(kind: str
                                                                                 ) -> None:
    # The speed check's CPU sizes are 64 and 64: the sizes the layout was read at say which
    # block is input and which hidden.
    old, new = (3, 5), (4, 4)
    found = _infer(KINDS[kind](*old), *old).layout
    assert found is not None
    cell = KINDS[kind](*new)
    moved = transfer(found, old, new, _shapes(cell), _shapes(reference.LSTMCell(*new)))
    direct = _infer(cell, *new).layout
    assert moved is not None and direct is not None
    assert torch.equal(moved.src, direct.src) and torch.equal(moved.canon, direct.canon)


def _context(source: str, exercise: str = "lstm_cell", examples: int = 4) -> Context:
    runner = InProcessRunner({"op": "load", "source": source, "filename": "sub.py"})
    config = GradeConfig(max_examples=examples, speed_mode="off")
    return Context(EXERCISES[exercise], config, Client(runner, 30.0), source)


def _computes_reference(ctx: Context, case: Case) -> bool:
    loaded = ctx.load(case)
    return ctx.computes_target(loaded.student, loaded.layout, Case(
        3, case.input_size, case.hidden_size, 1, case.num_layers, 1.0, seed=7))


def test_ambiguous_sizes_are_inferred_and_readable_ones_transferred() -> None:
    ctx = _context(NAIVE.read_text(encoding="utf-8"))
    for i, h in [(3, 5), (4, 4), (1, 3), (5, 2)]:
        assert _computes_reference(ctx, Case(3, i, h, seed=1))
    # (3, 5) inferred, carried to (4, 4) and (5, 2); (1, 3) cannot be written: inferred.
    assert ctx.layout_counts == {"inferred": 2, "transferred": 2}


# Correct at every size, but the gate order of its (same-named, same-shaped) parameters
# depends on whether hidden_size is even: a map carried from an odd size is wrong at an
# even one. With WRONG, the candidate is doubled at even sizes: no layout computes the
# reference there.
SHIFTING = '''
import torch
from torch import nn

WRONG = {wrong}


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.w_x = nn.Parameter(torch.randn(4 * hidden_size, input_size))
        self.w_h = nn.Parameter(torch.randn(4 * hidden_size, hidden_size))
        self.b = nn.Parameter(torch.randn(4 * hidden_size))

    def forward(self, x, state=None):
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)
        if state is None:
            h = x.new_zeros(x.shape[0], self.hidden_size)
            c = x.new_zeros(x.shape[0], self.hidden_size)
        else:
            h, c = state
            if unbatched:
                h, c = h.unsqueeze(0), c.unsqueeze(0)
        z = x @ self.w_x.T + h @ self.w_h.T + self.b
        even = self.hidden_size % 2 == 0
        if even:
            o, g, i, f = z.chunk(4, 1)
        else:
            f, i, o, g = z.chunk(4, 1)
        g = torch.tanh(g) * (2 if WRONG and even else 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * g
        h = torch.sigmoid(o) * torch.tanh(c)
        if unbatched:
            return h.squeeze(0), c.squeeze(0)
        return h, c
'''


def test_a_layout_that_changes_with_size_is_inferred_again_and_graded_right() -> None:
    ctx = _context(SHIFTING.format(wrong=False))
    for i, h in [(2, 5), (4, 3), (3, 4), (5, 2)]:
        assert _computes_reference(ctx, Case(3, i, h, seed=1))
    # (4, 3) is carried from (2, 5); (3, 4) is not (the transfer fails and it is inferred);
    # (5, 2) is carried from (3, 4).
    assert ctx.layout_counts == {"inferred": 2, "transferred": 2}
    CHECKS["equivalence.forward"].fn(ctx)  # every drawn size passes


def test_a_transfer_that_does_not_reproduce_the_reference_never_gives_credit() -> None:
    ctx = _context(SHIFTING.format(wrong=True), examples=8)
    assert _computes_reference(ctx, Case(3, 2, 5, seed=1))
    assert not _computes_reference(ctx, Case(3, 3, 4, seed=1))
    assert ctx.layout_counts["transferred"] == 0
    with pytest.raises(CheckFailed) as failed:
        CHECKS["equivalence.forward"].fn(ctx)
    assert failed.value.example is not None
    assert failed.value.example.sizes["hidden_size"] % 2 == 0


def test_transfers_save_inference_probes(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = {"jacobian": 0}
    original = Client.jacobian

    def counting(self: Client, *args: Any, **kwargs: Any) -> Any:
        asked["jacobian"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Client, "jacobian", counting)
    sizes = [(3, 5), (5, 2), (2, 6), (6, 4), (4, 3)]
    source = NAIVE.read_text(encoding="utf-8")

    def probes(transfers: bool) -> int:
        asked["jacobian"] = 0
        ctx = _context(source)
        if not transfers:
            monkeypatch.setattr(Context, "transferred_layout", lambda self, s, p: None)
        for i, h in sizes:
            assert _computes_reference(ctx, Case(3, i, h, seed=1))
        return asked["jacobian"]

    with_transfers = probes(True)
    without = probes(False)
    assert with_transfers * len(sizes) == without  # one inference instead of five


def test_a_parameter_set_too_large_to_read_is_inferred_as_before() -> None:
    found = _infer(PerGateLinearCell(3, 5), 3, 5).layout
    assert found is not None
    huge = [(400, 300)] * len(found.student_shapes)
    assert transfer(found, (3, 5), (5, 2), huge, _shapes(reference.LSTMCell(5, 2))) is None


def test_only_plain_layouts_are_carried() -> None:
    # A layout with factors (a sign-inverted gate read through the diagnosis) is not a layout
    # of the reference: it is never carried.
    found = _infer(PerGateLinearCell(3, 5), 3, 5).layout
    assert found is not None
    signed = JacobianLayout(found.student_names, found.student_shapes, found.target_names,
                            found.target_shapes, found.canon, found.src, found.primary,
                            found.description, torch.ones(found.src.shape))
    assert transfer(signed, (3, 5), (5, 2), _shapes(PerGateLinearCell(5, 2)),
                    _shapes(reference.LSTMCell(5, 2))) is None
