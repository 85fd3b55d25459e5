"""Layout inference: which of the student's parameters plays which reference weight.

A correct submission computes S(θ) = R(Mθ) for a sparse map M that sends each student
coordinate to one reference coordinate with coefficient +1. We identify M from Jacobians:
at θ = 0 each student column ∂S/∂θ_j must be a multiple of one reference column ∂R/∂W_k
(columns of coordinates invisible at 0, like the LSTM's input gate, are zero there); we then
move to a point where the identified coordinates are random, which makes the rest visible,
and match again. Reference coordinates with identical columns everywhere (the two redundant
LSTM biases) are merged into one canonical coordinate first.

The student's Jacobians come from the worker; all matching and deciding happens here. The
result is either a ``JacobianLayout`` (+1 coefficients, no offset: the student wrote the
reference cell in another layout) or an ``Inference`` that says why not (a sign flip, an
offset, or columns that match nothing: a different function).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from grader.i18n import Msg, join

# (student params by name, inputs) -> (jacobian rows=outputs cols=student coords, outputs)
StudentJacobian = Callable[[dict[str, Tensor]], tuple[Tensor, Tensor]]

_COS_TOL = 1e-7
_ZERO_TOL = 1e-12


@dataclass(frozen=True)
class JacobianLayout:
    """A map from the target's parameters to the student's, found from Jacobians."""

    student_names: tuple[str, ...]
    student_shapes: tuple[tuple[int, ...], ...]
    target_names: tuple[str, ...]
    target_shapes: tuple[tuple[int, ...], ...]
    canon: Tensor        # target flat coord -> canonical representative (a target coord)
    src: Tensor          # student flat coord -> canonical target coord, or -1 (unused)
    primary: Tensor      # student flat coord carries the canonical value (else gets 0)
    description: str
    coef: Tensor | None = None  # factor of each student coord (None: all +1)

    def _factors(self) -> Tensor:
        return self.coef if self.coef is not None else torch.ones(self.src.shape,
                                                                  dtype=torch.float64)

    def _flat(self, values: dict[str, Tensor], names: tuple[str, ...]) -> Tensor:
        return torch.cat([values[n].detach().reshape(-1).to(torch.float64) for n in names])

    def _split(self, flat: Tensor, dtype: torch.dtype) -> dict[str, Tensor]:
        out, start = {}, 0
        for name, shape in zip(self.student_names, self.student_shapes, strict=True):
            n = 1
            for s in shape:
                n *= s
            out[name] = flat[start:start + n].reshape(shape).to(dtype)
            start += n
        return out

    def student_params(self, ref: dict[str, Tensor]) -> dict[str, Tensor]:
        v = self._flat(ref, self.target_names)
        canonical = torch.zeros_like(v).index_add_(0, self.canon, v)  # duplicates summed
        theta = torch.where(self.primary & (self.src >= 0),
                            canonical[self.src.clamp(min=0)] / self._factors(),
                            torch.zeros(()))
        dtype = next(iter(ref.values())).dtype
        return self._split(theta, dtype)

    def expected_grads(self, ref_grads: dict[str, Tensor]) -> dict[str, Tensor]:
        g = self._flat(ref_grads, self.target_names)
        theta_grad = torch.where(self.src >= 0, g[self.src.clamp(min=0)] * self._factors(),
                                 torch.zeros(()))
        dtype = next(iter(ref_grads.values())).dtype
        return self._split(theta_grad, dtype)


@dataclass
class Inference:
    layout: JacobianLayout | None = None
    reason: str = ""                      # why no layout (student-facing)
    sign_flips: list[str] = field(default_factory=list)   # "forget gate (f)"
    # With sign flips: the map that reproduces the reference once those weights are negated
    # (to be verified before anyone is told their gate is inverted).
    flipped_layout: JacobianLayout | None = None
    offset: bool = False


def _flat_jacobian(module: nn.Module, run: Callable[[nn.Module], list[Tensor]]
                   ) -> tuple[Tensor, Tensor]:
    params = [p for _, p in module.named_parameters()]
    outs = run(module)
    flat = torch.cat([o.reshape(-1) for o in outs])
    rows = []
    for r in range(flat.numel()):
        grads = torch.autograd.grad(flat[r], params, retain_graph=True, allow_unused=True)
        rows.append(torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1)
                               for g, p in zip(grads, params, strict=True)]))
    return torch.stack(rows).double(), flat.detach().double()


def _set_flat(module: nn.Module, flat: Tensor) -> None:
    start = 0
    with torch.no_grad():
        for p in module.parameters():
            n = p.numel()
            p.copy_(flat[start:start + n].reshape(p.shape))
            start += n


def _match(cols: Tensor, targets: Tensor, allowed: Tensor, taken: set[int],
           allow_ties: bool = True) -> tuple[Tensor, Tensor]:
    """For each column of ``cols``: the target column it is a multiple of, and the factor.

    Returns (index, coefficient); index -1 where the column is zero or matches nothing.
    When several target columns fit (a symmetric point, such as two gates with the same
    activation at zero, or two biases entering with factors 1 and 1/2), the preferred one is
    not yet ``taken`` and has the factor closest to +1 (then −1); the final verification
    decides whether the whole map is right. With ``allow_ties`` False such columns are left
    for a later point, where the coincidence is usually gone.
    """
    norms = cols.norm(dim=0)
    tnorms = targets.norm(dim=0)
    ok_t = (tnorms > _ZERO_TOL) & allowed
    idx = torch.full((cols.shape[1],), -1, dtype=torch.long)
    coef = torch.zeros(cols.shape[1], dtype=torch.float64)
    if not bool(ok_t.any()):
        return idx, coef
    tn = targets[:, ok_t] / tnorms[ok_t]
    tidx = ok_t.nonzero().squeeze(1)
    for j in range(cols.shape[1]):
        if norms[j] <= _ZERO_TOL:
            continue
        cos = (tn.T @ (cols[:, j] / norms[j]))
        fits = [int(tidx[b]) for b in (1 - cos.abs() < _COS_TOL).nonzero().squeeze(1)]
        if not fits or (len(fits) > 1 and not allow_ties):
            continue
        factors = {f: float(cols[:, j] @ targets[:, f]) / float(tnorms[f] ** 2) for f in fits}
        k = min(fits, key=lambda f: (f in taken, abs(abs(factors[f]) - 1), factors[f] < 0))
        taken.add(k)
        idx[j] = k
        coef[j] = factors[k]
    return idx, coef


def infer(student_names: list[str], student_shapes: list[tuple[int, ...]],
          student_jacobian: StudentJacobian, target: nn.Module,
          run_target: Callable[[nn.Module], list[Tensor]], gate_names: tuple[str, ...] = (),
          rounds: int = 4, seed: int = 0) -> Inference:
    """Identify the map from ``target``'s parameters to the student's."""
    target = target.double()
    t_names = tuple(n for n, _ in target.named_parameters())
    t_shapes = tuple(tuple(p.shape) for _, p in target.named_parameters())
    n_t = sum(p.numel() for p in target.parameters())
    n_s = sum(math.prod(shape) for shape in student_shapes)
    gen = torch.Generator().manual_seed(seed)

    # Canonical target coordinates: columns equal at two random points are one coordinate.
    _set_flat(target, torch.randn(n_t, generator=gen, dtype=torch.float64) * 0.5)
    j_a, _ = _flat_jacobian(target, run_target)
    _set_flat(target, torch.randn(n_t, generator=gen, dtype=torch.float64) * 0.5)
    j_b, _ = _flat_jacobian(target, run_target)
    canon = torch.arange(n_t)
    stacked = torch.cat([j_a, j_b])
    for k in range(n_t):
        if canon[k] != k:
            continue
        same = (stacked - stacked[:, k:k + 1]).abs().amax(dim=0) < 1e-12
        same[:k + 1] = False
        canon[same] = k
    is_canon = canon == torch.arange(n_t)
    used = (stacked.abs().amax(dim=0) > _ZERO_TOL) & is_canon

    src = torch.full((n_s,), -1, dtype=torch.long)
    coef = torch.zeros(n_s, dtype=torch.float64)
    theta = torch.zeros(n_s, dtype=torch.float64)
    w = torch.zeros(n_t, dtype=torch.float64)
    for rnd in range(rounds):
        j_s, s_out = student_jacobian(_split(theta, student_names, student_shapes))
        _set_flat(target, w)
        j_r, r_out = _flat_jacobian(target, run_target)
        if s_out.shape != r_out.shape:
            return Inference(reason=Msg("inference.shapes_differ"))
        gap = float((s_out - r_out).abs().max()) if rnd == 0 else 0.0
        if gap > 1e-9:
            # Only what was measured: a missing activation shows the same as a constant added.
            return Inference(reason=Msg("inference.offset", gap=f"{gap:.3g}"), offset=True)
        todo = src < 0
        taken = {int(k) for k in src[src >= 0]}
        idx, c = _match(j_s[:, todo], j_r, is_canon, taken, allow_ties=rnd == rounds - 1)
        src[todo] = idx
        coef[todo] = c
        if bool((src >= 0).sum() == 0):
            break
        # Next point: random values on every identified coordinate (one student coord
        # carries each canonical value), which makes the rest visible.
        fresh = torch.randn(n_t, generator=gen, dtype=torch.float64) * 0.7
        seen: set[int] = set()
        theta = torch.zeros(n_s, dtype=torch.float64)
        w = torch.zeros(n_t, dtype=torch.float64)
        for j in range(n_s):
            k = int(src[j])
            if k < 0 or k in seen or abs(float(coef[j])) < 1e-12:
                continue
            seen.add(k)
            w[k] = fresh[k]
            theta[j] = fresh[k] / float(coef[j])
        if bool((src >= 0).all()):
            break

    covered = set(int(k) for k in src[src >= 0])
    missing = [k for k in used.nonzero().squeeze(1).tolist() if k not in covered]
    if missing:
        return Inference(reason=_missing_text(missing, t_names, t_shapes, gate_names))
    bad = [j for j in range(n_s) if src[j] >= 0 and abs(abs(float(coef[j])) - 1) > 1e-6]
    if bad:
        return Inference(reason=Msg("inference.scaled"))
    primary = torch.zeros(n_s, dtype=torch.bool)
    seen = set()
    for j in range(n_s):
        k = int(src[j])
        if k >= 0 and k not in seen:
            seen.add(k)
            primary[j] = True
    description = describe(src, student_names, student_shapes, t_names, t_shapes, gate_names)
    flips = sorted({_coord_name(int(src[j]), t_names, t_shapes, gate_names)
                    for j in range(n_s) if src[j] >= 0 and coef[j] < 0})
    if flips:
        signs = torch.where(coef < 0, -1.0, 1.0).to(torch.float64)
        flipped = JacobianLayout(tuple(student_names), tuple(student_shapes), t_names,
                                 t_shapes, canon, src, primary, description, signs)
        return Inference(reason=Msg("inference.sign_inverted"), sign_flips=flips,
                         flipped_layout=flipped)
    layout = JacobianLayout(tuple(student_names), tuple(student_shapes), t_names, t_shapes,
                            canon, src, primary, description)
    return Inference(layout=layout)


def _split(flat: Tensor, names: list[str], shapes: list[tuple[int, ...]]) -> dict[str, Tensor]:
    out, start = {}, 0
    for name, shape in zip(names, shapes, strict=True):
        n = 1
        for s in shape:
            n *= s
        out[name] = flat[start:start + n].reshape(shape)
        start += n
    return out


def _unravel(k: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """``torch.unravel_index`` for one index, in plain Python: describing a layout does it for
    every coordinate, and the tensor version cost 0.5 s of a grade that inferred 20 layouts."""
    index = []
    for size in reversed(shape):
        k, r = divmod(k, size)
        index.append(r)
    return tuple(reversed(index))


def _locate(k: int, names: tuple[str, ...], shapes: tuple[tuple[int, ...], ...]
            ) -> tuple[str, tuple[int, ...]]:
    for name, shape in zip(names, shapes, strict=True):
        n = 1
        for s in shape:
            n *= s
        if k < n:
            return name, _unravel(k, shape)
        k -= n
    raise IndexError(k)


def _gate_of(k: int, names: tuple[str, ...], shapes: tuple[tuple[int, ...], ...],
             gate_names: tuple[str, ...]) -> str | None:
    name, index = _locate(k, names, shapes)
    shape = shapes[names.index(name)]
    if not gate_names or not shape or shape[0] % len(gate_names):
        return None
    per_gate = shape[0] // len(gate_names)
    if per_gate == 0 or len(gate_names) * per_gate != shape[0] or name.endswith("weight_hr"):
        return None
    return gate_names[index[0] // per_gate]


_GATE_WORDS = {"i": "input gate (i)", "f": "forget gate (f)", "g": "candidate (g)",
               "o": "output gate (o)", "r": "reset gate (r)", "z": "update gate (z)",
               "n": "new state (n)"}


def _coord_name(k: int, names: tuple[str, ...], shapes: tuple[tuple[int, ...], ...],
                gate_names: tuple[str, ...]) -> str:
    gate = _gate_of(k, names, shapes, gate_names)
    if gate is not None:
        return _GATE_WORDS.get(gate, gate)
    return _locate(k, names, shapes)[0]


def _missing_text(missing: list[int], names: tuple[str, ...],
                  shapes: tuple[tuple[int, ...], ...], gate_names: tuple[str, ...]) -> str:
    what = sorted({_coord_name(k, names, shapes, gate_names) for k in missing})
    # A gate is named in the reader's language; a parameter name stays as it is.
    letters = {word: letter for letter, word in _GATE_WORDS.items()}
    return Msg("inference.missing", what=[Msg(f"gateword.{letters[w]}") if w in letters else w
                                          for w in what])


def describe(src: Tensor, student_names: list[str], student_shapes: list[tuple[int, ...]],
             t_names: tuple[str, ...], t_shapes: tuple[tuple[int, ...], ...],
             gate_names: tuple[str, ...]) -> str:
    """'gate order f, i, o, g; inputs concatenated as [h, x, 1]; W stored transposed'."""
    orders: list[str] = []
    concat: list[str] = []
    transposed: list[str] = []
    bias_params = 0
    start = 0
    kind_word = {"weight_ih": "x", "weight_hh": "h", "bias_ih": "1", "bias_hh": "1"}
    for name, shape in zip(student_names, student_shapes, strict=True):
        n = 1
        for s in shape:
            n *= s
        coords = [(j, int(src[start + j])) for j in range(n) if src[start + j] >= 0]
        start += n
        if not coords:
            continue
        located = [(_unravel(j, shape),
                    _gate_of(k, t_names, t_shapes, gate_names),
                    _locate(k, t_names, t_shapes)[0].rsplit(".", 1)[-1]) for j, k in coords]
        kinds = {kind for _, _, kind in located}
        if kinds <= {"bias_ih", "bias_hh"}:
            bias_params += 1
            continue
        if len(shape) != 2:
            continue
        # The gate axis is the one whose index alone decides the gate.
        gate_axis = 0 if all(len({g for ix, g, _ in located if ix[0] == r}) == 1
                             for r in range(shape[0])) else 1
        gates: list[str] = []
        for _ix, g, _ in sorted(located, key=lambda t: t[0][gate_axis]):
            if g is not None and g not in gates:
                gates.append(g)
        if len(gates) > 1:
            orders.append(", ".join(gates))
        if gate_axis == 1:
            transposed.append(name)
        feature_axis = 1 - gate_axis
        seq: list[str] = []
        for _ix, _, kind in sorted(located, key=lambda t: t[0][feature_axis]):
            word = kind_word.get(kind, kind)
            if not seq or seq[-1] != word:
                seq.append(word)
        if len(seq) > 1:
            concat.append(f"[{', '.join(seq)}]")
            if "1" in seq:
                bias_params += 1
    parts: list[str] = []
    if orders:
        parts.append(Msg("layout.desc.order", order=orders[0]))
    if concat:
        parts.append(Msg("layout.desc.concat", inputs=concat[0]))
    if bias_params:
        parts.append(Msg("layout.desc.one_bias") if bias_params == 1 else
                     Msg("layout.desc.two_biases") if bias_params == 2 else
                     Msg("layout.desc.biases", n=bias_params))
    if transposed:
        parts.append(Msg("layout.desc.transposed", names=", ".join(transposed)))
    return join(*parts, sep="; ") if parts else Msg("layout.desc.per_gate")
