"""speed: the submission against PyTorch's own module (nn.LSTM; nn.GRU for the GRU cell) with
the same sizes, on the same device, in the same run.

Timed by the grader, from outside the processes being timed (``measure``): the submission's
module (with the reference's weights) serves ``speed_run`` requests in its worker, and
nn.LSTM serves the same requests in a worker of its own that never loads a submission
(grader/speedrun.py). Each request makes ``number`` calls in a chain (each next input made
from the previous call's results, ``speed_next_input``) and synchronises the device before it
replies; the grader reads its own wall clock around the request and, on a CPU, the kernel's
CPU accounting of the worker's processes (``WorkerClocks``). No clock, hook or function in a
submission's process takes part. On the CPU the two workers are pinned to one CPU while they
are timed (``_pin_together``), and the submission's worker is stopped (SIGSTOP) while the
baseline's blocks run, so nothing of the submission's can compete with them. The outputs and
input gradients of the warm-up, of each phase's fastest blocks and of rounds drawn after the
timing are compared with the reference: a mismatch fails the check (no speed points). The
statistics are pure functions of the block times (unit-tested with synthetic timings in
tests/test_speed.py and tests/test_speed_clock.py):

- each round times one block of the reference and one of the student, back to back in
  alternating order, so both sample the same stretch of the machine's life;
- on the CPU with one thread (the default), blocks are scored in CPU seconds (``clock_of``):
  time spent waiting for a core while other processes run is wall-clock time but not CPU
  time, so on a busy machine the CPU-time ratio stays put where the wall-clock ratio wanders
  (docs/benchmarks.md). Wall-clock time is scored instead when the submission's blocks kept
  its worker less than half as busy as the reference's did (it waited for work done
  elsewhere, or slept), with more threads, where the CPU clocks cannot be read, and on a GPU;
- the ratio is the student's fastest block over the reference's fastest (``min_ratio``: what
  else the machine does only ever adds time, and not the same to both); the same ratio over
  each half of the rounds alone gives its two "halves", and the spread is their relative
  half-width; the median of the per-round ratios is reported beside it;
- the scored ratio (forward+backward by default) falls into a band of the rubric
  (``speed_cpu_bands`` / ``speed_gpu_bands``: largest ratio -> fraction of the points);
  the confidence is "high" when both halves fall in that band, so a regrade lands in the
  same band, and "low" (with the edge between them) otherwise.

On a machine without a GPU the rubric decides (``speed_mode``): ``auto`` (the default) grades
on a GPU and reports the CPU ratio for information only (0 points, never failed for the lack
of a GPU); ``graded`` grades the CPU ratio with the CPU bands.
"""

from __future__ import annotations

import copy
import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from grader import speedrun
from grader.checks.base import CheckFailed, Context, Outcome, check
from grader.client import Client, SpeedBlock, Timing
from grader.config import GradeConfig
from grader.exercises import Case
from grader.i18n import Msg, join
from grader.layout import LayoutError, infer_layout
from grader.protocol import speed_inputs, speed_next_input
from grader.sandbox import Runner, current_cpu

PHASES = ("forward", "forward_backward")
_PHASE_NAMES = {"forward": "forward", "forward_backward": "forward+backward"}  # as in code


# -- statistics (pure) -------------------------------------------------------------------------
@dataclass(frozen=True)
class PhaseStats:
    """Student vs reference for one phase: the ratio of their fastest blocks, and the same
    ratio over each half of the rounds alone."""

    ratio: float          # fastest student block / fastest reference block
    low: float            # the lesser and the greater of that ratio over each half
    high: float
    spread: float         # relative half-width of the halves: (high - low) / (2 ratio)
    reference_s: float    # fastest seconds per call
    student_s: float
    rounds: int
    median_ratio: float   # median of the per-round ratios: reported, not scored

    def as_dict(self) -> dict[str, Any]:
        return {"ratio": round(self.ratio, 3), "halves": [round(self.low, 3),
                                                          round(self.high, 3)],
                "spread": round(self.spread, 4),
                "reference_ms": round(self.reference_s * 1e3, 4),
                "student_ms": round(self.student_s * 1e3, 4), "rounds": self.rounds,
                "median_ratio": round(self.median_ratio, 3)}


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of no values")
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def paired_ratios(reference: Sequence[float], student: Sequence[float]) -> list[float]:
    if len(reference) != len(student) or not reference:
        raise ValueError("reference and student need the same, non-zero number of blocks")
    return [s / r for r, s in zip(reference, student, strict=True)]


# The submission must keep the CPU at least this busy, relative to the reference, for its CPU
# time to be scored (else it waits for work done elsewhere, which CPU time does not see).
BUSY_SHARE = 0.5


def busy_share(timing: Timing, who: str) -> float:
    """CPU seconds per wall-clock second over all of ``who``'s timed blocks together.

    Summed, not a median per block: on a busy machine a short block is either not
    interrupted at all or loses most of its time to another process, and the median of
    such values swings between the two; the share of the whole time does not."""
    assert timing.cpu_times is not None
    blocks = [(c, w) for phase in PHASES for c, w in zip(
        timing.cpu_times[phase][who], timing.times[phase][who], strict=True)]
    return sum(c for c, _ in blocks) / sum(w for _, w in blocks)


def clock_of(timing: Timing) -> tuple[dict[str, dict[str, list[float]]], str, Msg | None]:
    """(the block times to score, "cpu" or "wall", why wall although CPU times exist)."""
    if timing.cpu_times is None:
        return timing.times, "wall", None
    reference, student = busy_share(timing, "reference"), busy_share(timing, "student")
    if student < BUSY_SHARE * reference:
        return timing.times, "wall", Msg("speed.wall_scored", student=f"{student:.0%}",
                                         reference=f"{reference:.0%}")
    return timing.cpu_times, "cpu", None


def phase_stats(reference: Sequence[float], student: Sequence[float]) -> PhaseStats:
    """The ratio of the fastest blocks (``min_ratio``) and the same over each half."""
    ratios = paired_ratios(reference, student)
    ratio = min_ratio(reference, student)
    half = max(1, len(ratios) // 2)
    halves = [min_ratio(reference[:half], student[:half]),
              min_ratio(reference[half:] or reference, student[half:] or student)]
    low, high = min(halves), max(halves)
    return PhaseStats(ratio, low, high, (high - low) / (2 * ratio), min(reference),
                      min(student), len(ratios), median(ratios))


def min_ratio(reference: Sequence[float], student: Sequence[float]) -> float:
    """The student's fastest block over the reference's fastest.

    A block can only be slowed down by what else the machine does (another process on the
    same core or its sibling, interrupts, a cold cache), and not by the same amount for both
    implementations: a hyperthread sibling's work slows nn.LSTM's vectorised kernels more
    than a Python loop's small operations, so a paired ratio of two blocks moves with the
    machine's other work. Each side's fastest block is its time with the least of that
    (the advice of Python's ``timeit`` for the same reason). The fastest blocks are the ones
    whose outputs are always checked (``_rounds``), so a block that skipped work cannot set
    the minimum."""
    return min(student) / min(reference)


@dataclass(frozen=True)
class Band:
    index: int            # 0 is the best band; len(bands) is "slower than every band"
    fraction: float       # of the check's points
    label: str            # "≤ 8×" or "> 32×"


def band_of(ratio: float, bands: Sequence[tuple[float, float]]) -> Band:
    for i, (limit, fraction) in enumerate(bands):
        if ratio <= limit:
            return Band(i, fraction, f"≤ {limit:g}×")
    return Band(len(bands), 0.0, f"> {bands[-1][0]:g}×")


def confidence(stats: PhaseStats, bands: Sequence[tuple[float, float]]) -> tuple[str, str]:
    """("high" | "low", why): high when each half of the rounds alone gives the ratio's
    band (the full ratio lies between the halves' two)."""
    band = band_of(stats.ratio, bands)
    lo, hi = band_of(stats.low, bands), band_of(stats.high, bands)
    interval = Msg("speed.interval", low=f"{stats.low:.2f}", high=f"{stats.high:.2f}",
                   rounds=stats.rounds)
    if lo.index == hi.index == band.index:
        return "high", Msg("speed.confidence_high", interval=interval)
    edges = [f"{bands[i][0]:g}×" for i in range(lo.index, hi.index) if i < len(bands)]
    return "low", Msg("speed.confidence_low", interval=interval, edges=", ".join(edges))


# -- configuration ---------------------------------------------------------------------------
def planned_device(config: GradeConfig) -> str:
    """The device the rubric asks for; "auto" is the GPU when this machine has one."""
    if config.speed_device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return config.speed_device


def is_graded(config: GradeConfig, device: str) -> bool:
    return config.speed_mode == "graded" or (config.speed_mode == "auto" and device == "cuda")


def check_points(config: GradeConfig) -> float:
    return config.speed_points if is_graded(config, planned_device(config)) else 0.0


def bands_for(config: GradeConfig, device: str) -> tuple[tuple[float, float], ...]:
    return config.speed_gpu_bands if device == "cuda" else config.speed_cpu_bands


def workload_for(config: GradeConfig, device: str) -> tuple[int, int, int, int]:
    return config.speed_gpu_workload if device == "cuda" else config.speed_cpu_workload


# -- the check ----------------------------------------------------------------------------
@check("speed.vs_pytorch", category="speed", points=2,
       title="speed relative to PyTorch's own nn.LSTM (nn.GRU for the GRU) of the same sizes",
       hint="Compute the input projection of every time step in one matrix product before "
            "the loop, all gates of a step from one matrix product, and keep the Python work "
            "inside the time loop small (no per-gate products, no copies, no .item()).",
       enabled=lambda config: config.speed_mode != "off", points_for=check_points)
def vs_pytorch(ctx: Context) -> str | Outcome:
    config = ctx.config
    planned = planned_device(config)
    device, note = planned, ""
    if planned == "cuda" and not ctx.client.devices()["cuda"]:
        device, note = "cpu", Msg("speed.no_gpu")
    timing = measure(ctx, device, workload_for(config, device))
    graded = is_graded(config, device) and device == planned
    if not note and not graded:
        note = (Msg("speed.gpu_only") if config.speed_mode == "auto"
                else Msg("speed.informational"))
    return judge(ctx, timing, device, graded, note)


# -- measuring (grader side) --------------------------------------------------------------------
SEED = 20_000  # weights and inputs of the timed calls (each request draws from its own seed)
MIN_BLOCK_S = 0.004  # a timed request lasts at least this long (its own cost: ~0.2 ms)
# and makes at most this many calls: the grader computes each call of a checked request again.
MAX_CALLS = 16
WARMUP = 2
VERIFIED_ROUNDS = 2  # timed requests per phase whose outputs are checked, drawn afterwards


@dataclass
class _Side:
    """One implementation being timed: its client, its worker's clocks, its blocks."""

    client: Client
    clocks: Any
    number: dict[str, int]


def _baseline_runner(ctx: Context) -> tuple[Runner, bool]:
    """(a worker of its own for nn.LSTM / nn.GRU that never loads a submission, whether this
    check must close it): the submission's runner keeps one for its grade
    (``speed_baseline``); other runners (test stand-ins) get one in-process."""
    from grader.sandbox import InProcessRunner

    shared = getattr(ctx.client.runner, "speed_baseline", None)
    if shared is not None:
        return shared(), False
    return InProcessRunner(speedrun.load_header()), True


def measure(ctx: Context, device: str, workload: tuple[int, int, int, int]) -> Timing:
    """Time the submission against PyTorch's own module, from outside both workers.

    The submission's module (with the reference's weights, through its layout) and the
    baseline each serve ``speed_run`` requests in a worker of their own; every round times
    one request of each, in alternating order, by the wall clock of this process and by
    the kernel's CPU accounting of each worker. Outputs and input gradients of the warm-up,
    of each phase's fastest blocks and of rounds drawn after the timing are compared with
    the reference computed here: a mismatch fails the check (no speed points)."""
    config, ex = ctx.config, ctx.exercise
    seq_len, batch, input_size, hidden = workload
    sequence = ex.kind == "sequence"
    layers = config.speed_layers if sequence else 1
    state = "gru" if ex.kind == "gru" else "lstm"
    sizes = (batch, seq_len, input_size, hidden)
    case = Case(batch=batch, input_size=input_size, hidden_size=hidden, seq_len=seq_len,
                num_layers=layers, seed=SEED)
    common: dict[str, Any] = {"state": state, "device": device, "sizes": sizes, "layers": layers,
              "threads": config.speed_threads, "precision": config.speed_precision}
    runner, own = _baseline_runner(ctx)
    try:
        layout = _layout_at(ctx, case)
        student = ctx.build(case, torch.float32)
        reference: torch.nn.Module | None = None
        if layout is not None:
            reference = ex.reference(case, torch.float32)
            ctx.set_weights(student, layout, reference)
        hardware = ctx.client.speed_setup(student, mode="sequence" if sequence else "cell",
                                          **common)
        base = Client(runner, ctx.client.timeout, ctx.client.budget)
        model = base.build(speedrun.CLASS_NAME, [state, input_size, hidden, layers],
                           torch.float32, seed=SEED)
        base.speed_setup(model, mode="sequence", **common)
        sides = {"reference": _Side(base, getattr(runner, "clocks", lambda: None)(), {}),
                 "student": _Side(ctx.client, getattr(ctx.client.runner, "clocks",
                                                      lambda: None)(), {})}
        cpu, undo = (_pin_together(sides) if device == "cpu" and config.speed_threads == 1
                     else (None, []))
        hardware = {**hardware, "pinned_cpu": cpu}
        try:
            return _rounds(ctx, sides, reference, sizes, layers if sequence else 0,
                           hardware, device)
        finally:
            for restore in undo:
                restore()
    finally:
        if own:
            runner.close()


def _pin_together(sides: dict[str, _Side]) -> tuple[int | None, list[Callable[[], None]]]:
    """(the CPU, how to undo it): both workers on one CPU while they are timed, or (None, [])
    where that cannot be done.

    Their blocks alternate, never overlap, so one CPU serves both. On a machine whose CPUs
    run at different speeds (a virtual machine's vCPUs share their host's cores with other
    guests) two workers left to the scheduler can each settle on a different one for a whole
    grade, and the ratio of the grade is off by the ratio of the two CPUs: over eight grades
    of the speed check alone on the project's 2-vCPU machine, the naive loop's cell measured
    5.86-8.74x unpinned, 7.38-8.32x pinned (median ratios; docs/benchmarks.md). The CPU
    this grader runs on is taken, so that the grades of a batch (``--jobs``), each on the
    CPU the scheduler gave it, rarely share one."""
    if not hasattr(os, "sched_getaffinity"):
        return None, []
    allowed = os.sched_getaffinity(0)
    cpu = current_cpu()
    if cpu not in allowed:
        cpu = min(allowed)
    undo: list[Callable[[], None]] = []
    for side in sides.values():
        restore = getattr(side.clocks, "pin", lambda cpus: None)({cpu})
        if restore is None:
            for done in undo:
                done()
            return None, []
        undo.append(restore)
    return cpu, undo


# Layouts are inferred from Jacobians above this size only at a cost that grows far faster
# than the size (a naive per-gate submission: 0.2 s at 8, 1.5 s at 16, 263 s at 32, measured).
INFER_UP_TO = 16


def _layout_at(ctx: Context, case: Case) -> Any:
    """How to give the submission the reference's weights at the speed check's sizes, or None
    when that would cost too much: the layout the other checks found for these sizes, the
    declared one (names and shapes) when it computes the reference, one the other checks
    inferred at other sizes carried to these (``grader.transfer``), or one inferred from
    Jacobians at small sizes."""
    key = (case.input_size, case.hidden_size, case.num_layers)
    if key in ctx.layouts:
        return ctx.layouts[key]
    probe = Case(batch=3, input_size=case.input_size, hidden_size=case.hidden_size,
                 seq_len=1, num_layers=case.num_layers, seed=99)
    student = ctx.build(probe, torch.float64)
    try:
        declared = infer_layout(student.params, ctx.exercise.reference(probe, torch.float64),
                                ctx.exercise.kind)
    except LayoutError:
        declared = None
    if declared is not None and ctx.computes_target(student, declared, probe):
        ctx.layouts[key] = declared
        return declared
    # A layout the other checks inferred at their sizes, carried to these (and verified).
    moved = ctx.transferred_layout(student, probe)
    if moved is not None:
        ctx.layouts[key] = moved
        return moved
    if max(case.input_size, case.hidden_size) <= INFER_UP_TO:
        try:
            ctx.load(probe)
        except CheckFailed:
            return None
        return ctx.layouts.get(key)
    return None


def _rounds(ctx: Context, sides: dict[str, _Side], reference: torch.nn.Module | None,
            sizes: tuple[int, int, int, int], layers: int, hardware: dict[str, Any],
            device: str) -> Timing:
    config = ctx.config
    batch, _, input_size, hidden = sizes
    numel = batch * max(input_size, hidden)
    timeout = ctx.client.timeout or 30.0
    seeds = iter(range(SEED + 1, SEED + 1_000_000))
    checked: list[tuple[str, int, SpeedBlock]] = []
    single: dict[tuple[str, str], float] = {}
    started = time.perf_counter()
    for phase in PHASES:
        for who, side in sides.items():
            for k in range(WARMUP + 1):
                seed = next(seeds)
                block = side.client.speed_run(side.clocks, seed=seed, number=1,
                                              backward=phase != "forward", reply_numel=numel,
                                              timeout=timeout)
                if who == "student" and k == 0:
                    checked.append((phase, seed, block))
            single[(phase, who)] = block.wall_s
            side.number[phase] = min(MAX_CALLS, max(1, math.ceil(
                MIN_BLOCK_S / max(block.wall_s, 1e-9))))
    per_round = sum(sides[w].number[p] * single[(p, w)] for p, w in single)
    rounds = max(config.speed_min_rounds,
                 min(config.speed_max_rounds, int(config.speed_budget_s / max(per_round, 1e-9))))
    times: dict[str, dict[str, list[float]]] = {
        p: {"reference": [], "student": []} for p in PHASES}
    cpu: dict[str, dict[str, list[float]]] | None = {
        p: {"reference": [], "student": []} for p in PHASES}
    timed: dict[str, list[tuple[int, SpeedBlock]]] = {p: [] for p in PHASES}
    for r in range(rounds):
        for phase in PHASES:
            order = ("reference", "student") if r % 2 == 0 else ("student", "reference")
            seed = next(seeds)
            for who in order:
                side = sides[who]
                # Nothing of the submission's runs while the baseline is timed.
                resume = (getattr(sides["student"].clocks, "stop", lambda: None)()
                          if who == "reference" else None)
                try:
                    block = side.client.speed_run(side.clocks, seed=seed,
                                                  number=side.number[phase],
                                                  backward=phase != "forward",
                                                  reply_numel=numel, timeout=timeout)
                finally:
                    if resume is not None:
                        resume()
                times[phase][who].append(block.wall_s)
                if cpu is not None:
                    if block.cpu_s is None or block.cpu_s <= 0:
                        cpu = None
                    else:
                        cpu[phase][who].append(block.cpu_s)
                if who == "student":
                    timed[phase].append((seed, block))
        if time.perf_counter() - started > timeout / 2:
            break
    # The fastest blocks set the score (``min_ratio``), by either clock: always checked.
    # The others are drawn now, after every reply: no request could know whether it would be.
    draw = random.SystemRandom()
    for phase in PHASES:
        blocks = timed[phase]
        chosen = {min(blocks, key=lambda b: b[1].wall_s)[0]}
        if all(b.cpu_s is not None for _, b in blocks):
            chosen.add(min(blocks, key=lambda b: b[1].cpu_s or 0.0)[0])
        chosen.update(seed for seed, _ in draw.sample(blocks, min(VERIFIED_ROUNDS,
                                                                   len(blocks))))
        checked.extend((phase, seed, block) for seed, block in blocks if seed in chosen)
    if reference is not None:
        _verify(ctx, reference, sizes, layers, checked)
    # With more than one thread, or on a GPU, wall-clock time is the measure.
    if device == "cuda" or config.speed_threads != 1:
        cpu = None
    return Timing(times, len(times["forward"]["student"]), hardware,
                  {f"{p}/{w}": sides[w].number[p] for p in PHASES for w in sides},
                  time.perf_counter() - started, cpu, verified=reference is not None)


def _verify(ctx: Context, reference: torch.nn.Module, sizes: tuple[int, int, int, int],
            layers: int, checked: list[tuple[str, int, SpeedBlock]]) -> None:
    """The checked requests' outputs against the reference (float64, in this process)."""
    ex = ctx.exercise
    # On the GPU when this process has one: the GPU workload's float64 reference takes
    # seconds per call on a CPU.
    where = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    ref = copy.deepcopy(reference).double().to(where)
    loose = ctx.config.speed_precision == "tf32"
    tol = 5e-2 if loose else 1e-3
    for phase, seed, block in checked:
        x0, h0, c0 = (t.double().to(where) for t in speed_inputs(seed, *sizes, layers))

        def call(x: torch.Tensor, h0: torch.Tensor = h0, c0: torch.Tensor = c0
                 ) -> torch.Tensor:
            if ex.kind == "sequence":
                return ex.run_reference(ref, {"x": x, "h": h0, "c": c0})[0]
            hs, h, c = [], h0, c0
            for xt in x.unbind(1):
                step = ex.run_reference(ref, {"x": xt, "h": h, "c": c})
                h, c = step[0], step[-1]
                hs.append(h)
            return torch.stack(hs, 1)

        # The request's chain of calls, as the worker makes it (``speed_next_input``).
        out, grad, x = torch.empty(0), None, x0
        for k in range(block.number):
            if k:
                x = speed_next_input(x0, out, grad)
            x = x.detach().requires_grad_(True)
            out = call(x)
            if phase != "forward":
                (grad,) = torch.autograd.grad(out.sum(), [x], retain_graph=False)
        pairs: list[tuple[str, torch.Tensor, torch.Tensor | None]] = [
            ("output", out[:, -1].detach().cpu(), block.last)]
        if grad is not None:
            pairs.append(("gradient", grad[:, 0].cpu(), block.grad_first))
        for what, want, got in pairs:
            if got is None or tuple(got.shape) != tuple(want.shape) or not torch.allclose(
                    got.to(torch.float64), want, rtol=tol, atol=tol, equal_nan=False):
                diff = ("shape " + str(tuple(got.shape)) if got is not None
                        and tuple(got.shape) != tuple(want.shape) else
                        f"{(got.to(torch.float64) - want).abs().max().item():.3g}"
                        if got is not None else "missing")
                raise CheckFailed(Msg("speed.wrong_output", what=Msg(f"speed.what_{what}"),
                                      phase=_PHASE_NAMES[phase], diff=diff, tol=f"{tol:g}"))


def judge(ctx: Context, timing: Timing, device: str, graded: bool, note: str) -> str | Outcome:
    """Statistics, band, confidence and the student-facing message for one timing."""
    config, ex = ctx.config, ctx.exercise
    times, clock, clock_note = clock_of(timing)
    stats = {phase: phase_stats(times[phase]["reference"], times[phase]["student"])
             for phase in PHASES}
    scored = stats[config.speed_metric]
    bands = bands_for(config, device)
    band = band_of(scored.ratio, bands)
    level, why = confidence(scored, bands)
    other = "forward" if config.speed_metric == "forward_backward" else "forward_backward"
    baseline = "nn.GRU" if ex.kind == "gru" else "nn.LSTM"
    hw = timing.hardware
    seq_len, batch, input_size, hidden = workload_for(config, device)
    where = Msg("speed.where", device_name=hw.get("device_name") or device, device=device,
                threads=hw.get("threads", "?"), precision=hw.get("precision", "float32"))
    if timing.cpu_times is not None:
        where = Msg("speed.where_clock", where=where, clock=Msg(f"speed.clock_{clock}"))
    what = (Msg("speed.what_loop", cls=ex.class_name, steps=seq_len)
            if ex.kind != "sequence" else Msg("speed.what", cls=ex.class_name))
    message = Msg(
        "speed.message", what=what, ratio=f"{scored.ratio:.2f}", baseline=baseline,
        phase=_PHASE_NAMES[config.speed_metric], other_phase=_PHASE_NAMES[other],
        other_ratio=f"{stats[other].ratio:.2f}", where=where, seq_len=seq_len, batch=batch,
        input_size=input_size, hidden=hidden, band=band.label,
        percent=f"{band.fraction:.0%}",
        level=Msg("speed.level_high") if level == "high" else Msg("speed.level_low"), why=why)
    if clock_note is not None:
        message = join(message, clock_note, sep=" ")
    if not timing.verified:
        message = join(message, Msg("speed.unverified"), sep=" ")
    extra: dict[str, Any] = {
        "ratio": round(scored.ratio, 3),
        "speed": {
            "metric": config.speed_metric, "baseline": baseline, "device": device,
            "graded": graded, "band": band.label, "band_fraction": band.fraction,
            "confidence": level, "clock": clock, "outputs_checked": timing.verified,
            **({"busy_share": {who: round(busy_share(timing, who), 3)
                               for who in ("reference", "student")}}
               if timing.cpu_times is not None else {}),
            "workload": {"seq_len": seq_len, "batch": batch, "input_size": input_size,
                         "hidden_size": hidden,
                         "layers": config.speed_layers if ex.kind == "sequence" else 1},
            **{phase: s.as_dict() for phase, s in stats.items()},
            **({"wall_clock": {phase: phase_stats(timing.times[phase]["reference"],
                                                   timing.times[phase]["student"]).as_dict()
                               for phase in PHASES}} if clock == "cpu" else {}),
            "hardware": hw, "calls_per_block": timing.number,
            "timed_s": round(timing.elapsed_s, 3),
        },
    }
    if not graded:
        return Outcome(Msg("speed.not_graded", note=note, message=message),
                       informational=True, extra=extra)
    if band.fraction == 0.0:
        raise CheckFailed(Msg("speed.too_slow", message=message), extra=extra)
    return Outcome(message, fraction=band.fraction, extra=extra)
