"""integrity: the submission computes the recurrence itself, without PyTorch's built-in
recurrent modules or kernels.

The evidence comes from run time: the worker replaces every built-in recurrent kernel of
PyTorch's dispatcher with one that fails before the submission is loaded (the worker's
guard; see README, "Integrity"), so a forward that reaches one fails with the error kind
``builtin_rnn``, whichever name, module, import or compiler led it there. The source is only
read for a note: names of built-ins in code reachable from the graded classes (never in
``__main__`` blocks, tests, ``__all__``, comments or strings), which cost nothing.
"""

from __future__ import annotations

import ast

import torch

from grader.checks.base import CheckFailed, Context, check
from grader.errors import StudentException, SubmissionError
from grader.i18n import Msg

# Names as they appear in source (attribute or imported name).
_BUILTIN_NAMES = {
    "nn.LSTM": ("LSTM",), "nn.LSTMCell": ("LSTMCell",), "nn.GRU": ("GRU",),
    "nn.GRUCell": ("GRUCell",), "nn.RNN": ("RNN",), "nn.RNNCell": ("RNNCell",),
    "torch.lstm": ("lstm",), "torch.lstm_cell": ("lstm_cell",), "torch.gru": ("gru",),
    "torch.gru_cell": ("gru_cell",), "torch.rnn_tanh": ("rnn_tanh",),
    "torch.rnn_tanh_cell": ("rnn_tanh_cell",), "torch.rnn_relu": ("rnn_relu",),
    "torch.rnn_relu_cell": ("rnn_relu_cell",), "torch._VF": ("_VF",),
}
_TORCH_OWNERS = ("torch", "torch._VF", "_VF", "torch._C", "torch._C._VariableFunctions",
                 "torch.ops.aten", "aten")
_Def = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _names(forbidden: tuple[str, ...], prefix: str) -> set[str]:
    return {n for api in forbidden if api.startswith(prefix)
            for n in _BUILTIN_NAMES.get(api, (api.split(".")[-1],))}


def _top_level(tree: ast.Module) -> tuple[dict[str, list[ast.AST]], dict[str, str]]:
    """Module-level definitions by name (functions, classes, assignments) and imported names
    with what they import (``Cell`` -> ``torch.nn.LSTMCell``)."""
    defs: dict[str, list[ast.AST]] = {}
    imported: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, _Def):
            defs.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        defs.setdefault(name.id, []).append(node)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                imported[alias.asname or alias.name.split(".")[0]] = alias.name
    return defs, imported


def reachable(tree: ast.Module, roots: set[str]) -> list[ast.AST]:
    """The module-level definitions the graded classes can reach by name (their bases, the
    functions and module-level values their code names, and so on)."""
    defs, _ = _top_level(tree)
    seen: set[str] = set()
    todo = [r for r in roots if r in defs]
    nodes: list[ast.AST] = []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in defs[name]:
            nodes.append(node)
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and sub.id in defs and sub.id not in seen:
                    todo.append(sub.id)
    return nodes


def static_findings(source: str, forbidden: tuple[str, ...], graded: set[str]) -> list[str]:
    """Lines of code reachable from the graded classes that name a forbidden API. Strings,
    comments, ``__all__``, ``__main__`` blocks and unreferenced helpers are never read."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    torch_names, nn_names = _names(forbidden, "torch."), _names(forbidden, "nn.")
    _, imported = _top_level(tree)
    found = []
    for node in reachable(tree, graded):
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute):
                owner = ast.unparse(sub.value)
                if sub.attr in nn_names and owner.split(".")[-1] == "nn":
                    found.append(f"line {sub.lineno}: {owner}.{sub.attr}")
                elif sub.attr in torch_names and owner in _TORCH_OWNERS:
                    found.append(f"line {sub.lineno}: {owner}.{sub.attr}")
            elif isinstance(sub, ast.Name) and sub.id not in graded:
                target = imported.get(sub.id, "")
                if target.startswith("torch") and target.split(".")[-1] in nn_names | torch_names:
                    found.append(f"line {sub.lineno}: {sub.id} ({target})")
            elif isinstance(sub, ast.ImportFrom) and sub.module in ("torch.nn", "torch"):
                found += [f"line {sub.lineno}: from {sub.module} import {a.name}"
                          for a in sub.names if a.name in nn_names | torch_names]
    return sorted(set(found))


@check("integrity.no_builtin_rnn", category="integrity", points=0,
       title="the recurrence is your own code (no nn.LSTM, nn.LSTMCell, torch.lstm_cell...)",
       hint="The exercise is to write the gates yourself from matrix products and "
            "activations; remove the built-in recurrent module or op.")
def no_builtin_rnn(ctx: Context) -> str:
    case = ctx.tricky_cases()[0]
    ran = False
    # APIs an instructor forbids beyond the recurrent built-ins (which fail in the worker
    # whatever this list says): seen through the worker's trace of torch functions.
    extra = {api.split(".")[-1]: api for api in ctx.config.forbidden_apis
             if api not in _BUILTIN_NAMES}
    for dtype in (torch.float32, torch.float64):
        try:
            student = ctx.build(case, dtype)
            result = ctx.call(student, ctx.exercise.inputs(case, dtype), trace_ops=bool(extra))
            ran = True
            called = sorted({extra[op.split(".")[-1]] for op in result.ops
                             if op.split(".")[-1] in extra})
            if called:
                raise CheckFailed(Msg("integrity.forbidden", evidence="; ".join(called)),
                                  extra={"evidence": called})
        except StudentException as exc:
            if exc.kind == "builtin_rnn":
                ops = [str(o) for o in exc.info.get("ops", [])] or [str(exc)]
                raise CheckFailed(Msg("integrity.builtin", evidence="; ".join(ops)),
                                  traceback=exc.traceback,
                                  extra={"evidence": ops, "error_kind": "builtin_rnn"}) from None
        except SubmissionError:
            pass  # a crash is judged by the other checks, not as evidence of cheating
    graded = {ctx.exercise.class_name}
    noted = static_findings(ctx.source, ctx.config.forbidden_apis, graded)
    if noted:
        return Msg("pass.integrity.noted", names="; ".join(noted))
    if not ran:
        return Msg("pass.integrity.untraced")
    return Msg("pass.integrity.no_builtin_rnn")
