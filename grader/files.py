"""Output files written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

# Read once: os.umask can only be read by setting it, which is not thread-safe.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


@contextmanager
def atomic_write(path: str | Path, mode: str = "w", **open_args: Any) -> Iterator[IO[Any]]:
    """A temporary file next to ``path`` that replaces it when the block ends without error.

    Readers never see half a file and a crash leaves the previous file as it was; on error
    the temporary file is removed. The result gets the usual permissions (0666 less the
    umask), not a temporary file's 0600: results and reports are read by other people and
    programs (a TA, a web server, an autograding platform's harness)."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    if "b" not in mode:
        open_args.setdefault("encoding", "utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, mode, **open_args) as stream:
            yield stream
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
