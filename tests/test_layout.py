"""The declared-layout mapping: every supported way of storing the weights round-trips, and
anything else is refused with a message naming what was found."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
from grader.layout import LayoutError, ParamInfo, infer_layout

SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=30)


def _cell_function(values: dict[str, torch.Tensor], transposed: bool, one_bias: bool,
                   x: torch.Tensor, h: torch.Tensor, c: torch.Tensor) -> tuple:
    w_ih, w_hh = values["w_x"], values["w_h"]
    if transposed:
        w_ih, w_hh = w_ih.T, w_hh.T
    bias = values["b"] if one_bias else values["b1"] + values["b2"]
    i, f, g, o = (x @ w_ih.T + h @ w_hh.T + bias).chunk(4, 1)
    c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c2), c2


@SETTINGS
@given(input_size=st.integers(1, 6), hidden=st.integers(2, 6), transposed=st.booleans(),
       one_bias=st.booleans())
def test_a_student_layout_loaded_with_reference_weights_computes_the_reference(
        input_size: int, hidden: int, transposed: bool, one_bias: bool) -> None:
    ref = reference.LSTMCell(input_size, hidden).double()
    shapes = {"w_x": (4 * hidden, input_size), "w_h": (4 * hidden, hidden)}
    if transposed:
        shapes = {k: (s[1], s[0]) for k, s in shapes.items()}
    if one_bias:
        shapes["b"] = (4 * hidden,)
    else:
        shapes["b1"] = shapes["b2"] = (4 * hidden,)
    layout = infer_layout([ParamInfo(n, s) for n, s in shapes.items()], ref, "lstm")
    values = layout.student_params(dict(ref.named_parameters()))
    x = torch.randn(3, input_size, dtype=torch.float64)
    h, c = torch.randn(3, hidden, dtype=torch.float64), torch.randn(3, hidden,
                                                                    dtype=torch.float64)
    want = ref(x, (h, c))
    got = _cell_function(values, transposed, one_bias, x, h, c)
    for w, g in zip(want, got, strict=True):
        torch.testing.assert_close(g, w, rtol=0, atol=1e-12)
    assert ("transposed" in layout.description) == transposed
    assert ("one bias" in layout.description) == one_bias


@pytest.mark.parametrize("names", [
    ["cells.0.weight_ih", "cells.0.weight_hh", "cells.0.bias_ih", "cells.0.bias_hh"],
    ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"],
])
def test_per_layer_names_of_a_stack_map_to_the_reference_layers(names: list[str]) -> None:
    ref = reference.LSTM(3, 4, num_layers=2)
    params = []
    for k in range(2):
        size_in = 3 if k == 0 else 4
        shapes = [(16, size_in), (16, 4), (16,), (16,)]
        params += [ParamInfo(n.replace("0", str(k)), s) for n, s in zip(names, shapes,
                                                                          strict=True)]
    layout = infer_layout(params, ref, "sequence")
    sources = {t.student: t.source for t in layout.transfers}
    assert sources[names[0].replace("0", "1")] == "layers.1.cell.weight_ih"
    assert len(layout.transfers) == 8


def test_parameters_that_fit_no_layout_are_refused_with_what_was_found() -> None:
    ref = reference.LSTMCell(3, 4)
    with pytest.raises(LayoutError, match=r"Found: W \(7, 7\)"):
        infer_layout([ParamInfo("W", (7, 7))], ref, "lstm")


def test_a_stack_with_the_wrong_number_of_layers_is_refused() -> None:
    ref = reference.LSTM(3, 4, num_layers=2)
    params = [ParamInfo("cells.0.weight_ih", (16, 3)), ParamInfo("cells.0.weight_hh", (16, 4)),
              ParamInfo("cells.0.bias_ih", (16,)), ParamInfo("cells.0.bias_hh", (16,))]
    with pytest.raises(LayoutError, match=r"layers 0\.\.1"):
        infer_layout(params, ref, "sequence")
