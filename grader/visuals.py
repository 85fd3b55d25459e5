"""What the HTML report plots, measured from the worker's replies (plain numbers, no images).

The student's code still runs only in the worker: everything here is built from forward and
backward calls on inputs the grader chose, with the reference's weights transplanted through
the layout the checks found (``Context.load``), and compared with ``reference/`` computed here.

- **Gates** (the lesson's LSTM cell): over a drawn sequence, each step's input row
  (x_t, your h_{t-1}, your c_{t-1}) is sent to your cell in one batch, and its gates are read
  from outside: f = ∂c'/∂c_prev (one backward call), o = h' / tanh(c'),
  g = c' − f ⊙ c_prev with the input gate's bias pushed to +40 (i ≈ 1), and
  i = c' − f ⊙ c_prev with the candidate's bias pushed to +40 (g ≈ 1). The reference's gates
  are computed at the same rows, so a difference comes from that step alone.
- **States**: c and h when each implementation runs over the sequence on its own (for the
  stack: every layer, from runs on each prefix of the sequence).
- **Gradients through time**: ‖∂L/∂x_t‖ for L = sum(h_T) over a longer sequence, with
  PyTorch's default initialisation and the forget-gate bias at 1. For a cell, the worker
  returns every step's Jacobian in one batched call (one row per output component) and the
  chain rule runs here; for the stack, one backward call. The reference LSTM and a plain RNN
  (``reference.RNNCell``) give the lesson's vanishing-gradient comparison.

``collect`` returns ``{"error": ...}`` (Msg data) when the submission cannot be measured.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch
from torch import Tensor, nn

import reference
from grader.checks.base import CheckFailed, Context, Loaded
from grader.errors import SubmissionError
from grader.exercises import Case
from grader.i18n import Msg, as_msg

MAP_STEPS = 16       # time steps of the heat maps
MAP_HIDDEN = 6
MAP_INPUT = 4
MAP_LAYERS = 2       # the stack's heat maps show every layer
GRAD_STEPS = 40      # time steps of the gradient plot
GRAD_HIDDEN = 8
FORGET_BIAS = 1.0    # added to the forget gate's bias for the gradient plot
PUSH = 40.0          # a bias that saturates a gate (σ(40) = 1 − 4e-18)
_SEED = 2024


def collect(ctx: Context) -> dict[str, Any]:
    """The plot data of one exercise, or ``{"error": Msg data}``."""
    try:
        data: dict[str, Any] = {"exercise": ctx.exercise.name, "kind": ctx.exercise.kind}
        if ctx.exercise.kind == "sequence":
            data.update(_stack_maps(ctx))
        else:
            data.update(_cell_maps(ctx))
        data["gradients"] = _gradients(ctx)
        data["gate_diffs"] = gate_diffs(data)
        return data
    except (CheckFailed, SubmissionError) as exc:
        message = exc.message if isinstance(exc, CheckFailed) else str(exc)
        return {"exercise": ctx.exercise.name, "kind": ctx.exercise.kind,
                "error": Msg("html.unavailable", error=as_msg(message)).to_data()}


def gate_diffs(data: dict[str, Any]) -> dict[str, float | None]:
    """Largest |yours − reference| per gate and state panel (None: nothing measurable)."""
    out: dict[str, float | None] = {}
    for panel in [*data.get("gates", []), *data.get("states", [])]:
        worst: float | None = None
        for row_s, row_r in zip(panel["student"], panel["reference"], strict=True):
            for s, r in zip(row_s, row_r, strict=True):
                if s is not None and r is not None:
                    worst = max(worst or 0.0, abs(s - r))
        out[panel_key(panel)] = worst
    return out


def panel_key(panel: dict[str, Any]) -> str:
    layer = panel.get("layer")
    return panel["name"] if layer is None else f"{panel['name']}{layer}"


# -- the cell exercises ------------------------------------------------------------------------

def _cell_maps(ctx: Context) -> dict[str, Any]:
    ex = ctx.exercise
    case = Case(batch=1, input_size=MAP_INPUT, hidden_size=MAP_HIDDEN, seed=_SEED)
    loaded = ctx.load(case)
    xs = _sequence(MAP_STEPS, MAP_INPUT, _SEED)
    states = ex.state_names
    # Yours and the reference's, each on its own trajectory.
    mine = _run_student_cell(ctx, loaded, case, xs)
    theirs = _run_reference_cell(ctx, loaded.reference, xs, MAP_HIDDEN)
    panels = [{"name": n, "layer": None, "student": _map(mine[n][1:]),
               "reference": _map(theirs[n][1:])} for n in reversed(states)]
    data: dict[str, Any] = {"steps": MAP_STEPS, "hidden": MAP_HIDDEN, "states": panels}
    if ex.semantics:
        data["gates"] = _gates(ctx, loaded, case, xs, mine)
    return data


def _sequence(steps: int, size: int, seed: int) -> Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(steps, 1, size, generator=gen, dtype=torch.float64)


def _zero_state(ctx: Context, hidden: int) -> dict[str, Tensor]:
    return {n: torch.zeros(1, hidden, dtype=torch.float64) for n in ctx.exercise.state_names}


def _run_student_cell(ctx: Context, loaded: Loaded, case: Case, xs: Tensor
                      ) -> dict[str, list[Tensor]]:
    """The student's states at every step (index 0: the zero initial state)."""
    state = _zero_state(ctx, case.hidden_size)
    trace = {n: [state[n]] for n in state}
    for x in xs:
        outs = ctx.outputs(ctx.call(loaded.student, {"x": x, **state}), case)
        state = dict(zip(ctx.exercise.state_names, outs, strict=True))
        for n, v in state.items():
            _finite(n, v)
            trace[n].append(v)
    return trace


def _run_reference_cell(ctx: Context, ref: nn.Module, xs: Tensor, hidden: int
                        ) -> dict[str, list[Tensor]]:
    state = _zero_state(ctx, hidden)
    trace = {n: [state[n]] for n in state}
    with torch.no_grad():
        for x in xs:
            outs = ctx.exercise.run_reference(ref, {"x": x, **state})
            state = dict(zip(ctx.exercise.state_names, outs, strict=True))
            for n, v in state.items():
                trace[n].append(v)
    return trace


def _gates(ctx: Context, loaded: Loaded, case: Case, xs: Tensor,
           mine: dict[str, list[Tensor]]) -> list[dict[str, Any]]:
    """i, f, g, o of the student's cell (read from outside) and the reference's, at the same
    rows: x_t with the student's own previous state."""
    x = xs[:, 0]                                   # (T, I)
    h_prev = torch.cat(mine["h"][:-1])             # (T, H)
    c_prev = torch.cat(mine["c"][:-1])
    rows = {"x": x, "h": h_prev, "c": c_prev}
    t_case = Case(batch=MAP_STEPS, input_size=case.input_size, hidden_size=case.hidden_size,
                  seed=case.seed)
    # f = ∂c'/∂c_prev, o = h' / tanh(c') with the weights as they are.
    result = ctx.call(loaded.student, rows, requires_grad=("c",),
                      grad_outputs=[torch.zeros_like(h_prev), torch.ones_like(c_prev)])
    h_new, c_new = ctx.outputs(result, t_case)
    f = result.grads.get("c")
    f = torch.full_like(c_prev, math.nan) if f is None else f.to(torch.float64)
    squash = torch.tanh(c_new)
    o = torch.where(squash.abs() > 0.02, h_new / squash, torch.full_like(h_new, math.nan))
    # g with the input gate pushed open, i with the candidate pushed to 1.
    g = _pushed(ctx, loaded, t_case, rows, "i") - f * c_prev
    i = _pushed(ctx, loaded, t_case, rows, "g") - f * c_prev
    ref_gates = _reference_gates(loaded.reference, x, h_prev, c_prev)
    yours = {"i": i, "f": f, "g": g, "o": o}
    return [{"name": n, "layer": None, "student": _map(yours[n]),
             "reference": _map(ref_gates[n])} for n in ("i", "f", "g", "o")]


def _pushed(ctx: Context, loaded: Loaded, case: Case, rows: dict[str, Tensor],
            gate: str) -> Tensor:
    """c' of the student's cell with one gate's bias (reference coordinates) at +PUSH."""
    ref = copy.deepcopy(loaded.reference)
    h = case.hidden_size
    k = "ifgo".index(gate)
    with torch.no_grad():
        ref.get_parameter("bias_ih")[k * h:(k + 1) * h] = PUSH
        ref.get_parameter("bias_hh")[k * h:(k + 1) * h] = 0.0
    ctx.set_weights(loaded.student, loaded.layout, ref)
    try:
        _, c_new = ctx.outputs(ctx.call(loaded.student, rows), case)
    finally:
        ctx.set_weights(loaded.student, loaded.layout, loaded.reference)
    return c_new.to(torch.float64)


def _reference_gates(ref: nn.Module, x: Tensor, h: Tensor, c: Tensor) -> dict[str, Tensor]:
    with torch.no_grad():
        _, gates = ref.step(x, (h, c))  # type: ignore[operator]
    return {k: v.to(torch.float64) for k, v in gates.items()}


# -- the stack ---------------------------------------------------------------------------------

def _stack_maps(ctx: Context) -> dict[str, Any]:
    ex = ctx.exercise
    case = Case(batch=1, input_size=MAP_INPUT, hidden_size=MAP_HIDDEN, seq_len=MAP_STEPS,
                num_layers=MAP_LAYERS, seed=_SEED)
    loaded = ctx.load(case)
    x = _sequence(MAP_STEPS, MAP_INPUT, _SEED).transpose(0, 1)  # (1, T, I)
    zeros = torch.zeros(MAP_LAYERS, 1, MAP_HIDDEN, dtype=torch.float64)
    mine: dict[str, list[Tensor]] = {"h": [], "c": []}
    theirs: dict[str, list[Tensor]] = {"h": [], "c": []}
    for t in range(1, MAP_STEPS + 1):
        prefix = Case(**{**case.__dict__, "seq_len": t})
        inputs = {"x": x[:, :t], "h": zeros, "c": zeros}
        _, h_n, c_n = ctx.outputs(ctx.call(loaded.student, inputs), prefix)
        _finite("h_n", h_n)
        _finite("c_n", c_n)
        mine["h"].append(h_n[:, 0])
        mine["c"].append(c_n[:, 0])
        with torch.no_grad():
            _, rh, rc = ex.run_reference(loaded.reference, inputs)
        theirs["h"].append(rh[:, 0])
        theirs["c"].append(rc[:, 0])
    panels = []
    for layer in range(MAP_LAYERS):
        for name in ("c", "h"):
            panels.append({"name": name, "layer": layer + 1,
                           "student": _map([s[layer:layer + 1] for s in mine[name]]),
                           "reference": _map([s[layer:layer + 1] for s in theirs[name]])})
    return {"steps": MAP_STEPS, "hidden": MAP_HIDDEN, "layers": MAP_LAYERS, "states": panels}


# -- gradients through time ----------------------------------------------------------------------

def _gradients(ctx: Context) -> dict[str, Any]:
    ex = ctx.exercise
    seq = ex.kind == "sequence"
    case = Case(batch=1, input_size=MAP_INPUT, hidden_size=GRAD_HIDDEN,
                seq_len=GRAD_STEPS if seq else 1, num_layers=1, seed=_SEED + 1)
    loaded = ctx.load(case)
    torch.manual_seed(_SEED + 1)
    ref = ex.make_reference(case).to(torch.float64)  # PyTorch's default initialisation
    has_forget = "f" in ex.gate_names
    if has_forget:
        _add_forget_bias(ref, ex.gate_names, GRAD_HIDDEN)
    ctx.set_weights(loaded.student, loaded.layout, ref)
    xs = _sequence(GRAD_STEPS, MAP_INPUT, _SEED + 1)
    student = _student_stack_grads(ctx, loaded, case, xs) if seq else \
        _student_cell_grads(ctx, loaded, case, xs)
    torch.manual_seed(_SEED + 1)
    rnn = reference.RNNCell(MAP_INPUT, GRAD_HIDDEN).double()
    return {"steps": GRAD_STEPS, "hidden": GRAD_HIDDEN,
            "forget_bias": FORGET_BIAS if has_forget else None,
            "student": _list(student),
            "reference": _list(_reference_grads(ctx, ref, xs)),
            "rnn": _list(_reference_grads(ctx, rnn, xs, rnn=True))}


def _add_forget_bias(ref: nn.Module, gates: tuple[str, ...], hidden: int) -> None:
    k = gates.index("f")
    with torch.no_grad():
        for name, p in ref.named_parameters():
            if name.endswith("bias_ih"):
                p[k * hidden:(k + 1) * hidden] += FORGET_BIAS


def _reference_grads(ctx: Context, module: nn.Module, xs: Tensor, rnn: bool = False
                     ) -> Tensor:
    """‖∂ sum(h_T) / ∂x_t‖ for every t, by autograd on the unrolled reference."""
    x = xs.clone().requires_grad_(True)                 # (T, 1, I)
    hidden = GRAD_HIDDEN
    if rnn:
        h = torch.zeros(1, hidden, dtype=torch.float64)
        for t in range(x.shape[0]):
            h = module(x[t], h)
        last = h
    elif ctx.exercise.kind == "sequence":
        zeros = torch.zeros(1, 1, hidden, dtype=torch.float64)
        out, _, _ = ctx.exercise.run_reference(module, {"x": x.transpose(0, 1), "h": zeros,
                                                        "c": zeros})
        last = out[:, -1]
    else:
        state = _zero_state(ctx, hidden)
        for t in range(x.shape[0]):
            outs = ctx.exercise.run_reference(module, {"x": x[t], **state})
            state = dict(zip(ctx.exercise.state_names, outs, strict=True))
        last = state["h"]
    (grad,) = torch.autograd.grad(last.sum(), x)
    return grad.norm(dim=(1, 2))


def _student_stack_grads(ctx: Context, loaded: Loaded, case: Case, xs: Tensor) -> Tensor:
    x = xs.transpose(0, 1)                              # (1, T, I)
    zeros = torch.zeros(1, 1, GRAD_HIDDEN, dtype=torch.float64)
    gout = torch.zeros(1, GRAD_STEPS, GRAD_HIDDEN, dtype=torch.float64)
    gout[:, -1] = 1.0
    result = ctx.call(loaded.student, {"x": x, "h": zeros, "c": zeros}, requires_grad=("x",),
                      grad_outputs=[gout, torch.zeros_like(zeros), torch.zeros_like(zeros)])
    ctx.outputs(result, case)
    grad = result.grads.get("x")
    if grad is None:
        return torch.full((GRAD_STEPS,), math.nan, dtype=torch.float64)
    return grad.to(torch.float64)[0].norm(dim=1)


def _student_cell_grads(ctx: Context, loaded: Loaded, case: Case, xs: Tensor) -> Tensor:
    """Every step's Jacobian from one batched backward call; the chain rule runs here."""
    states = ctx.exercise.state_names
    mine = _run_student_cell(ctx, loaded, case, xs)
    steps, hidden = xs.shape[0], case.hidden_size
    k = hidden * len(states)                            # output components per step
    rows: dict[str, Tensor] = {"x": xs[:, 0].repeat_interleave(k, dim=0)}
    for n in states:
        rows[n] = torch.cat(mine[n][:-1]).repeat_interleave(k, dim=0)   # (T·K, H)
    eye = torch.eye(k, dtype=torch.float64).repeat(steps, 1)            # (T·K, K)
    gouts = [eye[:, j * hidden:(j + 1) * hidden] for j in range(len(states))]
    batch_case = Case(batch=steps * k, input_size=case.input_size, hidden_size=hidden,
                      seed=case.seed)
    result = ctx.call(loaded.student, rows, requires_grad=("x", *states), grad_outputs=gouts)
    ctx.outputs(result, batch_case)
    if any(result.grads.get(n) is None for n in ("x", *states)):
        return torch.full((steps,), math.nan, dtype=torch.float64)
    jx = result.grads["x"].to(torch.float64).reshape(steps, k, -1)     # ∂out_k/∂x
    js = torch.cat([result.grads[n].to(torch.float64).reshape(steps, k, hidden)
                    for n in states], dim=2)                           # ∂out_k/∂(h, c)
    g = torch.zeros(k, dtype=torch.float64)
    g[:hidden] = 1.0                                                   # ∂ sum(h_T) / ∂(h, c)
    norms = torch.zeros(steps, dtype=torch.float64)
    for t in range(steps - 1, -1, -1):
        norms[t] = (jx[t].T @ g).norm()
        g = js[t].T @ g
    return norms


# -- small helpers ---------------------------------------------------------------------------

def _finite(name: str, value: Tensor) -> None:
    if not bool(torch.isfinite(value).all()):
        raise CheckFailed(Msg("nonfinite", name=name))


def _map(values: list[Tensor] | Tensor) -> list[list[float | None]]:
    """(T, 1, H) steps or a (T, H) tensor as rows = hidden units, columns = time steps."""
    m = torch.cat(list(values)) if isinstance(values, list) else values
    m = m.reshape(m.shape[0], -1).to(torch.float64).T
    return [[None if not math.isfinite(v) else round(v, 6) for v in row.tolist()] for row in m]


def _list(values: Tensor) -> list[float | None]:
    return [None if not math.isfinite(v) else float(f"{v:.6g}") for v in values.tolist()]
