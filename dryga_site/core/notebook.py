"""A notebook's front matter: its metadata, or a ``---`` block atop its first Markdown cell.

:func:`read_notebook` finds the values and the file line of each, without checking them;
:mod:`dryga_site.core.pages` checks them and writes the notebook to build from. The file on
disk is never touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .frontmatter import FrontMatterError, dumps, read, stub

#: Notebook metadata that belongs to Jupyter, not to the page's front matter.
NOTEBOOK_KEYS = ("kernelspec", "language_info", "widgets")
DEFAULT_KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


@dataclass
class NotebookFront:
    """What a notebook says of itself, and where, before any check."""

    #: The notebook's JSON (its front-matter cell block taken out), None if it is not one.
    notebook: dict[str, Any] | None
    front: dict[str, Any] = field(default_factory=dict)
    #: The file line of each key the first Markdown cell gives.
    in_cell: dict[str, int] = field(default_factory=dict)
    #: The index of the first Markdown cell (-1: none).
    cell: int = -1
    problems: list[tuple[int, str]] = field(default_factory=list)

    def line_of(self, text: str, key: str) -> int:
        """The line of ``key``: in the cell that gives it, else in the metadata."""
        return self.in_cell.get(key) or json_line(text, ("metadata", key))

    def where(self, key: str, message: str) -> str:
        """``message`` about ``key``, naming the cell when the cell gives the key."""
        return f"cell {self.cell + 1}: {message}" if key in self.in_cell else message

    def has_text(self) -> bool:
        cells = (self.notebook or {}).get("cells", [])
        return any(isinstance(c, dict) and cell_text(c).strip() for c in cells)

    def written(self, meta: dict[str, Any]) -> str:
        """The notebook to build from: Jupyter's metadata and the checked front matter."""
        notebook = self.notebook or {}
        metadata = notebook.get("metadata", {})
        notebook["metadata"] = {
            **{k: v for k, v in metadata.items() if k in NOTEBOOK_KEYS},
            **json.loads(dumps(meta)),
        }
        return dumps(notebook)


def json_line(text: str, path: tuple[str | int, ...]) -> int:
    """The line of ``text`` (a JSON document) where the value at ``path`` starts (1 if absent).

    For an object member, the line of its key.
    """
    decoder = json.JSONDecoder()
    at, line_at = 0, 0
    for step in path:
        at = _skip_space(text, at)
        if text[at : at + 1] == "{":
            at = _skip_space(text, at + 1)
            while text[at : at + 1] == '"':
                key, after = json.decoder.scanstring(text, at + 1)
                colon = _skip_space(text, after)
                if key == step:
                    line_at, at = at, colon + 1
                    break
                at = _skip_space(text, _skip_value(decoder, text, colon + 1))
            else:
                break
        elif text[at : at + 1] == "[" and isinstance(step, int):
            at += 1
            for _ in range(step):
                at = _skip_value(decoder, text, at)
            at = _skip_space(text, at)
            line_at = at
        else:
            break
    return text.count("\n", 0, line_at) + 1


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _skip_value(decoder: json.JSONDecoder, text: str, at: int) -> int:
    """The offset after the value at ``at`` and the comma following it, if any."""
    _, end = decoder.raw_decode(text, _skip_space(text, at))
    end = _skip_space(text, end)
    return end + 1 if text[end : end + 1] == "," else end


def stub_notebook(name: str) -> str:
    cell = {"cell_type": "markdown", "id": "title", "metadata": {}, "source": stub(name)}
    notebook = {"cells": [cell], "metadata": {"kernelspec": DEFAULT_KERNELSPEC}}
    return dumps({**notebook, "nbformat": 4, "nbformat_minor": 5})


def cell_text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _move_cell_front_matter(
    name: str, text: str, cells: list[Any], front: dict[str, Any], problems: list[tuple[int, str]]
) -> tuple[int, dict[str, int]]:
    """Move a ``---`` block atop the first Markdown cell into ``front`` (from the metadata).

    Returns the cell's index and the line of each key it gave; a key the metadata gives
    another value is one problem.
    """
    index = next(
        (
            i
            for i, c in enumerate(cells)
            if isinstance(c, dict) and c.get("cell_type") == "markdown"
        ),
        -1,
    )
    if index < 0:
        return index, {}
    cell = cells[index]
    text_of_cell = cell_text(cell)

    def cell_line(line: int) -> int:
        step = (line - 1,) if isinstance(cell.get("source"), list) else ()
        return json_line(text, ("cells", index, "source", *step))

    try:
        block = read(text_of_cell)
    except FrontMatterError as err:
        problems.append((cell_line(err.line), f"cell {index + 1}: {err}"))
        cell["source"] = stub(name)
        return index, {}
    if block is None:
        return index, {}
    lines = {key: cell_line(block.lines[key]) for key in block.data}
    problems += [
        (
            lines[key],
            f"cell {index + 1}: {key}: {value!r} here but {front[key]!r} in the notebook's "
            "metadata; keep one of the two",
        )
        for key, value in block.data.items()
        if key in front and front[key] != value
    ]
    front.update(block.data)
    cell["source"] = text_of_cell[block.body :]
    if not cell["source"].strip():
        del cells[index]
    return index, lines


def read_notebook(name: str, text: str) -> NotebookFront:
    """A notebook's front matter: its metadata and the ``---`` block of its first Markdown cell."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as err:
        message = (
            f"not a valid notebook ({err.msg.removesuffix(' at')}, column {err.colno}); "
            "fix the JSON, or open the notebook in JupyterLab and save it again"
        )
        return NotebookFront(None, problems=[(err.lineno, message)])
    if not (
        isinstance(notebook, dict)
        and isinstance(notebook.get("cells"), list)
        and isinstance(notebook.get("metadata"), dict)
        and notebook.get("nbformat") == 4
    ):
        message = "not a Jupyter notebook (nbformat 4); save it again from JupyterLab"
        return NotebookFront(None, problems=[(1, message)])
    metadata: dict[str, Any] = notebook["metadata"]
    found = NotebookFront(notebook)
    kernelspec = metadata.get("kernelspec")
    if not isinstance(kernelspec, dict) or not isinstance(kernelspec.get("name"), str):
        found.problems.append(
            (
                json_line(text, ("metadata",)),
                "metadata: no kernelspec; pick a kernel in JupyterLab (Kernel > Change Kernel) "
                'and save, or add "kernelspec": {"name": "python3", "display_name": "Python 3"}',
            )
        )
        metadata["kernelspec"] = DEFAULT_KERNELSPEC
    found.front = {k: v for k, v in metadata.items() if k not in NOTEBOOK_KEYS}
    found.cell, found.in_cell = _move_cell_front_matter(
        name, text, notebook["cells"], found.front, found.problems
    )
    return found
