"""Turning a notebook submission into Python source, without running anything."""

from __future__ import annotations

import nbformat

from grader.errors import ConfigError


def notebook_source(text: str) -> tuple[str, list[int]]:
    """The code cells joined, with IPython magics and shell lines commented out.

    Returns the source and, for each line, the number of the cell it came from (1-based) so
    that errors can point to the cell.
    """
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:
        raise ConfigError(f"not a readable notebook: {exc}") from None
    lines: list[str] = []
    cells: list[int] = []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            stripped = line.lstrip()
            if stripped.startswith(("%", "!")) or stripped.startswith("?"):
                line = "# (not run by the grader) " + line
            lines.append(line)
            cells.append(number)
        lines.append("")
        cells.append(number)
    return "\n".join(lines) + "\n", cells
