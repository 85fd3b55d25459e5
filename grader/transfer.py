"""Reusing a layout inferred at one size for another size of the same parameter structure.

Inferring a layout (``grader.inference``) costs several rounds of Jacobian requests to the
worker, and the checks draw many sizes; a submission keeps its parameter structure from one
size to the next (per-gate ``nn.Linear`` stays per-gate, ``[x, h, 1]`` stays in that order),
so the map found once says where each weight goes at every size. Each axis of a parameter is
read as a sum of blocks ("atoms") of length input_size (I), hidden_size (H) or 1: (4H, I) is
four H-blocks by one I-block, a concatenated [x, h, 1] axis is I, H, 1. The map at the old
size must send every coordinate of a block of the student's parameter into one block of the
target's, offsets carried along axes of the same kind; then the same rule gives the map at
the new size.

Everything here is a proposal: the caller keeps a transferred layout only if the student,
with the reference's weights loaded through it, computes the reference, and infers the
layout again otherwise. Sizes that cannot tell an I-block from an H-block or from a 1-block
(input_size == hidden_size, or either 1) are never read; a layout is carried to
input_size == hidden_size (the sizes it was read at say which block is which), never to a size
of 1.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import torch

from grader.inference import JacobianLayout

# a·input_size + b·hidden_size + c
Expr = tuple[int, int, int]
Sizes = tuple[int, int]  # (input_size, hidden_size)
Shape = tuple[int, ...]
# Per axis: the kind of each atom in order ("I", "H" or "1").
Frame = tuple[tuple[str, ...], ...]
# A block of a parameter: (parameter index, atom index on each axis).
Block = tuple[int, tuple[int, ...]]
# Where a block goes: None (unused), or (target parameter, target atom per axis, for each
# target axis the student axis its offset comes from, -1 for a 1-block).
Rule = tuple[int, tuple[int, ...], tuple[int, ...]] | None

_MAX_FRAMES = 64  # readings tried per parameter before giving up (and inferring)
# Reading a map walks every coordinate in Python, in the grader's process, where no request
# timeout applies: larger parameter sets are inferred as before.
_MAX_COORDS = 100_000


def readable(sizes: Sizes) -> bool:
    """Whether a layout found at these sizes may be carried to others: each block's length
    must tell an input block from a hidden one and from a bias."""
    i, h = sizes
    return i >= 2 and h >= 2 and i != h


def writable(sizes: Sizes) -> bool:
    """Whether a layout may be carried to these sizes. input_size == hidden_size is fine:
    which block is which was read at the readable sizes the layout comes from (a length is
    solved for at both sizes at once); a length of 1 is not, as it reads as a bias."""
    i, h = sizes
    return i >= 2 and h >= 2


def _readings(d0: int, d1: int, old: Sizes, new: Sizes) -> list[Expr]:
    """Every a·I + b·H + c (c 0 or 1: a folded bias) of length d0 at ``old`` and d1 at
    ``new``; a constant when the length does not change."""
    out: list[Expr] = [(0, 0, d0)] if d0 == d1 else []
    for a in range(5):
        for b in range(9):
            if a == b == 0:
                continue
            c = d0 - a * old[0] - b * old[1]
            if c in (0, 1) and a * new[0] + b * new[1] + c == d1:
                out.append((a, b, c))
    return out


def _orderings(e: Expr) -> list[tuple[str, ...]]:
    atoms = ("I",) * e[0] + ("H",) * e[1] + ("1",) * e[2]
    if len(set(atoms)) <= 1:
        return [atoms]
    if len(atoms) > 7:
        return []
    return sorted(set(itertools.permutations(atoms)))


def _length(kind: str, sizes: Sizes) -> int:
    return sizes[0] if kind == "I" else sizes[1] if kind == "H" else 1


class _Param:
    """One parameter's shape at a size, read through a frame."""

    def __init__(self, frame: Frame, shape: Shape, sizes: Sizes) -> None:
        self.frame = frame
        self.shape = shape
        # Per axis, for each index: (atom, offset); and per axis each atom's start.
        self.where: list[list[tuple[int, int]]] = []
        self.starts: list[list[int]] = []
        for atoms, n in zip(frame, shape, strict=True):
            where: list[tuple[int, int]] = []
            starts: list[int] = []
            for a, kind in enumerate(atoms):
                starts.append(len(where))
                where.extend((a, off) for off in range(_length(kind, sizes)))
            if len(where) != n:
                raise ValueError("frame does not fit the shape")
            self.where.append(where)
            self.starts.append(starts)
        self.size = 1
        for n in shape:
            self.size *= n

    def coords(self) -> list[tuple[int, ...]]:
        return list(itertools.product(*(range(n) for n in self.shape)))

    def flat(self, index: Sequence[int]) -> int:
        k = 0
        for i, n in zip(index, self.shape, strict=True):
            k = k * n + i
        return k


def _unravel(k: int, shape: Shape) -> tuple[int, ...]:
    index = []
    for n in reversed(shape):
        k, r = divmod(k, n)
        index.append(r)
    return tuple(reversed(index))


def _target_frames(old_shapes: Sequence[Shape], new_shapes: Sequence[Shape], old: Sizes,
                   new: Sizes) -> list[Frame] | None:
    """The target's frames: one reading per axis, one kind of atom per axis (the references'
    axes are all of one kind), or None."""
    frames = []
    for s0, s1 in zip(old_shapes, new_shapes, strict=True):
        if len(s0) != len(s1):
            return None
        frame = []
        for d0, d1 in zip(s0, s1, strict=True):
            found = _readings(d0, d1, old, new)
            if len(found) > 1:
                # A length that did not change reads as a constant too; a reference's
                # lengths follow its sizes.
                found = [e for e in found if e[:2] != (0, 0)]
            if len(found) != 1:
                return None
            orders = _orderings(found[0])
            if len(orders) != 1 or len(set(orders[0])) > 1:
                return None
            frame.append(orders[0])
        frames.append(tuple(frame))
    return frames


def _learn(p: int, sp: _Param, values: list[int], base: int, targets: list[_Param],
           t_base: list[int]) -> dict[Block, Rule] | None:
    """The rule of each block of student parameter ``p``, if the old map follows one."""
    rules: dict[Block, Rule] = {}
    sources: dict[Block, list[set[int]]] = {}
    for index in sp.coords():
        atoms = tuple(sp.where[u][i][0] for u, i in enumerate(index))
        offs = tuple(sp.where[u][i][1] for u, i in enumerate(index))
        block = (p, atoms)
        k = values[base + sp.flat(index)]
        if k < 0:
            if rules.setdefault(block, None) is not None:
                return None
            continue
        t = max(j for j, b in enumerate(t_base) if b <= k)
        tp = targets[t]
        t_index = _unravel(k - t_base[t], tp.shape)
        t_atoms = tuple(tp.where[v][i][0] for v, i in enumerate(t_index))
        t_offs = tuple(tp.where[v][i][1] for v, i in enumerate(t_index))
        candidates = []
        for v, (a, off) in enumerate(zip(t_atoms, t_offs, strict=True)):
            kind = tp.frame[v][a]
            if kind == "1":
                candidates.append({-1})
                continue
            candidates.append({u for u in range(len(index))
                               if sp.frame[u][atoms[u]] == kind and offs[u] == off})
        if block not in rules:
            rules[block] = (t, t_atoms, ())
            sources[block] = candidates
            continue
        rule = rules[block]
        if rule is None or rule[:2] != (t, t_atoms):
            return None
        sources[block] = [a & b for a, b in zip(sources[block], candidates, strict=True)]
    for block, rule in rules.items():
        if rule is None:
            continue
        if any(not s for s in sources[block]):
            return None
        rules[block] = (rule[0], rule[1], tuple(min(s) for s in sources[block]))
    return rules


def transfer_map(values: list[int], a_old: Sequence[Shape], a_new: Sequence[Shape],
                 b_old: Sequence[Shape], b_new: Sequence[Shape], old: Sizes, new: Sizes
                 ) -> list[int] | None:
    """A map from the coordinates of parameters A to those of B (flat, -1: none), known at
    ``old`` sizes, carried to ``new`` sizes; None when it follows no block rule."""
    b_frames = _target_frames(b_old, b_new, old, new)
    if b_frames is None:
        return None
    try:
        t_old = [_Param(f, s, old) for f, s in zip(b_frames, b_old, strict=True)]
        t_new = [_Param(f, s, new) for f, s in zip(b_frames, b_new, strict=True)]
    except ValueError:
        return None
    t_base_old = list(itertools.accumulate([0] + [t.size for t in t_old]))[:-1]
    t_base_new = list(itertools.accumulate([0] + [t.size for t in t_new]))[:-1]
    out: list[int] = []
    base = 0
    for p, (s0, s1) in enumerate(zip(a_old, a_new, strict=True)):
        if len(s0) != len(s1):
            return None
        per_axis = [[o for e in _readings(d0, d1, old, new) for o in _orderings(e)]
                    for d0, d1 in zip(s0, s1, strict=True)]
        frames = list(itertools.product(*per_axis))
        if not frames or len(frames) > _MAX_FRAMES:
            return None
        chosen: tuple[Frame, dict[Block, Rule]] | None = None
        for frame in frames:
            try:
                sp = _Param(frame, s0, old)
            except ValueError:
                continue
            rules = _learn(p, sp, values, base, t_old, t_base_old)
            if rules is not None:
                chosen = (frame, rules)
                break
        if chosen is None:
            return None
        frame, rules = chosen
        base += sp.size
        sn = _Param(frame, s1, new)
        for index in sn.coords():
            atoms = tuple(sn.where[u][i][0] for u, i in enumerate(index))
            offs = tuple(sn.where[u][i][1] for u, i in enumerate(index))
            if (p, atoms) not in rules:
                return None
            rule = rules[(p, atoms)]
            if rule is None:
                out.append(-1)
                continue
            t, t_atoms, srcs = rule
            tp = t_new[t]
            t_index = [tp.starts[v][a] + (offs[u] if u >= 0 else 0)
                       for v, (a, u) in enumerate(zip(t_atoms, srcs, strict=True))]
            out.append(t_base_new[t] + tp.flat(t_index))
    return out


def _count(shapes: Sequence[Shape]) -> int:
    return sum(math.prod(shape) for shape in shapes)


def transfer(layout: JacobianLayout, old: Sizes, new: Sizes,
             student_shapes: Sequence[Shape], target_shapes: Sequence[Shape]
             ) -> JacobianLayout | None:
    """``layout`` (found at ``old`` sizes) carried to ``new`` sizes, or None when it cannot
    be: sizes that cannot be read, a coefficient other than +1, or a map that follows no
    block rule. The result is a proposal, to be verified by the caller."""
    if layout.coef is not None or not (readable(old) and writable(new)):
        return None
    student_shapes = [tuple(s) for s in student_shapes]
    target_shapes = [tuple(s) for s in target_shapes]
    if max(_count(layout.student_shapes), _count(student_shapes)) > _MAX_COORDS:
        return None
    src = transfer_map([int(k) for k in layout.src], layout.student_shapes, student_shapes,
                       layout.target_shapes, target_shapes, old, new)
    if src is None:
        return None
    canon = transfer_map([int(k) for k in layout.canon], layout.target_shapes, target_shapes,
                         layout.target_shapes, target_shapes, old, new)
    if canon is None:
        return None
    primary = []
    seen: set[int] = set()
    for k in src:
        primary.append(k >= 0 and k not in seen)
        seen.add(k)
    return JacobianLayout(layout.student_names, tuple(student_shapes), layout.target_names,
                          tuple(target_shapes), torch.tensor(canon, dtype=torch.long),
                          torch.tensor(src, dtype=torch.long),
                          torch.tensor(primary, dtype=torch.bool), layout.description)
