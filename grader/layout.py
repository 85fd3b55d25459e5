"""Mapping the reference's weights onto a submission's parameters (the declared layouts).

A ``Layout`` is a list of transfers ``student parameter <- reference parameter`` with a
transform (copy, transpose, or the sum of the two redundant LSTM biases). It recognises the
template's names (nn.LSTMCell's), the lesson's ``nn.Linear`` pair, a single bias, weights
stored transposed (``x @ W``), and for stacks per-layer names (``cells.0.…`` or
``weight_ih_l0``). Anything else raises ``LayoutError`` with a message that lists what was
found and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from torch import Tensor, nn

from grader.i18n import Msg, join

Transform = Literal["copy", "transpose", "bias_sum"]


class LayoutError(Exception):
    """The submission's parameters could not be matched to the declared layout."""


@dataclass(frozen=True)
class ParamInfo:
    name: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Transfer:
    student: str
    source: str             # reference parameter name (for bias_sum: the bias_ih one)
    transform: Transform
    partner: str = ""       # bias_sum: the bias_hh name


@dataclass(frozen=True)
class Layout:
    transfers: tuple[Transfer, ...]
    description: str

    def student_params(self, ref: dict[str, Tensor]) -> dict[str, Tensor]:
        out = {}
        for t in self.transfers:
            if t.transform == "copy":
                out[t.student] = ref[t.source]
            elif t.transform == "transpose":
                out[t.student] = ref[t.source].T.contiguous()
            else:
                out[t.student] = ref[t.source] + ref[t.partner]
        return out

    def expected_grads(self, ref_grads: dict[str, Tensor]) -> dict[str, Tensor]:
        """What each student parameter's gradient must be, given the reference's."""
        out = {}
        for t in self.transfers:
            g = ref_grads[t.source]
            # d/d(b_ih + b_hh) equals d/d b_ih: the sum enters the gates once.
            out[t.student] = g.T.contiguous() if t.transform == "transpose" else g
        return out


_INPUT_HINTS = ("ih", "input", "_x", "x_", "wx", "w_i", "kernel")
_RECURRENT_HINTS = ("hh", "hidden", "_h", "h_", "wh", "u_", "recurrent", "rec")


def _hint(name: str, hints: Sequence[str]) -> bool:
    low = name.lower()
    return any(h in low for h in hints)


def infer_cell_layout(student: Sequence[ParamInfo], ref: nn.Module, prefix: str = "",
                      ref_prefix: str = "") -> list[Transfer]:
    """Transfers for one cell. ``prefix``/``ref_prefix`` are prepended to the names."""
    ref_shapes = {n: tuple(p.shape) for n, p in ref.named_parameters()}
    names = {p.name: p.shape for p in student}

    # 1. The declared layout: the reference's own names and shapes.
    if names == ref_shapes:
        return [Transfer(prefix + n, ref_prefix + n, "copy") for n in ref_shapes]

    w_ih, w_hh = ref_shapes.get("weight_ih"), ref_shapes.get("weight_hh")
    if w_ih is None or w_hh is None:
        raise LayoutError(_mismatch(student, ref_shapes))
    gh, in_size = w_ih
    rec_size = w_hh[1]
    inputs, recurrents, biases, others = [], [], [], []
    for p in student:
        s = p.shape
        is_in = s in ((gh, in_size), (in_size, gh))
        is_rec = s in ((gh, rec_size), (rec_size, gh))
        if is_in and is_rec:
            if _hint(p.name, _RECURRENT_HINTS) and not _hint(p.name, _INPUT_HINTS):
                recurrents.append(p)
            elif _hint(p.name, _INPUT_HINTS) and not _hint(p.name, _RECURRENT_HINTS):
                inputs.append(p)
            else:  # registration order: the input matrix first, as in every textbook
                (inputs if not inputs else recurrents).append(p)
        elif is_in:
            inputs.append(p)
        elif is_rec:
            recurrents.append(p)
        elif s == (gh,):
            biases.append(p)
        else:
            others.append(p)
    if len(inputs) != 1 or len(recurrents) != 1 or not 1 <= len(biases) <= 2:
        raise LayoutError(_mismatch(student, ref_shapes))
    transfers = [
        _matrix(inputs[0], "weight_ih", (gh, in_size), prefix, ref_prefix),
        _matrix(recurrents[0], "weight_hh", (gh, rec_size), prefix, ref_prefix),
    ]
    if len(biases) == 2:
        transfers += [Transfer(prefix + biases[0].name, ref_prefix + "bias_ih", "copy"),
                      Transfer(prefix + biases[1].name, ref_prefix + "bias_hh", "copy")]
    else:
        transfers.append(Transfer(prefix + biases[0].name, ref_prefix + "bias_ih", "bias_sum",
                                  ref_prefix + "bias_hh"))
    # Remaining reference parameters (peepholes, projections) must match by name and shape.
    rest = {n: s for n, s in ref_shapes.items()
            if n not in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    if {p.name: p.shape for p in others} != rest:
        raise LayoutError(_mismatch(student, ref_shapes))
    transfers += [Transfer(prefix + n, ref_prefix + n, "copy") for n in rest]
    return transfers


def _matrix(p: ParamInfo, ref_name: str, ref_shape: tuple[int, ...], prefix: str,
            ref_prefix: str) -> Transfer:
    transform: Transform = "copy" if p.shape == ref_shape else "transpose"
    return Transfer(prefix + p.name, ref_prefix + ref_name, transform)


def _mismatch(student: Sequence[ParamInfo], ref_shapes: dict[str, tuple[int, ...]]) -> str:
    found = ", ".join(f"{p.name} {tuple(p.shape)}" for p in student) or \
        Msg("layout.no_parameters")
    wanted = ", ".join(f"{n} {s}" for n, s in ref_shapes.items())
    return Msg("layout.mismatch", found=found, wanted=wanted)


_LAYER_SUFFIX = re.compile(r"^(?P<base>.+)_l(?P<k>\d+)$")
_LAYER_INDEX = re.compile(r"^(?P<head>(?:.*\.)?)(?P<k>\d+)\.(?P<rest>.+)$")


def _split_layer(name: str) -> tuple[int, str] | None:
    m = _LAYER_SUFFIX.match(name)
    if m:
        return int(m["k"]), m["base"]
    m = _LAYER_INDEX.match(name)
    if m:
        return int(m["k"]), m["rest"]
    return None


def infer_layout(student: Sequence[ParamInfo], ref: nn.Module, kind: str) -> Layout:
    """The layout for a whole submission (a cell, or a stack of cells)."""
    if kind != "sequence":
        transfers = infer_cell_layout(student, ref)
        return Layout(tuple(transfers), _describe(transfers))
    layers: nn.ModuleList = ref.layers  # type: ignore[assignment]
    groups: dict[int, list[ParamInfo]] = {}
    originals: dict[int, dict[str, str]] = {}  # layer -> local name -> full name
    for p in student:
        split = _split_layer(p.name)
        if split is None:
            raise LayoutError(Msg("layout.no_layer", name=repr(p.name)))
        k, local = split
        groups.setdefault(k, []).append(ParamInfo(local, p.shape))
        originals.setdefault(k, {})[local] = p.name
    if sorted(groups) != list(range(len(layers))):
        raise LayoutError(Msg("layout.layers", found=str(sorted(groups)),
                              last=len(layers) - 1))
    transfers = []
    for k, layer in enumerate(layers):
        cell: nn.Module = layer.cell  # type: ignore[assignment]
        for t in infer_cell_layout(groups[k], cell, ref_prefix=f"layers.{k}.cell."):
            transfers.append(Transfer(originals[k][t.student], t.source, t.transform, t.partner))
    return Layout(tuple(transfers), _describe(transfers))


def _describe(transfers: Sequence[Transfer]) -> str:
    transposed = any(t.transform == "transpose" for t in transfers)
    one_bias = any(t.transform == "bias_sum" for t in transfers)
    parts = [Msg("layout.desc.declared_order"),
             Msg("layout.desc.one_bias" if one_bias else "layout.desc.two_biases")]
    if transposed:
        parts.append(Msg("layout.desc.transposed", names=Msg("layout.desc.weights")))
    return join(*parts, sep="; ")
