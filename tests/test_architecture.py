"""The architecture's one rule, kept true by reading the imports (no code is run)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_worker_imports_no_grading_logic_no_reference_and_no_hypothesis() -> None:
    for name in ("_worker.py", "protocol.py"):
        found = imports(ROOT / "grader" / name)
        assert not found & {"grader", "reference", "hypothesis"}, (name, found)


def test_reference_imports_only_torch_and_itself() -> None:
    stdlib_ok = {"__future__", "math", "collections", "dataclasses", "types", "typing"}
    for path in (ROOT / "reference").glob("*.py"):
        assert imports(path) <= {"torch", "reference"} | stdlib_ok, path


def test_only_the_sandbox_reaches_the_worker_module() -> None:
    for path in (ROOT / "grader").rglob("*.py"):
        if path.name in ("_worker.py", "sandbox.py"):
            continue
        assert "_worker" not in path.read_text(encoding="utf-8"), path


def test_the_grading_side_never_unpickles() -> None:
    for path in (ROOT / "grader").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "pickle" not in imports(path), path
        assert "torch.load(" not in text, path
