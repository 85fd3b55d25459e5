"""Reading the zoo of test submissions and their expected verdicts (file headers)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ZOO = Path(__file__).resolve().parent / "submissions"
HOSTILE = Path(__file__).resolve().parent / "hostile"

_HEADER = re.compile(r"^#\s*(expect|bug|style|mistake):\s*(.*)$")


@dataclass(frozen=True)
class ZooEntry:
    path: Path
    exercise: str
    expect_pass: bool
    category: str          # the category that must catch the bug ("" when it should pass)
    description: str
    mistake: str

    @property
    def id(self) -> str:
        return f"{self.exercise}/{self.path.stem}"


def parse(path: Path) -> ZooEntry:
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[:12]:
        m = _HEADER.match(line.strip())
        if m:
            fields[m[1]] = m[2].strip()
    expect = fields.get("expect", "")
    if expect == "pass":
        return ZooEntry(path, path.parent.name, True, "", fields.get("style", ""), "")
    m = re.fullmatch(r"fail\s+(\w+)", expect)
    if not m:
        raise ValueError(f"{path}: header needs '# expect: pass' or '# expect: fail CATEGORY'")
    return ZooEntry(path, path.parent.name, False, m[1], fields.get("bug", ""),
                    fields.get("mistake", ""))


def entries() -> list[ZooEntry]:
    return [parse(p) for p in sorted(ZOO.glob("*/*.py"))]
