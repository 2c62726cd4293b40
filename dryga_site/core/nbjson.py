"""A notebook file read as Jupyter reads it: any JSON layout, nbformat 4.0 to 4.5.

:func:`load` parses the JSON, refuses what the site cannot read (not JSON, not a notebook,
nbformat 3 or 5) with one located line, and upgrades an older nbformat 4 minor to 4.5 in
memory (stable cell ids; the file is never touched), then validates it with nbformat.
:func:`json_line` and :func:`source_line` find the file line of a value, whatever the layout
(indented, compact on one line, sources as one string or a list of lines); they never raise.
"""

from __future__ import annotations

import json
import re
from typing import Any

import nbformat

#: The nbformat the site reads: 4, any minor up to this one (newer minors are read as 4.5).
MINOR = 5
#: A cell id as nbformat 4.5 allows it.
CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
SAVE_AGAIN = "open the notebook in JupyterLab and save it again"


def load(text: str) -> tuple[dict[str, Any] | None, list[tuple[int, str]]]:
    """The notebook in ``text`` as nbformat 4.5 JSON, or None and one ``(line, message)``."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as err:
        message = (
            f"not a valid notebook ({err.msg.removesuffix(' at')}, column {err.colno}); "
            f"fix the JSON, or {SAVE_AGAIN}"
        )
        return None, [(err.lineno, message)]
    if not isinstance(notebook, dict):
        return None, [(1, f"not a Jupyter notebook (not a JSON object); {SAVE_AGAIN}")]
    if (problem := _version_problem(text, notebook)) is not None:
        return None, [problem]
    if not isinstance(notebook.get("cells"), list):
        return None, [(1, f"not a Jupyter notebook (no list of cells); {SAVE_AGAIN}")]
    upgrade(notebook)
    try:
        nbformat.validate(notebook, version=4, version_minor=MINOR)
    except nbformat.ValidationError as err:
        path = tuple(getattr(err, "absolute_path", ()))
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        what = _short(getattr(err, "message", str(err)))
        message = f"not a valid notebook: {where or 'the notebook'}: {what}; {SAVE_AGAIN}"
        return None, [(json_line(text, path), message)]
    return notebook, []


def _version_problem(text: str, notebook: dict[str, Any]) -> tuple[int, str] | None:
    """One located line when the notebook is not nbformat 4 (e.g. 3, from IPython 3 or older)."""
    version, minor = notebook.get("nbformat"), notebook.get("nbformat_minor", 0)
    if version == 4 and isinstance(minor, int) and not isinstance(minor, bool):
        return None
    line = json_line(text, ("nbformat",))
    if isinstance(version, int) and not isinstance(version, bool) and version < 4:
        return line, (
            f"nbformat {version} (a notebook from IPython 3 or older): the site reads "
            "nbformat 4; upgrade it with `jupyter nbconvert --to notebook --inplace FILE`, "
            "or open it in JupyterLab and save it"
        )
    if isinstance(version, int) and not isinstance(version, bool):
        return line, (
            f"nbformat {version}: the site reads nbformat 4 (4.0 to 4.5); "
            "save the notebook as nbformat 4"
        )
    return line, f"not a Jupyter notebook (no nbformat 4 number); {SAVE_AGAIN}"


def upgrade(notebook: dict[str, Any]) -> None:
    """Bring an nbformat 4.x notebook to 4.5 in place: every cell gets a unique, stable id.

    nbformat's own upgrade draws random ids; these are ``cell-<n>``, so the same file gives
    the same notebook (and the same cached run) every build. Ids that are missing, repeated or
    not allowed are replaced; valid ones are kept.
    """
    taken: set[str] = set()
    for number, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict):
            continue
        given = cell.get("id")
        if not (isinstance(given, str) and CELL_ID.match(given)) or given in taken:
            given = f"cell-{number}"
            while given in taken:
                given += "-1"
            cell["id"] = given
        taken.add(given)
    notebook["nbformat_minor"] = max(notebook.get("nbformat_minor", 0), MINOR)
    if notebook["nbformat_minor"] > MINOR:
        notebook["nbformat_minor"] = MINOR  # a newer minor is read as the newest known
    notebook.setdefault("metadata", {})


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell_text(cell: dict[str, Any]) -> str:
    """A cell's source as one string (a list of lines is joined, as nbformat does)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def first_markdown(cells: list[Any]) -> int:
    """The index of the first Markdown cell in ``cells`` (-1: none)."""
    kinds = (c.get("cell_type") if isinstance(c, dict) else None for c in cells)
    return next((i for i, kind in enumerate(kinds) if kind == "markdown"), -1)


def json_line(text: str, path: tuple[str | int, ...]) -> int:
    """The line of ``text`` (a JSON document) where the value at ``path`` starts.

    For an object member, the line of its key. Where ``path`` leaves the document (a missing
    key or index, or a layout this cannot follow), the line of the last step found; 1 if none.
    Never raises.
    """
    at, line_at = 0, 0
    try:
        for step in path:
            found = _step(text, at, step)
            if found is None:
                break
            line_at, at = found
    except (ValueError, IndexError):
        pass
    return text.count("\n", 0, line_at) + 1


_DECODER = json.JSONDecoder()


def _step(text: str, at: int, step: str | int) -> tuple[int, int] | None:
    """Where the member or item ``step`` of the value at ``at`` starts (its line's offset, and
    the offset of its value), or None when there is none."""
    at = _skip_space(text, at)
    if text[at : at + 1] == "{" and isinstance(step, str):
        at = _skip_space(text, at + 1)
        while text[at : at + 1] == '"':
            key, after = json.decoder.scanstring(text, at + 1)
            colon = _skip_space(text, after)
            if key == step:
                return at, colon + 1
            at = _skip_space(text, _skip_value(text, colon + 1))
        return None
    if text[at : at + 1] == "[" and isinstance(step, int) and step >= 0:
        at = _skip_space(text, at + 1)
        for _ in range(step):
            if text[at : at + 1] in ("]", ""):
                return None
            at = _skip_space(text, _skip_value(text, at))
        if text[at : at + 1] in ("]", ""):
            return None
        return at, at
    return None


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _skip_value(text: str, at: int) -> int:
    """The offset after the value at ``at`` and the comma following it, if any."""
    _, end = _DECODER.raw_decode(text, _skip_space(text, at))
    end = _skip_space(text, end)
    return end + 1 if text[end : end + 1] == "," else end


def source_line(text: str, cells: list[Any], index: int, line: int) -> int:
    """The file line of line ``line`` (from 1) of the source of cell ``index``.

    A source saved as a list (JupyterLab's layout) has its lines on their own file lines; a
    source saved as one string sits on one file line, however many lines it holds. ``cells``
    are the cells as read (their sources in the file's layout).
    """
    source = cells[index].get("source") if 0 <= index < len(cells) else None
    path: tuple[str | int, ...] = ("cells", index, "source")
    if isinstance(source, list):
        first = 1
        for number, piece in enumerate(source):
            breaks = piece.count("\n") if isinstance(piece, str) else 0
            last = first + breaks - (1 if breaks and piece.endswith("\n") else 0)
            if line <= last or number == len(source) - 1:
                return json_line(text, (*path, number))
            first += breaks
    return json_line(text, path)
