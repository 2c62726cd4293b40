"""Front matter other notebook blogs wrote: Quarto's raw cell, fastpages' header, an H1.

Pure functions over a notebook's cells (dicts as in the JSON), for ``import``
(``authoring/imports.py``). Each finds what it can and says which cell it came from; none
checks the values (the post schema in ``posts.py`` does). The Quarto reader
comes from :mod:`.notebook`, so ``import`` and the build read a Quarto cell alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from .frontmatter import FrontMatterError
from .nbjson import cell_text, first_markdown
from .notebook import quarto_front_matter
from .titles import code_lines, headings, one_title

#: fastpages' header: ``# Title``, then ``> summary`` and ``- key: value`` lines.
FASTPAGES_LINE = re.compile(r"^-\s*([A-Za-z_]+)\s*:\s*(.*)$")
H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$")
#: A fastpages file name: ``YYYY-MM-DD-slug.ipynb``.
DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)$")
#: Jekyll's Liquid markup (fastpages): ``{{ site.baseurl }}``, ``{% include ... %}``; MyST
#: reads ``{{ ... }}`` as a substitution, so the build stops on it.
LIQUID = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
#: A link to a heading of the same page, ``[text](#Its-Heading)`` as nbconvert names it.
SAME_PAGE_LINK = re.compile(r"\]\(#([^)\s]+)\)")
#: The levels of heading that get an anchor here (``myst_heading_anchors`` in ``_config.yml``).
ANCHORED_LEVELS = 3


@dataclass
class Found:
    """Front matter found in a notebook: the values, where from, and the cell they filled."""

    values: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    #: The index of the cell that held them (-1: none), and that cell's text without them.
    cell: int = -1
    rest: str = ""


def quarto_front(cells: list[dict[str, Any]]) -> Found | None:
    """A Quarto post's front matter, read as the build reads it (a broken block: none)."""
    try:
        place = quarto_front_matter(cells)
    except FrontMatterError:
        return None
    if place is None:
        return None
    return Found(dict(place.block.data), "the Quarto raw cell", place.index, place.rest)


def _value(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def fastpages_front(cells: list[dict[str, Any]]) -> Found | None:
    """A fastpages post's header: ``# Title``, ``> summary`` and ``- key: value`` lines atop its
    first Markdown cell."""
    headed = _headed_cell(cells)
    if headed is None:
        return None
    index, title, lines = headed
    values: dict[str, Any] = {"title": title}
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
    headed = _headed_cell(cells)
    if headed is None:
        return None
    index, title, lines = headed
    return Found({"title": title}, "the first heading", index, "\n".join(lines[1:]))


def _headed_cell(cells: list[dict[str, Any]]) -> tuple[int, str, list[str]] | None:
    """The first Markdown cell if it starts with an H1: its index, the H1's text, its lines."""
    index = first_markdown(cells)
    if index < 0:
        return None
    lines = cell_text(cells[index]).strip().splitlines()
    heading = H1.match(lines[0]) if lines else None
    return None if heading is None else (index, heading[1], lines)


def dated_name(stem: str) -> tuple[str | None, str]:
    """The date and the rest of a fastpages file name (``2020-02-20-my-post``)."""
    match = DATED_NAME.match(stem)
    return (match[1], match[2]) if match else (None, stem)


def liquid_cells(cells: list[dict[str, Any]]) -> list[int]:
    """The numbers (from 1) of the Markdown cells that hold Jekyll's Liquid markup."""
    return [
        number
        for number, cell in enumerate(cells, 1)
        if cell.get("cell_type") == "markdown" and LIQUID.search(_prose(cell_text(cell)))
    ]


def relink_headings(
    cells: list[dict[str, Any]], slugify: Callable[[str], str], title: str | None = None
) -> int:
    """Point nbconvert-style links to headings (``#Its-Heading``) at the anchors ``slugify``
    gives those headings, in place; return how many links changed. Only headings that get an
    anchor here count: levels 1-3 once the post has one title (:mod:`.titles`)."""
    texts = [cell_text(c) for c in cells if c.get("cell_type") == "markdown"]
    anchors = {
        heading.text.replace(" ", "-"): slugify(heading.text)
        for text in one_title(title, texts).texts
        for heading in headings(text)
        if heading.level <= ANCHORED_LEVELS
    }
    changed = 0

    def relink(match: re.Match[str]) -> str:
        nonlocal changed
        new = anchors.get(match[1])
        if new is None or new == match[1]:
            return match[0]
        changed += 1
        return f"](#{new})"

    for cell in cells:
        if cell.get("cell_type") == "markdown":
            text = cell_text(cell)
            relinked = SAME_PAGE_LINK.sub(relink, text)
            if relinked != text:
                cell["source"] = relinked
    return changed


def _prose(text: str) -> str:
    """Markdown ``text`` without its code (fenced and indented blocks, math blocks)."""
    code = code_lines(text)
    return "\n".join(line for n, line in enumerate(text.split("\n")) if n not in code)
