"""Gradescope autograder: ``lstm-grader gradescope`` builds the zip; ``run`` grades in it.

The zip holds, at its root (Gradescope unpacks it to ``/autograder/source``):

- ``setup.sh``: run once when Gradescope builds the image (Ubuntu, as root): apt installs
  Python and bubblewrap; a venv at ``/autograder/lstm-grader-venv`` gets torch from the CPU
  wheel index (no CUDA download) and then the grader with its dependencies;
- ``run_autograder``: run for each submission; grades the file chosen in
  ``/autograder/submission`` and writes ``/autograder/results/results.json``;
- ``rubric.toml``: the rubric given to ``lstm-grader gradescope`` (absent: the built-in one);
- ``lstm_grader/``: the grader's own sources (``grader``, ``reference``, ``student_template``,
  ``pyproject.toml``), used through ``PYTHONPATH`` so the zip grades with exactly the code
  it was built from.

``run_autograder`` reads two environment variables, for tests and for running it elsewhere:
``AUTOGRADER_ROOT`` (default ``/autograder``) and ``LSTM_GRADER_PYTHON`` (default the
venv's python made by setup.sh). Whatever happens, even a fault in the grader, a
``results.json`` is written.
"""

from __future__ import annotations

import argparse
import json
import re
import stat
import sys
import traceback
import zipfile
from pathlib import Path
from typing import Any

from grader.errors import ConfigError
from grader.files import atomic_write

_ROOT = Path(__file__).resolve().parent.parent
_PACKAGES = ("grader", "reference", "student_template")
_PROJECT_FILES = ("pyproject.toml", "README.md")
VENV = "/autograder/lstm-grader-venv"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu).
set -euo pipefail
here=$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# bubblewrap: the sandbox the grader runs student code in (it falls back to rlimits and
# user nobody where the container forbids it).
apt-get install -y -q python3 python3-venv python3-pip bubblewrap
python3 -m venv {venv}
# torch from the CPU wheel index: the default index would pull a multi-GB CUDA build.
{venv}/bin/pip install -q "${{TORCH_SPEC:-{torch_spec}}}" \\
    --index-url https://download.pytorch.org/whl/cpu
{venv}/bin/pip install -q "$here/lstm_grader"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission: grade the file in $root/submission and write
# $root/results/results.json. AUTOGRADER_ROOT and LSTM_GRADER_PYTHON override the paths.
set -uo pipefail
root=${{AUTOGRADER_ROOT:-/autograder}}
src="$root/source"
py=${{LSTM_GRADER_PYTHON:-{venv}/bin/python}}
args=(--root "$root")
if [[ -f "$src/rubric.toml" ]]; then
  args+=(--rubric "$src/rubric.toml")
fi
export PYTHONPATH="$src/lstm_grader${{PYTHONPATH:+:$PYTHONPATH}}"
exec "$py" -m grader.autograder run "${{args[@]}}"
"""


def _torch_spec() -> str:
    import torch

    version = re.match(r"\d+\.\d+(\.\d+)?", torch.__version__)
    return f"torch=={version[0]}" if version else "torch"


def build_zip(rubric: Path | None, out: Path) -> list[str]:
    """Write the autograder zip to ``out``; returns the names it holds."""
    if rubric is not None:
        from grader.rubric import load_rubric

        load_rubric(rubric)  # refuse a broken rubric now, not on the first student
    names: list[str] = []
    with atomic_write(out, "wb") as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        def add_text(name: str, text: str, executable: bool = False) -> None:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            mode = 0o755 if executable else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)
            names.append(name)

        add_text("setup.sh", SETUP_SH.format(venv=VENV, torch_spec=_torch_spec()), True)
        add_text("run_autograder", RUN_AUTOGRADER.format(venv=VENV), True)
        if rubric is not None:
            add_text("rubric.toml", rubric.read_text(encoding="utf-8"))
        for name in _PROJECT_FILES:
            if (_ROOT / name).is_file():
                add_text(f"lstm_grader/{name}", (_ROOT / name).read_text(encoding="utf-8"))
        for package in _PACKAGES:
            for path in sorted((_ROOT / package).rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts \
                        and path.suffix in (".py", ".ipynb", ".json", ".md", ".toml"):
                    rel = path.relative_to(_ROOT).as_posix()
                    add_text(f"lstm_grader/{rel}", path.read_text(encoding="utf-8"))
    return names


# -- inside the autograder ------------------------------------------------------------------
def _fallback(message: str) -> dict[str, Any]:
    return {"score": 0.0, "execution_time": 1, "output": message, "output_format": "md",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": []}


def run(root: Path, rubric_path: Path | None) -> int:
    """Grade ``root/submission`` into ``root/results/results.json``; always writes it."""
    results = root / "results" / "results.json"
    try:
        from grader.batch import choose_file
        from grader.engine import grade
        from grader.reports import gradescope
        from grader.rubric import load_rubric

        rubric = load_rubric(rubric_path)
        path, why = choose_file(root / "submission", rubric.exercises)
        if path is None:
            data = _fallback(f"Nothing was graded: {why}.")
        else:
            report = grade(path, rubric.exercises, rubric.config)
            report.submission = path.name
            data = gradescope.to_dict(report)
    except Exception as exc:
        traceback.print_exc()
        data = _fallback(
            f"The autograder itself failed ({type(exc).__name__}: {exc}); this is not a "
            f"problem with your code. Please tell your instructor.")
    _write_json(results, data)
    print(f"lstm-grader: {data['score']:g} -> {results}")
    return 0


def _write_json(path: Path, data: dict[str, Any]) -> None:
    with atomic_write(path) as stream:
        json.dump(data, stream, indent=2, ensure_ascii=False, allow_nan=False)
        stream.write("\n")


# -- command line ---------------------------------------------------------------------------
def add_parser(sub: Any) -> None:
    p = sub.add_parser("gradescope", help="build a Gradescope autograder zip")
    p.add_argument("--rubric", type=Path, default=None,
                   help="rubric TOML file to grade with (default: the built-in rubric)")
    p.add_argument("--out", type=Path, default=Path("autograder.zip"),
                   help="where to write the zip (default ./autograder.zip)")


def command(args: Any) -> int:
    names = build_zip(args.rubric, args.out)
    print(f"lstm-grader: Gradescope autograder ({len(names)} files) -> {args.out}; upload it "
          f"under the assignment's Configure Autograder > Zip file upload")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m grader.autograder run --root DIR [--rubric FILE]`` (run_autograder)."""
    parser = argparse.ArgumentParser(prog="python -m grader.autograder")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="grade ROOT/submission into ROOT/results/results.json")
    r.add_argument("--root", type=Path, default=Path("/autograder"))
    r.add_argument("--rubric", type=Path, default=None)
    args = parser.parse_args(argv)
    return run(args.root, args.rubric)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ConfigError as exc:  # pragma: no cover - run() catches its own errors
        print(f"lstm-grader: {exc}", file=sys.stderr)
        sys.exit(2)
