"""One title per post: its front matter's ``title``, or its first H1, shown once.

MyST makes a post's ``title`` the page's ``<h1>`` (``myst_title_to_header`` in _config.yml),
so a notebook or text post whose Markdown starts with its own ``# Heading`` would show the
title twice, and list it twice in the page's outline. :func:`one_title` settles it on the
Markdown, before MyST reads it:

- no ``title``: the first heading, if it is an H1, becomes the title and leaves the body;
- the same text (ignoring case, spacing, quotes and emphasis): the heading leaves the body;
- different texts: the front matter's title wins, and the H1 stays as the first section of
  the post (real notebooks' first H1 is often a section, "Setup" or "Motivation", not the
  title: kept as a section, its text stays where the author put it and the outline shows it
  once).

Then the body's headings are renumbered from H2 under the title, without skipped levels
(``# A``/``# B`` become ``## A``/``## B``, a body that starts at ``###`` starts at ``##``):
one ``<h1>`` per page, and no "non-consecutive header level" warning from MyST. The
structure is kept: siblings stay siblings. Every line stays on its line (a removed heading
leaves a blank one), so messages about the text keep their line numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

#: The deepest heading HTML has.
DEEPEST = 6
_NEWLINE = re.compile(r"\r\n|\r|\n")
_ATX = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)")


@dataclass(frozen=True)
class Heading:
    """A heading of a Markdown text: which text (``part``), its level, its inline Markdown,
    and its lines (0-based, ``end`` excluded)."""

    part: int
    level: int
    text: str
    start: int
    end: int
    atx: bool


@cache
def _parser() -> MarkdownIt:
    """Markdown as MyST splits it into blocks: fences (``` and :::) and math hold no headings."""
    return (
        MarkdownIt("commonmark").use(colon_fence_plugin).use(dollarmath_plugin).use(amsmath_plugin)
    )


@lru_cache(maxsize=256)
def _blocks(text: str) -> tuple[Token, ...]:
    """The block tokens of ``text``, parsed once for :func:`headings`, :func:`code_lines` and
    :func:`fences` (a notebook's cell goes through each); read them, never change them."""
    return tuple(_parser().parse(text))


def headings(text: str, part: int = 0) -> list[Heading]:
    """The top-level headings of the Markdown ``text`` (not those inside quotes or lists)."""
    tokens = _blocks(text)
    found = []
    for number, token in enumerate(tokens):
        if token.type != "heading_open" or token.level != 0 or not token.map:
            continue
        inline = tokens[number + 1].content if number + 1 < len(tokens) else ""
        atx = token.markup.startswith("#")
        found.append(Heading(part, int(token.tag[1]), inline, *token.map, atx))
    return found


def code_lines(text: str) -> set[int]:
    """The lines (0-based) of ``text`` inside code: fenced or indented blocks, math blocks."""
    kinds = ("fence", "code_block", "math_block", "math_block_label", "amsmath")
    return {
        line
        for token in _blocks(text)
        if token.type in kinds and token.map
        for line in range(*token.map)
    }


def fences(text: str) -> list[tuple[int, str]]:
    """Each fenced block of ``text``: its opening line (0-based) and its info (language)."""
    return [(t.map[0], t.info.strip()) for t in _blocks(text) if t.type == "fence" and t.map]


def plain(text: str) -> str:
    """A title as compared: no emphasis, code marks, quotes or link targets; spaces collapsed;
    case folded."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`~\"'“”‘’«»]", "", text)
    return " ".join(text.split()).casefold()


def title_text(heading: Heading) -> str:
    """A title taken from an H1: its Markdown, without the quotes fastpages put around it."""
    text = heading.text.strip()
    if len(text) > 1 and text[0] == text[-1] == '"':
        text = text[1:-1].strip()
    return text


def levels(found: list[Heading]) -> list[int]:
    """New levels for ``found`` (in reading order): from 2, no level skipped, siblings kept."""
    stack: list[tuple[int, int]] = []  # (level as written, new level)
    new = []
    for heading in found:
        while stack and stack[-1][0] >= heading.level:
            stack.pop()
        level = min(stack[-1][1] + 1 if stack else 2, DEEPEST)
        stack.append((heading.level, level))
        new.append(level)
    return new


def rewrite(text: str, changes: dict[Heading, int | None]) -> str:
    """``text`` with each heading in ``changes`` set to its new level, or removed (None).

    Lines keep their numbers; a setext heading (underlined) becomes an ATX one (``## ...``).
    """
    if not changes:
        return text
    lines = _NEWLINE.split(text)
    for heading, level in changes.items():
        if level is None:
            lines[heading.start : heading.end] = [""] * (heading.end - heading.start)
        elif heading.atx:
            line = lines[heading.start]
            marks = _ATX.match(line)
            if marks is not None:
                lines[heading.start] = marks[1] + "#" * level + line[marks.end() :]
        else:
            joined = " ".join(line.strip() for line in lines[heading.start : heading.end - 1])
            lines[heading.start : heading.end] = [f"{'#' * level} {joined}"] + [""] * (
                heading.end - heading.start - 1
            )
    return "\n".join(lines)


@dataclass(frozen=True)
class Titled:
    """What :func:`one_title` settled: the title (None: none found), the H1 it came from or
    that repeated it (None: none), and the Markdown texts to build from."""

    title: str | None
    heading: Heading | None
    texts: list[str]


def one_title(title: str | None, texts: list[str]) -> Titled:
    """Settle the title of a post whose Markdown is ``texts`` (a text post's body, or a
    notebook's Markdown cells in order) and whose front matter gives ``title`` (or None)."""
    found = [h for part, text in enumerate(texts) for h in headings(text, part)]
    first = found[0] if found and found[0].level == 1 else None
    taken = None
    if first is not None and (title is None or plain(title) == plain(title_text(first))):
        taken, found = first, found[1:]
        title = title if title is not None else title_text(first)
    changes: dict[Heading, int | None] = {taken: None} if taken else {}
    changes.update(
        (heading, level)
        for heading, level in zip(found, levels(found), strict=True)
        if level != heading.level
    )
    rewritten = [
        rewrite(text, {h: v for h, v in changes.items() if h.part == part})
        for part, text in enumerate(texts)
    ]
    return Titled(title, taken, rewritten)
