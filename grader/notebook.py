"""Turning a notebook submission into Python source, without running anything here.

By default only what defines the submission is kept: imports, function and class
definitions, and constants (names bound to literals). Cells that train, plot or print are
skipped and listed in the report; ``all_cells=True`` keeps every code cell (they then run in
the worker, under the same limits). IPython magics and shell lines are never executed: line
magics and ``!`` lines are commented out, cells with a cell magic (``%%bash``...) are skipped,
and so is the cell that imports the grader to check the notebook (``from grader import check``).
Every line of the result remembers its cell, so errors can point to the cell.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

import nbformat

from grader.errors import UnreadableNotebook
from grader.i18n import Msg

_FUTURE = re.compile(r"^from\s+__future__\s+import\s+")
_KEEP = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass
class NotebookSource:
    source: str
    origin: list[tuple[int, int]]                 # per line: (cell number, line in cell)
    skipped: list[str] = field(default_factory=list)  # "cell 4 (training loop...)"

    def cell_of(self, line: int | None) -> tuple[int, int] | None:
        """(cell number, line in cell) of a line of the joined source, when it has one."""
        if line is not None and 1 <= line <= len(self.origin):
            return self.origin[line - 1]
        return None

    def where(self, line: int) -> str:
        found = self.cell_of(line)
        return f"cell {found[0]}, line {found[1]}" if found else f"line {line}"

    def where_msg(self, line: int | None) -> Msg:
        """The same place, as the student-facing message of a syntax error says it."""
        found = self.cell_of(line)
        return Msg("where.cell", cell=found[0], line=found[1]) if found else \
            Msg("where.line", line=line)

    def relabel(self, text: str, filename: str) -> str:
        """Rewrite 'File "x.ipynb", line N' (and 'line N' of syntax errors) to cells."""
        pattern = re.compile(rf'(File "{re.escape(filename)}", )line (\d+)')
        return pattern.sub(lambda m: m[1] + self.where(int(m[2])), text)


def _is_constant(node: ast.stmt) -> bool:
    value = getattr(node, "value", None)
    if not isinstance(node, ast.Assign | ast.AnnAssign) or value is None:
        return False
    try:
        ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and \
        isinstance(node.value.value, str)


# `from grader import check`, `import grader`, `from grader.interactive import ...`
_IMPORTS_GRADER = re.compile(r"^\s*(from\s+grader(\.\w+)*\s+import\b|import\s+grader\b)")


def _is_check_cell(lines: list[str]) -> bool:
    """The cell that checks the notebook (``from grader import check; check(...)``): never
    part of the submission, in any mode. The grader is not importable in its sandbox, and
    with ``all_cells`` the worker would otherwise run the check itself."""
    return any(_IMPORTS_GRADER.match(line) for line in lines)


def _describe_skipped(lines: list[str]) -> str:
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    return first[:60] + ("…" if len(first) > 60 else "")


def notebook_source(text: str, all_cells: bool = False) -> NotebookSource:
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:
        raise UnreadableNotebook(str(exc)) from None
    out_lines: list[str] = []
    origin: list[tuple[int, int]] = []
    skipped: list[str] = []
    # `from __future__` imports must come first in a file: hoist them from every cell.
    future: list[tuple[str, tuple[int, int]]] = []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        raw = cell.source.splitlines()
        if raw and raw[0].lstrip().startswith("%%"):
            skipped.append(f"cell {number} (cell magic {raw[0].split()[0]})")
            continue
        if _is_check_cell(raw):
            skipped.append(f"cell {number} (lstm-grader's check cell)")
            continue
        lines = [("# (not run by the grader) " + ln if ln.lstrip().startswith(("%", "!", "?"))
                  else ln) for ln in raw]
        keep = list(range(len(lines)))
        if not all_cells:
            try:
                tree = ast.parse("\n".join(lines))
            except SyntaxError:
                tree = None  # keep it whole: the syntax error is reported against this cell
            if tree is not None:
                keep = []
                dropped: list[str] = []
                for node in tree.body:
                    first = min([node.lineno] + [d.lineno for d in
                                                 getattr(node, "decorator_list", [])])
                    span = range(first - 1, node.end_lineno or node.lineno)
                    if isinstance(node, _KEEP) or _is_constant(node) or _is_docstring(node):
                        keep.extend(i for i in span if i >= 0)
                    else:
                        dropped.extend(lines[i] for i in span if 0 <= i < len(lines))
                if dropped:
                    skipped.append(f"cell {number} ({_describe_skipped(dropped)})")
                keep = sorted(set(keep))
        for i in keep:
            if _FUTURE.match(lines[i]):
                future.append((lines[i].strip(), (number, i + 1)))
                continue
            out_lines.append(lines[i])
            origin.append((number, i + 1))
        out_lines.append("")
        origin.append((number, len(lines) + 1))
    out_lines = [line for line, _ in future] + out_lines
    origin = [where for _, where in future] + origin
    return NotebookSource("\n".join(out_lines) + "\n", origin, skipped)
