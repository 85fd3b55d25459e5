"""Command line: ``lstm-grader {check,grade,demo}``."""

from __future__ import annotations

import argparse
import sys

from grader import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lstm-grader", description=__doc__)
    parser.add_argument("--version", action="version", version=f"lstm-grader {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    del args
    return 0


if __name__ == "__main__":
    sys.exit(main())
