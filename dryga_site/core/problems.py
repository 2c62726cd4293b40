"""How a problem is told: one ``file:line: message`` line, with paths relative to the site."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

#: Terminal colour codes, as Sphinx writes them into its log and IPython into tracebacks.
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True, order=True)
class Problem:
    """One problem, located in an author's file where possible."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def shown(path: Path, root: Path | str) -> str:
    """``path`` as a message names it: relative to ``root`` where it is inside it."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
