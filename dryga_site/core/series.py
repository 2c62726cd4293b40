"""Posts in a series: ``series: <name>`` and, optionally, ``series_part: N``.

A series' parts are its published posts, in ``series_part`` order (posts without one follow,
by date). Drafts and scheduled parts are counted nowhere until they are published, so a
reader sees parts 1 to M with no hole; ``check`` tells the author about a gap or a duplicate in
the numbers they wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .fields import check_text, slugify


def check_series(meta: dict[str, Any]) -> list[str]:
    """The mistakes in a post's ``series`` and ``series_part`` (empty when there are none)."""
    messages = []
    if "series" in meta:
        messages += check_text(meta, "series", required=True)
        if not messages and not slugify(meta["series"]):
            messages.append('series: needs a letter or digit, e.g. series: "Sagas in Elixir"')
    if "series_part" in meta:
        part = meta["series_part"]
        if not isinstance(part, int) or isinstance(part, bool) or part < 1:
            messages.append(f"series_part: {part!r} is not a whole number from 1, e.g. 2")
        elif "series" not in meta:
            messages.append('series_part: given without series; add series: "Its name"')
    return messages


@dataclass(frozen=True)
class Part:
    """One published post of a series."""

    docname: str
    title: str
    day: date | None
    number: int | None = None


def slug(name: str) -> str:
    """The series page's name: ``blog/series/<slug>``."""
    return slugify(name)


def in_order(parts: list[Part]) -> list[Part]:
    """The parts as readers meet them: by ``series_part``, then the unnumbered by date."""
    return sorted(
        parts,
        key=lambda p: (p.number is None, p.number or 0, p.day or date.max, p.title, p.docname),
    )


def number_problems(parts: list[Part]) -> list[tuple[str, str]]:
    """``(docname, message)`` for each duplicate ``series_part``, and for the part after a gap."""
    problems = []
    numbered = sorted((p for p in parts if p.number is not None), key=lambda p: p.number or 0)
    expected = 1
    for i, part in enumerate(numbered):
        if i and part.number == numbered[i - 1].number:
            other = numbered[i - 1].docname
            problems.append(
                (part.docname, f"series_part: {part.number} is also the part of {other}")
            )
            continue
        if part.number != expected:
            missing = (
                f"{expected}" if part.number == expected + 1 else f"{expected}-{part.number - 1}"
            )
            problems.append(
                (
                    part.docname,
                    f"series_part: {part.number}, but no published part {missing}; "
                    "renumber the parts, or publish the missing one",
                )
            )
        expected = (part.number or 0) + 1
    return problems
