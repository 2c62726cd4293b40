"""Frozen posts: never run by the build, published with the outputs their author last ran.

``freeze: true`` in a post's front matter turns the build's run off for that page alone:

- a Jupyter notebook (``.ipynb``) publishes the outputs stored in it;
- a text notebook publishes its record, ``_freeze/<page>.json`` beside the sources (as
  Quarto's ``_freeze/``), written by ``python -m dryga_site freeze blog/<slug>.md``: each code
  cell's outputs and a digest of its code. A cell whose code changed since then is one located
  error that says to run ``freeze`` again; no record is one located error too.

Either way the outputs are cleaned first (``stored.py``). The fenced parser
(``fence.FencedParser``) asks :func:`frozen_notebook` for the notebook to publish, then lets
myst-nb parse the page with :func:`frozen_config`: execution off, and that notebook as what the
page reads as, so no kernel starts and myst-nb renders, writes and offers it like any other.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
from sphinx.environment import BuildEnvironment

from ..core.posts import flag
from ..core.problems import shown
from .stored import clean_notebook

#: The folder of text notebooks' records, at the top of the site (as Quarto's).
FREEZE_FOLDER = "_freeze"
RECORD_VERSION = 1
#: Where a frozen page says so in ``env.metadata[docname]`` (set while it is read).
FROZEN = "site_frozen"
#: This module's reader for a frozen page (myst-nb imports a custom reader by name).
READER = f"{__name__}.prepared"


def is_frozen(meta: dict[str, Any]) -> bool:
    """Whether a page's front matter asks for it to be frozen."""
    return flag(meta, "freeze")


def frozen_page(env: BuildEnvironment, docname: str) -> dict[str, Any] | None:
    """What a frozen page says of its outputs (``{"saved": ...}``); None for other pages."""
    return env.metadata.get(docname, {}).get(FROZEN)


def record_path(srcdir: str | Path, docname: str) -> Path:
    """Where the record of the text notebook ``docname`` is kept."""
    return Path(srcdir, FREEZE_FOLDER, *f"{docname}.json".split("/"))


def _code_cells(notebook: Any) -> list[tuple[int, Any]]:
    return [(i, c) for i, c in enumerate(notebook.cells) if c.get("cell_type") == "code"]


def digest(source: Any) -> str:
    """The digest of one code cell's code."""
    text = "".join(source) if isinstance(source, list) else str(source)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def make_record(notebook: Any) -> dict[str, Any]:
    """The record of a text notebook that has just run: its outputs and its code's digest."""
    return {
        "version": RECORD_VERSION,
        "saved": datetime.now(UTC).date().isoformat(),
        "language_info": notebook.metadata.get("language_info", {}),
        "cells": [
            {
                "digest": digest(cell.source),
                "execution_count": cell.get("execution_count"),
                "outputs": cell.get("outputs", []),
            }
            for _, cell in _code_cells(notebook)
        ],
    }


def write_record(path: Path, record: dict[str, Any]) -> None:
    """Write a record, in a stable layout that diffs well."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")


@dataclass
class Frozen:
    """The notebook a frozen page publishes, or the one problem that stops it."""

    notebook: Any
    problem: str | None = None
    line: int | None = None
    saved: str = ""


def _cell_line(notebook: Any, index: int) -> int | None:
    source_map = notebook.metadata.get("source_map") or []
    return source_map[index] if index < len(source_map) else None


def _freeze_line(path: Path) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    found = (n for n, line in enumerate(lines, 1) if re.match(r'\s*"?freeze"?\s*:', line))
    return next(found, None)


def _with_record(notebook: Any, path: Path, command: str) -> Frozen:
    """A text notebook with the outputs of its record, or why it has none."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        cells = record["cells"]
        assert isinstance(cells, list)
    except FileNotFoundError:
        return Frozen(notebook, f"`freeze: true` but no record of its outputs ({path.name}); "
                      f"run `{command}` and commit the record")  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        return Frozen(notebook, f"its record ({path.name}) is not one `freeze` wrote; "
                      f"run `{command}` again")  # fmt: skip
    code = _code_cells(notebook)
    for number, (index, cell) in enumerate(code):
        kept = cells[number] if number < len(cells) else None
        if not isinstance(kept, dict) or kept.get("digest") != digest(cell.source):
            return Frozen(
                notebook,
                f"its code changed since its outputs were frozen (code cell {number + 1}); "
                f"run `{command}` again, or remove `freeze: true`",
                _cell_line(notebook, index),
            )
    if len(cells) != len(code):
        return Frozen(notebook, f"its code changed since its outputs were frozen (a code cell "
                      f"was removed); run `{command}` again")  # fmt: skip
    if isinstance(record.get("language_info"), dict):  # the code's language, for its colours
        notebook.metadata["language_info"] = record["language_info"]
    for (_, cell), kept in zip(code, cells, strict=True):
        cell["outputs"] = [nbformat.from_dict(o) for o in kept.get("outputs", [])]
        cell["execution_count"] = kept.get("execution_count")
    return Frozen(notebook, saved=str(record.get("saved", "")))


def frozen_notebook(notebook: Any, source: Path, srcdir: Path, docname: str) -> Frozen:
    """The cleaned notebook a frozen page publishes (``notebook`` as myst-nb read it from
    ``source``), or the located problem that stops it."""
    if source.suffix == ".ipynb":
        return Frozen(clean_notebook(notebook))
    record = record_path(srcdir, docname)
    command = f"python -m dryga_site freeze {shown(source, srcdir)}"
    kernel = notebook.metadata.get("kernelspec") or {}
    language = kernel.get("language") or ("python" if "python" in kernel.get("name", "") else "")
    notebook.metadata.setdefault("language_info", {"name": language or "text"})
    found = _with_record(notebook, record, command)
    if found.problem:
        found.problem = found.problem.replace(record.name, shown(record, srcdir), 1)
        if found.line is None and "no record" in found.problem:
            found.line = _freeze_line(source)
        for _, cell in _code_cells(notebook):
            cell["outputs"] = []
        return found
    found.notebook = clean_notebook(found.notebook)
    return found


def prepared(text: str, notebook: Any) -> Any:
    """The reader myst-nb uses for a frozen page: the notebook :func:`frozen_notebook` made."""
    return notebook


@contextlib.contextmanager
def frozen_config(env: BuildEnvironment, source: str, notebook: Any) -> Iterator[None]:
    """While a frozen page is parsed: execution off, and ``notebook`` as what it reads as.

    PRIVATE: myst-nb's parser reads its settings from ``env.mystnb_config`` and has no per-page
    hook for either; a copy with those two changes stands in for it during the parse.
    """
    config = env.mystnb_config
    formats = {**config.custom_formats, source: (READER, {"notebook": notebook}, False)}
    env.mystnb_config = config.copy(execution_mode="off", custom_formats=formats)
    try:
        yield
    finally:
        env.mystnb_config = config
