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
from typing import TYPE_CHECKING, Any

from grader.config import GradeConfig
from grader.errors import ConfigError
from grader.files import atomic_write

if TYPE_CHECKING:
    from grader.results import GradeReport
    from grader.rubric import Rubric

_ROOT = Path(__file__).resolve().parent.parent
_PACKAGES = ("grader", "reference", "student_template")
_PROJECT_FILES = ("pyproject.toml", "README.md")
VENV = "/autograder/lstm-grader-venv"
DEFAULT_LIMIT_S = 600.0  # Gradescope's default autograder timeout (10 minutes)
# Seconds of a platform's limit kept for what the grading budget does not cover: starting
# Python and importing torch, choosing the file, writing the results.
RESERVE_S = 60.0  # at most; a quarter of a shorter limit

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu).
set -euo pipefail
here=$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# bubblewrap: the sandbox the grader runs student code in (where the container forbids
# it, each submission runs as a user of its own, under resource limits).
apt-get install -y -q python3 python3-venv python3-pip bubblewrap
python3 -m venv {venv}
{install}"""

# The exact versions the grader was built and tested with, so that an image rebuilt later
# draws the same Hypothesis examples and gives the same grades. torch alone comes from the
# CPU wheel index (the default index would pull a multi-GB CUDA build); the rest of the lock
# from the default index; the grader itself last, without resolving anything again.
INSTALL = """\
py_built={python}
py_here=$({py} -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [[ "$py_here" != "$py_built" ]]; then
  echo "lstm-grader: this image has Python $py_here; the lock was made with Python $py_built," \\
       "so a package that only one of them needs is resolved here, not locked" >&2
fi
{py} -m pip install -q --no-deps "${{TORCH_SPEC:-{torch_spec}}}" \\
    --index-url https://download.pytorch.org/whl/cpu
{py} -m pip install -q -r "$here/{lock}"
"""
LOCK = "requirements.lock"

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission: grade the file in $root/submission and write
# $root/results/results.json. AUTOGRADER_ROOT and LSTM_GRADER_PYTHON override the paths.
set -uo pipefail
root=${{AUTOGRADER_ROOT:-/autograder}}
src="$root/source"
py=${{LSTM_GRADER_PYTHON:-{venv}/bin/python}}
args=(--root "$root" --time-limit {time_limit})
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


# Packages that only a CUDA build of torch needs: a CPU install never does.
_CUDA_ONLY = re.compile(r"^(nvidia-.*|triton|cuda-.*)$")


def runtime_lock() -> list[str]:
    """``name==version`` of every runtime dependency of the grader, as installed in this
    environment (torch's own dependencies included, torch itself not: it is installed from
    the CPU index first), sorted. Markers are evaluated here: a package only another Python
    version needs is not listed (setup.sh says so when the versions differ)."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, str] = {}

    def visit(requirement: str, extra: str = "") -> None:
        req = Requirement(requirement)
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            return
        name = canonicalize_name(req.name)
        if name in found or _CUDA_ONLY.match(name):
            return
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            raise ConfigError(f"{req.name} (needed by the grader) is not installed here, so "
                              f"its version cannot be locked; run scripts/setup, or pip "
                              f"install the project, first") from None
        found[name] = dist.version
        for sub in dist.requires or []:
            for wanted in ("", *sorted(req.extras)):
                visit(sub, wanted)

    for requirement in project_dependencies():
        visit(requirement)
    found.pop("torch", None)
    return [f"{name}=={version}" for name, version in sorted(found.items())]


def project_dependencies() -> list[str]:
    """The ``dependencies`` of the grader's pyproject.toml (the sources the zip ships)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    data = tomllib.loads((_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(data["project"]["dependencies"])


def lock_text() -> str:
    import platform

    from grader import __version__

    return (f"# lstm-grader {__version__}: its runtime dependencies as installed where this "
            f"was built\n# (Python {platform.python_version()}, {_torch_spec()} from "
            f"https://download.pytorch.org/whl/cpu, installed before this file).\n"
            + "".join(f"{line}\n" for line in runtime_lock()))


def install_commands(py: str, package: str | None, lock: str = LOCK) -> str:
    """The shell lines that install torch, the lock and (``package``, a folder) the grader
    into the Python ``py``: setup.sh's, and the PrairieLearn image's, which gets the grader
    from the course's files instead. ``$here`` is the folder holding ``lock`` and
    ``package``."""
    import platform

    python = ".".join(platform.python_version_tuple()[:2])
    lines = INSTALL.format(py=py, torch_spec=_torch_spec(), lock=lock, python=python)
    if package is not None:
        lines += f'{py} -m pip install -q --no-deps "$here/{package}"\n'
    return lines + f"{py} -m pip check\n"


def source_files() -> list[tuple[str, str]]:
    """(relative path, text) of the grader's own sources, the code a package runs: the
    packages and pyproject.toml (no caches, no tests)."""
    files = [(name, (_ROOT / name).read_text(encoding="utf-8"))
             for name in _PROJECT_FILES if (_ROOT / name).is_file()]
    for package in _PACKAGES:
        for path in sorted((_ROOT / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts \
                    and path.suffix in (".py", ".ipynb", ".json", ".md", ".toml"):
                files.append((path.relative_to(_ROOT).as_posix(),
                              path.read_text(encoding="utf-8")))
    return files


def build_zip(rubric: Path | None, out: Path, time_limit: float = DEFAULT_LIMIT_S) -> list[str]:
    """Write the autograder zip to ``out``; returns the names it holds. ``time_limit``: the
    assignment's autograder timeout in Gradescope (seconds), which grading stays under."""
    if rubric is not None:
        from grader.rubric import load_rubric

        load_rubric(rubric)  # refuse a broken rubric now, not on the first student
    within_limit(GradeConfig(), time_limit)  # refuse a limit that is no limit
    names: list[str] = []
    with atomic_write(out, "wb") as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        def add_text(name: str, text: str, executable: bool = False) -> None:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            mode = 0o755 if executable else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)
            names.append(name)

        install = install_commands(f"{VENV}/bin/python", "lstm_grader")
        add_text("setup.sh", SETUP_SH.format(venv=VENV, install=install), True)
        add_text(LOCK, lock_text())
        add_text("run_autograder",
                 RUN_AUTOGRADER.format(venv=VENV, time_limit=f"{time_limit:g}"), True)
        if rubric is not None:
            add_text("rubric.toml", rubric.read_text(encoding="utf-8"))
        for name, text in source_files():
            add_text(f"lstm_grader/{name}", text)
    return names


# -- inside the autograder ------------------------------------------------------------------
def within_limit(config: GradeConfig, limit_s: float) -> GradeConfig:
    """``config`` with its per-submission time budget below the platform's limit, so that the
    grader, not the platform, stops a slow submission and the student still gets results.

    The budget is ``submission_timeout_s``, the engine's wall-clock budget for one
    submission (a rubric setting), which covers the worker's start-up, the checks and the
    reports (grader.engine keeps a tenth of it, at most 10 s, for stopping and reporting);
    ``RESERVE_S`` covers starting this Python and importing the grader.
    """
    if not limit_s > 0:
        raise ConfigError(f"the platform's time limit must be a positive number of seconds, "
                          f"got {limit_s!r}")
    budget = limit_s - min(RESERVE_S, limit_s / 4)
    return config.with_(submission_timeout_s=min(config.submission_timeout_s, budget))


def _fallback(message: str) -> dict[str, Any]:
    return {"score": 0.0, "execution_time": 1, "output": message, "output_format": "md",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": []}


def grade_upload(folder: Path, rubric: Rubric, time_limit: float
                 ) -> tuple[GradeReport | None, str]:
    """Grade the file chosen in ``folder`` (``grader.batch.choose_file``) with the rubric,
    within ``time_limit``: (the report, "") or (None, why there is none)."""
    from grader.batch import choose_file

    path, why = choose_file(folder, rubric.exercises)
    if path is None:
        return None, why
    from grader.engine import grade  # torch: only when there is something to grade

    report = grade(path, rubric.exercises, within_limit(rubric.config, time_limit))
    report.submission = path.name
    return report, ""


def run(root: Path, rubric_path: Path | None, time_limit: float = DEFAULT_LIMIT_S) -> int:
    """Grade ``root/submission`` into ``root/results/results.json``; always writes it."""
    results = root / "results" / "results.json"
    try:
        from grader.reports import gradescope
        from grader.rubric import load_rubric

        report, why = grade_upload(root / "submission", load_rubric(rubric_path), time_limit)
        data = _fallback(f"Nothing was graded: {why}.") if report is None \
            else gradescope.to_dict(report)
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
    p.add_argument("--time-limit", type=float, default=DEFAULT_LIMIT_S, metavar="SECONDS",
                   help="the assignment's autograder timeout set in Gradescope (default 600); "
                        "grading stops a minute before it, so results are always written")


def command(args: Any) -> int:
    names = build_zip(args.rubric, args.out, args.time_limit)
    print(f"lstm-grader: Gradescope autograder ({len(names)} files) -> {args.out}; upload it "
          f"under the assignment's Configure Autograder > Zip file upload")
    return 0


def platform_main(argv: list[str] | None, prog: str, what: str, root: Path,
                  limit: float, run: Any) -> int:
    """``python -m PROG run --root DIR [--rubric FILE] [--time-limit S]``: the command a
    platform's entrypoint runs (``run(root, rubric, time_limit)``)."""
    parser = argparse.ArgumentParser(prog=f"python -m {prog}")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help=f"grade ROOT/{what} into ROOT/results/results.json")
    r.add_argument("--root", type=Path, default=root)
    r.add_argument("--rubric", type=Path, default=None)
    r.add_argument("--time-limit", type=float, default=limit)
    args = parser.parse_args(argv)
    return int(run(args.root, args.rubric, args.time_limit))


def main(argv: list[str] | None = None) -> int:
    """``python -m grader.autograder run --root DIR [--rubric FILE]`` (run_autograder)."""
    return platform_main(argv, "grader.autograder", "submission", Path("/autograder"),
                         DEFAULT_LIMIT_S, run)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ConfigError as exc:  # pragma: no cover - run() catches its own errors
        print(f"lstm-grader: {exc}", file=sys.stderr)
        sys.exit(2)
