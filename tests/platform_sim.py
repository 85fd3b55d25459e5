"""Run the command line as if on Windows or macOS, on Linux (the portable runner's tests).

    python tests/platform_sim.py windows|macos [lstm-grader arguments...]

What each simulated platform lacks, in the grader and in its workers alike:

- windows: the modules ``resource``, ``fcntl`` and ``termios`` (imports fail), ``os.geteuid``,
  ``os.getuid``, ``os.killpg``, ``os.getpgid``, ``os.setsid``, ``os.setuid``, ``os.setgid`` and
  ``os.setgroups``; ``/proc`` and ``/sys`` (the grader's own reads of them fail; psutil, which
  stands for the platform's process API, keeps its own);
- macos: ``resource.RLIMIT_MSGQUEUE``, and ``setrlimit(RLIMIT_AS)`` fails with EINVAL;
  ``/proc`` and ``/sys`` as above.

Both: no bubblewrap, cgroups or prctl (``grader.portable.LINUX`` is false). Workers start
through this same file (a wrapper stands in for ``sys.executable``), so what they import is
checked too. What cannot be simulated here: Windows' own process creation, pipes and
handles (this still runs Linux's), and macOS's real kernel.
"""

from __future__ import annotations

import builtins
import errno
import importlib.abc
import io
import os
import runpy
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

_BLOCKED = {"windows": ("resource", "fcntl", "termios"), "macos": ()}
_OS_MISSING = {"windows": ("geteuid", "getuid", "killpg", "getpgid", "setsid", "setuid",
                           "setgid", "setgroups"), "macos": ()}


class _Blocker(importlib.abc.MetaPathFinder):
    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name in self.names:
            raise ModuleNotFoundError(f"No module named {name!r} (simulated platform)")
        return None


def _fake_macos_resource() -> types.ModuleType:
    import resource as real

    fake = types.ModuleType("resource")
    fake.__dict__.update({k: v for k, v in vars(real).items() if k != "RLIMIT_MSGQUEUE"})

    def setrlimit(which: int, limits: tuple[int, int]) -> None:
        if which == real.RLIMIT_AS:
            raise OSError(errno.EINVAL, "Invalid argument")
        real.setrlimit(which, limits)

    fake.setrlimit = setrlimit  # type: ignore[attr-defined]
    return fake


_HELPERS = ("pathlib", "os", "posixpath", "genericpath", "shutil", "io", "tempfile")


def _from_grader() -> bool:
    """Whether the grader's own code (the first caller past the standard library's file
    helpers) is asking; psutil, torch and the rest keep their own reads."""
    frame: Any = sys._getframe(2)
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if name.split(".")[0] not in _HELPERS:
            return name.startswith("grader") or frame.f_code.co_filename.endswith(
                ("_worker.py", "_lstm_grader_protocol.py"))
        frame = frame.f_back
    return False


def _hide_proc() -> None:
    def guard(fn: Any) -> Any:
        def wrapper(path: Any, *args: Any, **kwargs: Any) -> Any:
            text = os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else ""
            if text.startswith(("/proc", "/sys")) and _from_grader():
                raise FileNotFoundError(errno.ENOENT, "no such file (simulated platform)",
                                        text)
            return fn(path, *args, **kwargs)

        return wrapper

    builtins.open = io.open = guard(io.open)  # type: ignore[assignment]
    for name in ("open", "listdir", "scandir", "stat", "access"):
        setattr(os, name, guard(getattr(os, name)))


def simulate(platform: str) -> None:
    # psutil stands for the platform's own process API: its Linux backend loads first.
    import psutil  # noqa: F401

    sys.meta_path.insert(0, _Blocker(_BLOCKED[platform]))
    for name in _BLOCKED[platform]:
        sys.modules.pop(name, None)
    if platform == "macos":
        sys.modules["resource"] = _fake_macos_resource()
    for name in _OS_MISSING[platform]:
        if hasattr(os, name):
            delattr(os, name)


def _worker_wrapper(platform: str) -> str:
    """An executable that starts a worker under the same simulation."""
    folder = tempfile.mkdtemp(prefix="lstm-grader-sim-")
    wrapper = Path(folder) / "python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -I "{Path(__file__).resolve()}" '
                       f'--worker {platform} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def main(argv: list[str]) -> int:
    if argv[0] == "--worker":  # platform_sim.py --worker PLATFORM -I WORKER.py ARGS...
        platform, args = argv[1], [a for a in argv[2:] if a != "-I"]
        simulate(platform)
        _hide_proc()
        sys.argv = args
        runpy.run_path(args[0], run_name="__main__")
        return 0
    platform, args = argv[0], argv[1:]
    simulate(platform)
    _hide_proc()
    import grader.portable

    grader.portable.LINUX = False
    sys.executable = _worker_wrapper(platform)
    from grader.cli import main as cli

    return cli(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
