"""integrity: the submission computes the recurrence itself, without PyTorch's built-in
recurrent modules or fused ops. Found statically (in the source) and at run time (the
modules it builds and the torch functions a forward call goes through)."""

from __future__ import annotations

import ast

import torch

from grader.checks.base import CheckFailed, Context, check
from grader.errors import SubmissionError
from grader.i18n import Msg

# Names as they appear in source (attribute or imported name) and in traced op names.
_BUILTIN_NAMES = {
    "nn.LSTM": ("LSTM",), "nn.LSTMCell": ("LSTMCell",), "nn.GRU": ("GRU",),
    "nn.GRUCell": ("GRUCell",), "nn.RNN": ("RNN",), "nn.RNNCell": ("RNNCell",),
    "torch.lstm": ("lstm",), "torch.lstm_cell": ("lstm_cell",), "torch.gru": ("gru",),
    "torch.gru_cell": ("gru_cell",), "torch.rnn_tanh": ("rnn_tanh",),
    "torch.rnn_tanh_cell": ("rnn_tanh_cell",), "torch.rnn_relu": ("rnn_relu",),
    "torch.rnn_relu_cell": ("rnn_relu_cell",), "torch._VF": ("_VF",),
}


def static_findings(source: str, forbidden: tuple[str, ...], own_classes: set[str]
                    ) -> list[str]:
    """Lines that name a forbidden API. The student's own classes (``LSTMCell``) are fine."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    torch_names = {n for api in forbidden if api.startswith("torch.")
                   for n in _BUILTIN_NAMES.get(api, (api.split(".")[-1],))}
    nn_names = {n for api in forbidden if api.startswith("nn.")
                for n in _BUILTIN_NAMES.get(api, (api.split(".")[-1],))}
    found = []
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Attribute):
            name = node.attr
            owner = ast.unparse(node.value)
            if name in nn_names and owner.split(".")[-1] == "nn":
                found.append(f"line {node.lineno}: {owner}.{name}")
            elif name in torch_names and owner in ("torch", "torch._VF", "_VF", "torch._C"):
                found.append(f"line {node.lineno}: {owner}.{name}")
            elif name == "_VF":
                found.append(f"line {node.lineno}: {owner}._VF")
        elif isinstance(node, ast.ImportFrom) and node.module in ("torch.nn", "torch"):
            for alias in node.names:
                if alias.name in nn_names | torch_names | {"_VF"} and \
                        alias.name not in own_classes:
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in {"LSTM", "LSTMCell", "GRUCell", "lstm_cell", "_VF"}:
                found.append(f"line {node.lineno}: the string {node.value!r} (getattr trick?)")
        del name
    return sorted(set(found))


def runtime_findings(ops: list[str], submodules: list[str], forbidden: tuple[str, ...]
                     ) -> list[str]:
    names = {n for api in forbidden for n in _BUILTIN_NAMES.get(api, (api.split(".")[-1],))}
    found = [f"built the module {m}" for m in submodules
             if m.startswith("torch.nn.modules.rnn.")]
    for op in ops:
        leaf = op.split(".")[-1]
        if leaf in names and leaf not in ("LSTM", "GRU", "RNN"):
            found.append(f"called {op}")
    return found


@check("integrity.no_builtin_rnn", category="integrity", points=0,
       title="the recurrence is your own code (no nn.LSTM, nn.LSTMCell, torch.lstm_cell...)",
       hint="The exercise is to write the gates yourself from matrix products and "
            "activations; remove the built-in recurrent module or op.")
def no_builtin_rnn(ctx: Context) -> str:
    forbidden = ctx.config.forbidden_apis
    own = {ctx.exercise.class_name, "LSTMCell", "LSTM", "GRUCell", "PeepholeLSTMCell",
           "CoupledLSTMCell"}
    evidence = static_findings(ctx.source, forbidden, own)
    case = ctx.tricky_cases()[0]
    traced = True
    try:
        student = ctx.build(case, torch.float32)
        result = ctx.call(student, ctx.exercise.inputs(case, torch.float32), trace_ops=True)
        evidence += runtime_findings(result.ops, student.submodules, forbidden)
    except SubmissionError:
        traced = False  # a crash is judged by the other checks, not as evidence of cheating
    if evidence:
        raise CheckFailed(Msg("integrity.builtin", evidence="; ".join(evidence)),
                          extra={"evidence": evidence})
    if not traced:
        return Msg("pass.integrity.untraced")
    return Msg("pass.integrity.no_builtin_rnn")
