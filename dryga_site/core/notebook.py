"""A notebook's front matter, wherever its author put it, and the notebook to build from.

Front matter may sit in three places, read alike and checked by the one post schema:

1. the notebook's metadata (JupyterLab's *Notebook metadata*), at the top level;
2. a ``---`` block of YAML atop the first Markdown cell;
3. Quarto's raw first cell: a raw cell holding only a ``---`` block of YAML
   (:func:`quarto_front_matter`). A Quarto cell makes the notebook a post (``blogpost``
   defaults to true) and may give the post keys and Quarto's ``categories``; a key that the
   site does not read (``format``, ``jupyter``, ``toc``...) would silently do nothing, so it
   is one error naming it.

A key given in two places with two values is one error. :func:`read_notebook` finds the
values and the file line of each without checking them; :mod:`dryga_site.core.pages` checks
them. The file on disk is never touched: the notebook to build from is written anew
(nbformat 4.5, attachments in place, one title: :mod:`dryga_site.core.titles`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import cells as cellwork
from .fields import one_of
from .frontmatter import FrontMatter, FrontMatterError, dumps, read, stub
from .nbjson import cell_text, first_markdown, json_line, load, source_line
from .posts import POST_KEYS, QUARTO_KEYS
from .titles import one_title

#: Notebook metadata that belongs to Jupyter, not to the page's front matter.
NOTEBOOK_KEYS = ("kernelspec", "language_info", "widgets")
DEFAULT_KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
#: What a Quarto raw cell may give.
QUARTO_CELL_KEYS = (*POST_KEYS, *QUARTO_KEYS)
METADATA = "the notebook's metadata"


@dataclass(frozen=True)
class CellFrontMatter:
    """A ``---`` block of YAML in a cell: the cell's index, the block (its values and the line
    of each key, counted from 1 in the cell's text) and the cell's text after it."""

    index: int
    block: FrontMatter
    rest: str


def quarto_front_matter(cells: list[Any]) -> CellFrontMatter | None:
    """Quarto's front matter: the ``---`` block of YAML of a raw first cell.

    None when the first cell is not a raw cell starting with ``---``. Raises
    :class:`~dryga_site.core.frontmatter.FrontMatterError` (its ``line`` counted in the cell)
    when the block is not closed or not valid YAML. Dates stay as written (text).
    """
    first = cells[0] if cells else None
    if not isinstance(first, dict) or first.get("cell_type") != "raw":
        return None
    text = cell_text(first)
    block = read(text)
    return None if block is None else CellFrontMatter(0, block, text[block.body :])


def markdown_front_matter(cells: list[Any]) -> CellFrontMatter | None:
    """The ``---`` block of YAML atop the first Markdown cell (None: no such block).

    Raises :class:`~dryga_site.core.frontmatter.FrontMatterError` as
    :func:`quarto_front_matter` does.
    """
    index = first_markdown(cells)
    if index < 0:
        return None
    text = cell_text(cells[index])
    block = read(text)
    return None if block is None else CellFrontMatter(index, block, text[block.body :])


@dataclass
class NotebookFront:
    """What a notebook says of itself, and where, before any check."""

    #: The notebook's JSON to build from (front-matter cells taken out), None if it is not one.
    notebook: dict[str, Any] | None
    #: The file's name, relative to the site.
    name: str = ""
    front: dict[str, Any] = field(default_factory=dict)
    #: The file line of each key a cell gives (the title: its H1's line, when taken from it).
    in_cell: dict[str, int] = field(default_factory=dict)
    #: The number (from 1) of the cell that gives each key given in a cell.
    cell_of: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)

    def line_of(self, text: str, key: str) -> int:
        """The line of ``key``: in the cell that gives it, else in the metadata."""
        return self.in_cell.get(key) or json_line(text, ("metadata", key))

    def where(self, key: str, message: str) -> str:
        """``message`` about ``key``, naming the cell when a cell gives the key."""
        return f"cell {self.cell_of[key]}: {message}" if key in self.cell_of else message

    def has_text(self) -> bool:
        cells = (self.notebook or {}).get("cells", [])
        return any(isinstance(c, dict) and cell_text(c).strip() for c in cells)

    def written(self, meta: dict[str, Any]) -> str:
        """The notebook to build from: Jupyter's metadata and the checked front matter."""
        notebook = self.notebook or {}
        metadata = notebook.get("metadata", {})
        notebook["metadata"] = {
            **{k: v for k, v in metadata.items() if k in NOTEBOOK_KEYS},
            **json_safe(meta),
        }
        return dumps(notebook)


def json_safe(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` as JSON gives them back: dates as their ISO text, nothing JSON cannot hold."""
    return json.loads(dumps(values))


def stub_notebook(name: str) -> str:
    cell = {"cell_type": "markdown", "id": "title", "metadata": {}, "source": stub(name)}
    notebook = {"cells": [cell], "metadata": {"kernelspec": DEFAULT_KERNELSPEC}}
    return dumps({**notebook, "nbformat": 4, "nbformat_minor": 5})


def _kernel(text: str, notebook: dict[str, Any]) -> list[tuple[int, str]]:
    """The site's Python kernel for a Python notebook, whatever its author's was called.

    A kernel named after the author's environment (``conda-base-py``) runs on the site's
    ``python3``, and code is coloured as IPython's (``!pip``, ``%time``). A notebook without a
    kernel gets Python's when its ``language_info`` says Python or it has no code (VS Code and
    nbconvert save such notebooks); else that is one problem.
    """
    metadata = notebook["metadata"]
    kernelspec = metadata.get("kernelspec")
    language_info = metadata.get("language_info")
    language = language_info.get("name") if isinstance(language_info, dict) else None
    if language == "python":
        language_info.setdefault("pygments_lexer", "ipython3")
    if isinstance(kernelspec, dict) and isinstance(kernelspec.get("name"), str):
        if (kernelspec.get("language") or language or "").lower() == "python":
            kernelspec["name"] = DEFAULT_KERNELSPEC["name"]
        return []
    has_code = any(isinstance(c, dict) and c.get("cell_type") == "code" for c in notebook["cells"])
    metadata["kernelspec"] = DEFAULT_KERNELSPEC
    if language == "python" or not has_code:
        return []
    return [
        (
            json_line(text, ("metadata",)),
            "metadata: no kernelspec; pick a kernel in JupyterLab (Kernel > Change Kernel) "
            'and save, or add "kernelspec": {"name": "python3", "display_name": "Python 3"}',
        )
    ]


def _merge(
    found: NotebookFront, text: str, layout: list[Any], place: CellFrontMatter, given: dict
) -> None:
    """Add a cell's block to ``found``: each key's line, and one problem per key that another
    place gives another value."""
    number = place.index + 1
    for key, value in place.block.data.items():
        line = source_line(text, layout, place.index, place.block.lines[key])
        if key in found.front and found.front[key] != value:
            found.problems.append(
                (
                    line,
                    f"cell {number}: {key}: {value!r} here but {found.front[key]!r} in "
                    f"{given[key]}; keep one of the two",
                )
            )
            continue
        found.front[key] = value
        found.in_cell[key], found.cell_of[key], given[key] = line, number, f"cell {number}"


def _read_cell(
    found: NotebookFront,
    text: str,
    layout: list[Any],
    cells: list[Any],
    reader: Callable[[list[Any]], CellFrontMatter | None],
    given: dict[str, str],
    index: int,
    broken: str,
) -> CellFrontMatter | None:
    """One cell's front matter, merged into ``found``. A broken block in the cell ``index``
    that ``reader`` reads is one problem, and leaves the cell holding ``broken``."""
    try:
        place = reader(cells)
    except FrontMatterError as err:
        found.problems.append(
            (source_line(text, layout, index, err.line), f"cell {index + 1}: {err}")
        )
        cells[index]["source"] = broken
        return None
    if place is not None:
        _merge(found, text, layout, place, given)
    return place


def _unknown_quarto_keys(
    text: str, layout: list[Any], place: CellFrontMatter
) -> list[tuple[int, str]]:
    unknown = [key for key in place.block.data if key not in QUARTO_CELL_KEYS]
    if not unknown:
        return []
    line = source_line(text, layout, 0, place.block.lines[unknown[0]])
    names, them = one_of(tuple(unknown)), "them" if len(unknown) > 1 else "it"
    message = (
        f"cell 1: {names}: not read by this site from a Quarto cell; delete {them} "
        f"(it reads {one_of(QUARTO_CELL_KEYS)})"
    )
    return [(line, message)]


def read_notebook(name: str, text: str, in_blog: bool = False) -> NotebookFront:
    """A notebook's front matter from its three places, and the notebook to build from.

    ``in_blog``: the notebook is in the blog's folder, so with any post key it is a post
    (``blogpost`` defaults to true, as for a Quarto cell).
    """
    notebook, problems = load(text)
    if notebook is None:
        return NotebookFront(None, name, problems=problems)
    cells: list[Any] = notebook["cells"]
    #: The sources as the file lays them out, to find the file line of a cell's line.
    layout = [{"source": c.get("source")} for c in cells]
    found = NotebookFront(notebook, name, problems=_kernel(text, notebook))
    metadata = notebook["metadata"]
    found.front = {k: v for k, v in metadata.items() if k not in NOTEBOOK_KEYS}
    given = dict.fromkeys(found.front, METADATA)
    quarto = _read_cell(found, text, layout, cells, quarto_front_matter, given, 0, "")
    if quarto is not None:
        found.problems += _unknown_quarto_keys(text, layout, quarto)
        found.front.setdefault("blogpost", True)
        cells[0]["source"] = ""
    in_markdown = _read_cell(
        found, text, layout, cells, markdown_front_matter, given, first_markdown(cells), stub(name)
    )
    if in_markdown is not None:  # blank lines in its place: the cell's lines keep their numbers
        block_lines = cell_text(cells[in_markdown.index]).count("\n", 0, in_markdown.block.body)
        cells[in_markdown.index]["source"] = "\n" * block_lines + in_markdown.rest
    if in_blog and set(found.front) & set(POST_KEYS):  # a post unless it says otherwise
        found.front.setdefault("blogpost", True)
    _settle_cells(found, text, layout, cells)
    notebook["cells"] = [c for c in cells if c.get("cell_type") == "code" or cell_text(c).strip()]
    for cell in notebook["cells"]:
        if cell.get("cell_type") == "markdown" and isinstance(cell.get("source"), str):
            cell["source"] = cell["source"].lstrip("\n")
    return found


def _settle_cells(found: NotebookFront, text: str, layout: list[Any], cells: list[Any]) -> None:
    """Attachments in place, raw cells as a web page shows them, and a post's one title."""
    for number, cell in enumerate(cells):
        if cell.get("cell_type") == "raw":
            cellwork.raw_format(cell)
        elif cell.get("cell_type") == "markdown":
            cellwork.plain_unknown_fences(cell)
            written = cell_text(cell).split("\n")
            for missing in cellwork.inline_attachments(cell):
                at = next((n for n, line in enumerate(written, 1) if missing in line), 1)
                found.problems.append(
                    (
                        source_line(text, layout, number, at),
                        f"cell {number + 1}: attachment:{missing} is not attached to the "
                        "cell; paste the image into the cell again",
                    )
                )
    if found.front.get("blogpost") is not True:
        return
    markdown = [i for i, c in enumerate(cells) if c.get("cell_type") == "markdown"]
    given = found.front.get("title", None)
    title = given if isinstance(given, str) or given is None else ""
    titled = one_title(title, [cell_text(cells[i]) for i in markdown])
    for index, source in zip(markdown, titled.texts, strict=True):
        if source != cell_text(cells[index]):
            cells[index]["source"] = source
    if "title" not in found.front and titled.title is not None and titled.heading is not None:
        index = markdown[titled.heading.part]
        found.front["title"] = titled.title
        found.in_cell["title"] = source_line(text, layout, index, titled.heading.start + 1)
        found.cell_of["title"] = index + 1
