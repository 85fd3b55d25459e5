"""speed: the submission against PyTorch's own module (nn.LSTM; nn.GRU for the GRU cell) with
the same sizes, on the same device, in the same run.

The worker times both, interleaved, and returns raw per-block times (``Client.time``); this
module does the statistics, which are pure functions of those numbers (unit-tested with
synthetic timings in tests/test_speed.py and tests/test_speed_clock.py):

- each round times one block of the reference and one of the student, back to back in
  alternating order, so the per-round ratio student/reference cancels slow drifts of the
  machine (another process, frequency scaling);
- on the CPU with one thread (the default), blocks are timed in CPU seconds of the timing
  thread (``clock_of``): time spent waiting for a core while other processes run is
  wall-clock time but not CPU time, so on a busy machine the CPU-time ratio stays put where
  the wall-clock ratio wanders (docs/benchmarks.md). Wall-clock time is scored instead when
  the submission's blocks kept that thread less than half as busy as the reference's did (it
  waited for work done elsewhere: another thread or process, a sleep), with more threads,
  and on a GPU (CUDA events);
- the ratio is the median of the per-round ratios; its confidence interval comes from order
  statistics (distribution-free, ~95%); the spread is the interval's relative half-width;
- the scored ratio (forward+backward by default) falls into a band of the rubric
  (``speed_cpu_bands`` / ``speed_gpu_bands``: largest ratio -> fraction of the points);
  the confidence is "high" when the whole interval lies in that band, so a regrade lands in
  the same band, and "low" (with the edge it straddles) otherwise.

On a machine without a GPU the rubric decides (``speed_mode``): ``auto`` (the default) grades
on a GPU and reports the CPU ratio for information only (0 points, never failed for the lack
of a GPU); ``graded`` grades the CPU ratio with the CPU bands.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from grader.checks.base import CheckFailed, Context, Outcome, check
from grader.client import Timing
from grader.config import GradeConfig
from grader.i18n import Msg, join

PHASES = ("forward", "forward_backward")
_PHASE_NAMES = {"forward": "forward", "forward_backward": "forward+backward"}  # as in code


# -- statistics (pure) -------------------------------------------------------------------------
@dataclass(frozen=True)
class PhaseStats:
    """Student vs reference for one phase: the median per-round ratio and its interval."""

    ratio: float          # median of the per-round ratios student / reference
    low: float            # distribution-free interval for that median
    high: float
    coverage: float       # the interval's confidence level (about 0.95 from 9 rounds on)
    spread: float         # relative half-width of the interval: (high - low) / (2 ratio)
    reference_s: float    # median seconds per call
    student_s: float
    rounds: int

    def as_dict(self) -> dict[str, Any]:
        return {"ratio": round(self.ratio, 3), "interval": [round(self.low, 3),
                                                           round(self.high, 3)],
                "coverage": round(self.coverage, 3), "spread": round(self.spread, 4),
                "reference_ms": round(self.reference_s * 1e3, 4),
                "student_ms": round(self.student_s * 1e3, 4), "rounds": self.rounds}


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of no values")
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def _binom_cdf_half(k: int, n: int) -> float:
    """P(Binomial(n, 1/2) <= k)."""
    return sum(math.comb(n, i) for i in range(k + 1)) / 2.0 ** n


def median_interval(values: Sequence[float], level: float = 0.95
                    ) -> tuple[float, float, float]:
    """(low, high, coverage): order statistics x_(k), x_(n-k+1) that hold the median with
    probability ``coverage`` >= ``level`` whatever the distribution; with too few values for
    ``level``, the extremes and their (lower) coverage."""
    s = sorted(values)
    n = len(s)
    if n == 0:
        raise ValueError("interval of no values")
    alpha = 1.0 - level
    k = 0
    while k + 1 <= n // 2 and _binom_cdf_half(k, n) <= alpha / 2:
        k += 1
    k = max(k, 1)
    coverage = 1.0 - 2.0 * _binom_cdf_half(k - 1, n)
    return s[k - 1], s[n - k], coverage


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
    ratios = paired_ratios(reference, student)
    ratio = median(ratios)
    low, high, coverage = median_interval(ratios)
    return PhaseStats(ratio, low, high, coverage, (high - low) / (2 * ratio),
                      median(reference), median(student), len(ratios))


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
    """("high" | "low", why): high when the whole interval lies in the ratio's band."""
    band = band_of(stats.ratio, bands)
    lo, hi = band_of(stats.low, bands), band_of(stats.high, bands)
    interval = Msg("speed.interval", coverage=round(stats.coverage * 100),
                   low=f"{stats.low:.2f}", high=f"{stats.high:.2f}", rounds=stats.rounds)
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
    config, ex = ctx.config, ctx.exercise
    planned = planned_device(config)
    device, note = planned, ""
    if planned == "cuda" and not ctx.client.devices()["cuda"]:
        device, note = "cpu", Msg("speed.no_gpu")
    seq_len, batch, input_size, hidden = workload_for(config, device)
    sequence = ex.kind == "sequence"
    args = [input_size, hidden] + ([config.speed_layers] if sequence else [])
    timing = ctx.client.time(
        ex.class_name, args, workload=(seq_len, batch, input_size, hidden),
        mode="sequence" if sequence else "cell", baseline="gru" if ex.kind == "gru" else "lstm",
        device=device, layers=config.speed_layers if sequence else 1,
        threads=config.speed_threads, budget_s=config.speed_budget_s,
        min_rounds=config.speed_min_rounds, max_rounds=config.speed_max_rounds,
        precision=config.speed_precision)
    graded = is_graded(config, device) and device == planned
    if not note and not graded:
        note = (Msg("speed.gpu_only") if config.speed_mode == "auto"
                else Msg("speed.informational"))
    return judge(ctx, timing, device, graded, note)


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
    extra: dict[str, Any] = {
        "ratio": round(scored.ratio, 3),
        "speed": {
            "metric": config.speed_metric, "baseline": baseline, "device": device,
            "graded": graded, "band": band.label, "band_fraction": band.fraction,
            "confidence": level, "clock": clock,
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
