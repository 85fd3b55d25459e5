"""The HTML report's pictures: PNG bytes drawn with matplotlib from ``ExerciseResult.visuals``.

Only plain numbers reach this module (``grader/visuals.py`` measured them from the worker's
replies). matplotlib is imported here, and this module is imported only when an HTML report
is written, so ``check`` without ``--html`` never pays for it. Figures are drawn through the
Agg canvas directly, never through ``pyplot``: no global backend is chosen and no figure is
left open in a long-lived process.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

# Differences smaller than this are numerical noise: the diff map's colour scale never gets
# narrower, so a correct float64 cell (differences ~1e-16) stays white instead of being
# stretched into full colour.
DIFF_FLOOR = 1e-6
DPI = 100


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    # No "Software" entry: the same data gives the same bytes whatever matplotlib wrote it.
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _array(rows: Sequence[Sequence[float | None]]) -> Any:
    return np.array([[math.nan if v is None else float(v) for v in row] for row in rows],
                    dtype=float).reshape(len(rows), -1)


def _limits(*arrays: Any) -> tuple[float, float]:
    values = np.concatenate([a[np.isfinite(a)] for a in arrays]) if arrays else np.array([])
    if values.size == 0:
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def heatmaps(panels: Sequence[dict[str, Any]], title: Callable[[dict[str, Any]], str],
             row_labels: tuple[str, str, str], x_label: str, y_label: str) -> bytes:
    """One column per panel (a gate or a state), rows: yours, the reference's, yours − the
    reference's. Yours and the reference's share one colour scale per column."""
    from matplotlib import colormaps
    from matplotlib.ticker import MaxNLocator

    cols = len(panels)
    # A fixed grid (heat map, its colour bar, a gap) per panel: constrained layout would
    # take most of the drawing time for a figure this regular.
    fig = _figure(max(4.0, 2.95 * cols + 0.7), 6.6)
    grid = fig.add_gridspec(3, 3 * cols, width_ratios=[1.0, 0.06, 0.32] * cols,
                            left=0.7 / fig.get_figwidth(), right=0.99, top=0.95, bottom=0.08,
                            wspace=0.04, hspace=0.12)
    values_cmap = colormaps["viridis"].with_extremes(bad="#d9d9d9")
    diff_cmap = colormaps["RdBu_r"].with_extremes(bad="#d9d9d9")
    first = None
    for j, panel in enumerate(panels):
        mine, ref = _array(panel["student"]), _array(panel["reference"])
        diff = mine - ref
        lo, hi = _limits(mine, ref)
        finite = diff[np.isfinite(diff)]
        span = max(float(np.abs(finite).max()) if finite.size else 0.0, DIFF_FLOOR)
        steps = mine.shape[1]
        extent = (0.5, steps + 0.5, mine.shape[0] - 0.5, -0.5)
        shown = []
        for i, (data, cmap, vmin, vmax) in enumerate(
                [(mine, values_cmap, lo, hi), (ref, values_cmap, lo, hi),
                 (diff, diff_cmap, -span, span)]):
            ax = fig.add_subplot(grid[i, 3 * j], sharex=first, sharey=first)
            first = first or ax
            im = ax.imshow(np.ma.masked_invalid(data), cmap=cmap, vmin=vmin, vmax=vmax,
                           aspect="auto", interpolation="nearest", extent=extent)
            shown.append(im)
            if i == 0:
                ax.set_title(title(panel), fontsize=10)
            if i == 2:
                ax.set_xlabel(x_label, fontsize=8)
            else:
                ax.tick_params(labelbottom=False)
            if j == 0:
                ax.set_ylabel(f"{row_labels[i]}\n{y_label}", fontsize=8)
            else:
                ax.tick_params(labelleft=False)
            ax.tick_params(labelsize=7)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        for rows, im in ((slice(0, 2), shown[0]), (slice(2, 3), shown[2])):
            bar = fig.colorbar(im, cax=fig.add_subplot(grid[rows, 3 * j + 1]))
            bar.ax.tick_params(labelsize=7)
    return _png(fig)


def gradient_norms(series: Sequence[tuple[str, Sequence[float | None], str]], x_label: str,
                   y_label: str, zero_label: str = "") -> bytes:
    """‖∂L/∂x_t‖ per time step on a log scale; one line per (label, values, colour).
    A log scale cannot show 0: exact zeros are drawn as triangles on the bottom edge (labelled
    ``zero_label``), missing values are left out."""
    from matplotlib.transforms import blended_transform_factory

    fig = _figure(7.5, 3.6)
    fig.set_layout_engine("constrained")  # one axes: cheap, and fits the labels
    ax = fig.subplots()
    bottom_edge = blended_transform_factory(ax.transData, ax.transAxes)
    drawn = False
    for label, values, colour in series:
        y = np.array([math.nan if v is None or not v > 0 else float(v) for v in values])
        x = np.arange(1, len(y) + 1)
        if np.isfinite(y).any():
            drawn = True
        ax.plot(x, y, marker="o", markersize=3, linewidth=1.6, label=label, color=colour)
        zeros = [t for t, v in zip(x, values, strict=True) if v is not None and not v > 0]
        if zeros:
            ax.plot(zeros, [0.0] * len(zeros), linestyle="none", marker="v", markersize=6,
                    color=colour, transform=bottom_edge, clip_on=False,
                    label=zero_label or None)
    if drawn:
        ax.set_yscale("log")
    ax.set_xlabel(x_label, fontsize=9)
    ax.set_ylabel(y_label, fontsize=9)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9, loc="lower right")
    ax.tick_params(labelsize=8)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return _png(fig)
