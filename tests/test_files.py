"""grader.files.atomic_write: whole files or none, with ordinary permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from grader.files import atomic_write


def test_the_file_appears_whole_with_the_umasks_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out" / "results.json"
    with atomic_write(target) as stream:
        stream.write("{}\n")
        assert not target.exists()  # nothing visible before the block ends
    assert target.read_text() == "{}\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert os.listdir(target.parent) == ["results.json"]


def test_an_error_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "grades.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_write(target) as stream:
        stream.write("half a fi")
        raise RuntimeError("the writer failed")
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["grades.csv"]


def test_binary_mode(tmp_path: Path) -> None:
    target = tmp_path / "a.zip"
    with atomic_write(target, "wb") as stream:
        stream.write(b"PK")
    assert target.read_bytes() == b"PK"
