"""Front matter other notebook blogs wrote: Quarto's raw cell, fastpages' header, an H1.

Pure functions over a notebook's cells (dicts as in the JSON), for ``import``
(``authoring/imports.py``). Each finds what it can and says which cell it came from; none
checks the values (the post schema in ``posts.py`` does). The Quarto reader here is minimal
(a YAML block in a raw first cell); when the build reads Quarto cells itself, ``import``
should use that reader instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

#: fastpages' header: ``# Title``, then ``> summary`` and ``- key: value`` lines.
FASTPAGES_LINE = re.compile(r"^-\s*([A-Za-z_]+)\s*:\s*(.*)$")
H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$")
#: A fastpages file name: ``YYYY-MM-DD-slug.ipynb``.
DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)$")


@dataclass
class Found:
    """Front matter found in a notebook: the values, where from, and the cell they filled."""

    values: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    #: The index of the cell that held them (-1: none), and that cell's text without them.
    cell: int = -1
    rest: str = ""


def cell_text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def quarto_front(cells: list[dict[str, Any]]) -> Found | None:
    """A Quarto post's front matter: a YAML block between ``---`` lines in a raw first cell."""
    if not cells or cells[0].get("cell_type") != "raw":
        return None
    text = cell_text(cells[0]).strip()
    match = re.fullmatch(r"---\s*\n(.*?)\n?---\s*", text, re.DOTALL)
    if not match:
        return None
    try:
        values = yaml.safe_load(match[1]) or {}
    except yaml.YAMLError:
        return None
    return Found(values, "the Quarto raw cell", 0, "") if isinstance(values, dict) else None


def _first_markdown(cells: list[dict[str, Any]]) -> int:
    return next((i for i, c in enumerate(cells) if c.get("cell_type") == "markdown"), -1)


def _value(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def fastpages_front(cells: list[dict[str, Any]]) -> Found | None:
    """A fastpages post's header: ``# Title``, ``> summary`` and ``- key: value`` lines atop its
    first Markdown cell."""
    index = _first_markdown(cells)
    if index < 0:
        return None
    lines = cell_text(cells[index]).strip().splitlines()
    if not lines or not H1.match(lines[0]):
        return None
    values: dict[str, Any] = {"title": H1.match(lines[0])[1]}
    taken = 1
    for line in lines[1:]:
        if line.startswith(">"):
            values.setdefault("description", line.lstrip("> ").strip())
        elif fields := FASTPAGES_LINE.match(line):
            values[fields[1]] = _value(fields[2])
        elif line.strip():
            break
        taken += 1
    if taken == 1:
        return None  # a bare H1: not a fastpages header
    rest = "\n".join(lines[taken:]).strip()
    return Found(values, "the fastpages header", index, rest)


def h1_front(cells: list[dict[str, Any]]) -> Found | None:
    """The title of a notebook whose first Markdown cell starts with an H1."""
    index = _first_markdown(cells)
    if index < 0:
        return None
    lines = cell_text(cells[index]).strip().splitlines()
    if not lines or not H1.match(lines[0]):
        return None
    return Found({"title": H1.match(lines[0])[1]}, "the first heading", index, "\n".join(lines[1:]))


def dated_name(stem: str) -> tuple[str | None, str]:
    """The date and the rest of a fastpages file name (``2020-02-20-my-post``)."""
    match = DATED_NAME.match(stem)
    return (match[1], match[2]) if match else (None, stem)
