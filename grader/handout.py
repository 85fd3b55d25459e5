"""``lstm-grader handout``: the student files for the chosen exercises.

The handout (``student_template/lstm_cell.py``) holds every exercise's class; this writes a
copy with only the chosen exercises' classes (and the classes they build on: ``LSTM`` is
made of ``LSTMCell``s), its notebook form (built by ``student_template.make_notebook``, ending
with a cell that checks those exercises through ``grader.check``) and ``CHECK.txt`` with the
command lines and the notebook call students use to check their work locally.
"""

from __future__ import annotations

import argparse
import ast
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from grader.errors import ConfigError
from grader.exercises import DEFAULT_EXERCISES, EXERCISES

__all__ = ["Handout", "add_parser", "build_handout", "command", "write_handout"]

STEM = "lstm_cell"  # the lesson's file name; the notebook's check lines name it too
_CHECK_SECTION = "Check your work locally"


@dataclass(frozen=True)
class Handout:
    exercises: tuple[str, ...]
    classes: tuple[str, ...]      # in the handout's order, dependencies included
    source: str                   # the .py
    notebook: str                 # the .ipynb (nbformat 4 JSON)
    check_txt: str


def _template() -> Path:
    import student_template

    return Path(student_template.__file__).resolve().parent / f"{STEM}.py"


def check_command(exercises: tuple[str, ...], filename: str) -> str:
    return f"lstm-grader check {filename} " + " ".join(f"--exercise {e}" for e in exercises)


_NOTEBOOK_CHECK = ("In a notebook (Jupyter, Colab), with these classes in its cells, check from "
                   "a cell:")


def notebook_check(exercises: tuple[str, ...]) -> str:
    """What a notebook cell runs to check ``exercises`` (``grader.check``)."""
    from student_template import make_notebook

    return f"from grader import check; {make_notebook.check_call(exercises)}"


def build_handout(exercises: tuple[str, ...] | list[str], template: Path | None = None
                  ) -> Handout:
    """The handout's files for ``exercises``, as text."""
    from student_template import make_notebook

    exercises = tuple(dict.fromkeys(exercises))
    for e in exercises:
        if e not in EXERCISES:
            raise ConfigError(f"unknown exercise {e!r}; choose from {', '.join(EXERCISES)}")
    template = template or _template()
    text = template.read_text(encoding="utf-8")
    _docstring, _preamble, classes = make_notebook.split_source(text)
    defined = dict(classes)
    wanted = [EXERCISES[e].class_name for e in exercises]
    missing = [c for c in wanted if c not in defined]
    if missing:
        raise ConfigError(f"the handout {template} has no class {', '.join(missing)}; add "
                          f"it there (and to SECTIONS in student_template/make_notebook.py)")
    keep = _with_dependencies(wanted, defined)
    source = _assemble(text, keep, exercises)
    compile(source, f"{STEM}.py", "exec")  # a handout that does not parse is our bug
    from tempfile import TemporaryDirectory

    with TemporaryDirectory(prefix="lstm-grader-handout-") as tmp:
        py = Path(tmp) / f"{STEM}.py"
        py.write_text(source, encoding="utf-8")
        notebook = make_notebook.render(make_notebook.build_notebook(py, exercises))
    order = tuple(name for name, _ in classes if name in keep)
    return Handout(exercises, order, source, notebook, _check_txt(exercises, order))


def _with_dependencies(wanted: list[str], defined: dict[str, str]) -> set[str]:
    """``wanted`` and every handout class their source refers to, transitively."""
    keep: set[str] = set()
    todo = list(wanted)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        used = {n.id for n in ast.walk(ast.parse(defined[name])) if isinstance(n, ast.Name)}
        todo.extend(sorted(used & set(defined) - keep))
    return keep


def _assemble(text: str, keep: set[str], exercises: tuple[str, ...]) -> str:
    """The template's text with only the kept classes and a docstring about them."""
    tree = ast.parse(text)
    lines = text.splitlines()
    doc_node, body = tree.body[0], tree.body[1:]
    first_class = next(k for k, n in enumerate(body) if isinstance(n, ast.ClassDef))
    end_doc = doc_node.end_lineno or doc_node.lineno
    docstring = _docstring("\n".join(lines[:end_doc]), exercises, keep)
    preamble = "\n".join(lines[end_doc:_start(body[first_class]) - 1]).strip("\n")
    parts = [docstring, "", preamble]
    previous_end = _start(body[first_class]) - 1
    for node in body[first_class:]:
        end = node.end_lineno or node.lineno
        if isinstance(node, ast.ClassDef) and node.name in keep:
            parts += ["", "", "\n".join(lines[previous_end:end]).strip("\n")]
        previous_end = end
    return "\n".join(parts) + "\n"


def _start(node: ast.stmt) -> int:
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])


def _docstring(doc: str, exercises: tuple[str, ...], keep: set[str]) -> str:
    """The module docstring: table rows of other classes dropped, check lines for these."""
    names = {EXERCISES[e].class_name: e for e in EXERCISES}
    out = []
    for line in doc.splitlines():
        row = re.match(r"^\|\s*`(\w+)`\s*\|\s*`(\w+)`", line)
        if row and row[2] in names and row[2] not in keep:
            continue
        out.append(line)
    doc = "\n".join(out)
    cut = doc.find(_CHECK_SECTION)
    body = (doc[:cut] if cut >= 0 else doc.rstrip().removesuffix('"""')).rstrip()
    order = [e for e in EXERCISES if EXERCISES[e].class_name in keep]
    one_at_a_time = (f"or one exercise at a time, e.g. `--exercise {order[0]}`. "
                     if len(order) > 1 else "")
    tail = textwrap.fill(f"{one_at_a_time}Exercises in this file: "
                         f"{', '.join(f'`{e}`' for e in order)}.", width=92)
    return (f"{body}\n\n{_CHECK_SECTION} before you submit:\n\n"
            f"    {check_command(exercises, STEM + '.py')}\n\n{tail}\n\n"
            f"{_NOTEBOOK_CHECK}\n\n    {notebook_check(exercises)}\n\"\"\"")


def _check_txt(exercises: tuple[str, ...], classes: tuple[str, ...]) -> str:
    listed = "\n".join(f"  {e:<10} class {EXERCISES[e].class_name}" for e in exercises)
    extra = sorted(set(classes) - {EXERCISES[e].class_name for e in exercises})
    needs = (f"\nAlso in the file, because the exercises above build on it: "
             f"{', '.join(extra)}.\n" if extra else "")
    return f"""Your files: {STEM}.py (or the same exercises as a notebook, {STEM}.ipynb).
Write the forward method of each class; do not rename, add or remove parameters.

Exercises:
{listed}
{needs}
Check your work locally before you submit, in the course's environment (where
lstm-grader is installed):

    {check_command(exercises, STEM + '.py')}
    {check_command(exercises, STEM + '.ipynb')}

In the notebook (Jupyter, Colab), run its last cell, which does:

    {notebook_check(exercises)}

It prints every check with PASS or FAIL and, for each failure, what is wrong, the smallest
failing example and a hint. It exits 0 when everything passed. Some checks may be hidden:
they run only when your work is graded.
"""


def write_handout(handout: Handout, out: Path, force: bool = False) -> list[Path]:
    """Write the handout's files into ``out``; refuse to overwrite unless ``force``."""
    files = {out / f"{STEM}.py": handout.source, out / f"{STEM}.ipynb": handout.notebook,
             out / "CHECK.txt": handout.check_txt}
    existing = [p for p in files if p.exists()]
    if existing and not force:
        raise ConfigError(f"{', '.join(map(str, existing))} already "
                          f"{'exists' if len(existing) == 1 else 'exist'}; pass --force to "
                          f"overwrite them, or choose another --out folder")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; pass a folder")
    out.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8", newline="\n")
    return list(files)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("handout", help="write the student files for chosen exercises",
                       description="Write the handout (.py and .ipynb) with only the chosen "
                                   "exercises' classes, and CHECK.txt with the students' "
                                   "local check command.")
    p.add_argument("--exercise", action="extend", nargs="+", choices=sorted(EXERCISES),
                   help="exercises to hand out (repeatable); default: "
                        + " and ".join(DEFAULT_EXERCISES))
    p.add_argument("--out", type=Path, required=True, help="the folder to write into")
    p.add_argument("--force", action="store_true", help="overwrite existing files")


def command(args: argparse.Namespace) -> int:
    handout = build_handout(tuple(args.exercise or DEFAULT_EXERCISES))
    written = write_handout(handout, args.out, args.force)
    print(f"lstm-grader: handout for {', '.join(handout.exercises)} (classes "
          f"{', '.join(handout.classes)}) written: " + ", ".join(str(p) for p in written))
    print("students check their work with: "
          + check_command(handout.exercises, STEM + ".py"))
    return 0
