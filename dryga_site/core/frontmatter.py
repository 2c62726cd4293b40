"""Front matter, read once: the YAML of a page or the metadata of a notebook, checked and fixed.

:func:`read` is the one reader of a page's ``---`` block. It closes the block where MyST does
(a ``---`` or ``...`` line), keeps dates as the text the author wrote (so none can crash it),
refuses duplicate keys, and returns the YAML text, the values and the line of every key.

:func:`read_page` applies it to a whole source file, a MyST page or a ``.ipynb`` notebook,
and checks a post against :func:`dryga_site.schema.clean_post`. It returns every mistake as
``(line, message)`` and the text to build from: the same values, fixed in memory (dates
quoted, tags lower-cased, wrong values left out), so nothing downstream (MyST, jupyter-cache,
ablog) meets a value it cannot handle. The file on disk is never touched. A notebook's front
matter is its top-level metadata (what myst-nb hands to the page, and ablog reads), or a
``---`` block at the top of its first Markdown cell, which is moved into the metadata.

The build reports the mistakes from ``source-read`` (``extension/sources.py``);
``python -m dryga_site check`` reports the same ones from the files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml

from .schema import clean_post

#: What a schema returns: the values to build with, and one ``"<key>: ..."`` message per mistake.
Schema = Callable[[dict[str, Any]], tuple[dict[str, Any], list[str]]]
#: Notebook metadata that belongs to Jupyter, not to the page's front matter.
NOTEBOOK_KEYS = ("kernelspec", "language_info", "widgets")
DEFAULT_KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
YAML_FIX = (
    "fix the lines between the --- markers, e.g. put text that contains ': ' or '#' in quotes"
)


class FrontMatterError(ValueError):
    """Front matter that cannot be read, at ``line`` of the file."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


class DuplicateKey(yaml.constructor.ConstructorError):
    """A mapping that gives ``key`` twice, first on ``first`` (a 0-based line of the YAML)."""

    def __init__(self, key: str, first: int, mark: yaml.Mark) -> None:
        super().__init__(problem=f"duplicate key {key!r}", problem_mark=mark)
        self.key, self.first = key, first


class TextDates(yaml.SafeLoader):
    """YAML loader that keeps dates as text and refuses a key given twice and aliases.

    An alias (``*name``) repeats a value without writing it out, so a few lines could stand
    for billions of values once the front matter is written out again.
    """

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent) and self.peek_event().anchor in self.anchors:
            raise yaml.composer.ComposerError(
                problem="found an alias (*name); write the value out instead",
                problem_mark=self.peek_event().start_mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[str, int] = {}
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                if key.value in seen:
                    raise DuplicateKey(key.value, seen[key.value], key.start_mark)
                seen[key.value] = key.start_mark.line
        return super().construct_mapping(node, deep=deep)


TextDates.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def load(text: str) -> Any:
    """Parse YAML with dates as text; a key given twice is a :class:`yaml.YAMLError`."""
    return yaml.load(text, Loader=TextDates)  # noqa: S506 (a SafeLoader)


def yaml_problem(err: yaml.YAMLError) -> tuple[int, str]:
    """Where (a 0-based line of the YAML text) and what a YAML error is, in one line."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return (mark.line if mark else 0), problem


@dataclass(frozen=True)
class FrontMatter:
    """A page's front matter: its YAML text, values, and the file line of each top-level key."""

    text: str
    data: dict[str, Any]
    lines: dict[str, int]
    #: Offsets in the source: where the YAML starts and ends, and where the page's body starts.
    start: int
    end: int
    body: int


_OPENER = re.compile(r"(-{3,})[^\n]*(?:\n|\Z)")


def _closer(line: str, dashes: int) -> bool:
    """Whether ``line`` closes front matter as MyST does: ``...``, or as many dashes or more."""
    return bool(
        re.fullmatch(r"\.\.\.[ \t]*", line) or re.fullmatch(rf" {{0,3}}-{{{dashes},}}[ \t]*", line)
    )


def front_matter_text(source: str) -> str | None:
    """The YAML between the opening ``---`` and the closing line, if the page has front matter."""
    found = _split(source)
    return None if found is None else source[found[0] : found[1]]


def _split(source: str) -> tuple[int, int, int] | None:
    """Offsets of the YAML's start and end and of the closing line's end (None: no block).

    Raises :class:`FrontMatterError` when the block is never closed.
    """
    opener = _OPENER.match(source)
    if opener is None:
        return None
    offset = start = opener.end()
    for line in source[start:].splitlines(keepends=True):
        if _closer(line.rstrip("\r\n"), len(opener[1])):
            return start, offset, offset + len(line)
        offset += len(line)
    raise FrontMatterError("front matter is not closed: add a '---' line after it", 1)


def read(source: str) -> FrontMatter | None:
    """Read the front matter at the start of ``source``; its lines are counted from 1.

    Returns None when there is none; raises :class:`FrontMatterError` when it is not closed,
    not valid YAML, gives a key twice, or is not a mapping of keys to values.
    """
    found = _split(source)
    if found is None:
        return None
    start, end, body = found
    text = source[start:end]
    offset = 2  # the YAML's first line follows the opening ---
    loader = TextDates(text)
    try:
        node = loader.get_single_node()
        data = {} if node is None else loader.construct_document(node)
    except DuplicateKey as err:
        first, line = offset + err.first, offset + err.problem_mark.line
        message = f"{err.key}: given twice (lines {first} and {line}); keep one of the two"
        raise FrontMatterError(message, line) from None
    except yaml.YAMLError as err:
        line, problem = yaml_problem(err)
        message = f"front matter: not valid YAML ({problem}); {YAML_FIX}"
        raise FrontMatterError(message, offset + line) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise FrontMatterError(
            "front matter: not valid YAML (it is not a list of 'key: value' lines); " + YAML_FIX,
            offset,
        )
    lines = {str(k.value): offset + k.start_mark.line for k, _ in getattr(node, "value", [])}
    return FrontMatter(text, data, lines, start, end, body)


@dataclass
class Page:
    """A source file's front matter after checking: values to build with, mistakes, text."""

    meta: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)
    source: str = ""


def key_of(message: str) -> str:
    """The key a ``"<key>: ..."`` or ``"<key>[0]..."`` message is about."""
    return re.split(r"[:\[. ]", message, maxsplit=1)[0]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _stub(name: str) -> str:
    return f"# {PurePosixPath(name).stem}\n"


def read_page(name: str, text: str, schema: Schema = clean_post, in_blog: bool = False) -> Page:
    """Check the front matter of the file ``name`` (a path relative to the site) read as ``text``.

    ``in_blog``: the file is in the blog's folder, so it must be a post with front matter.
    """
    if name.endswith(".ipynb"):
        return _read_notebook(name, text, schema, in_blog)
    if in_blog and not text.strip():
        return Page(
            {},
            [(1, "the post is empty; write its front matter and text, or delete it")],
            _stub(name),
        )
    try:
        front = read(text)
    except FrontMatterError as err:
        return Page({}, [(err.line, str(err))], _stub(name))
    if front is None:
        meta, messages = schema({})
        problems = [(1, "no front matter: start the file with a '---' line")] if in_blog else []
        return Page(meta, problems + [(1, m) for m in messages], text)
    meta, messages = schema(front.data)
    problems = [(front.lines.get(key_of(m), 1), m) for m in messages]
    if meta.get("blogpost") is not True:
        return Page(meta, problems, text)
    if not text[front.body :].strip():
        problems.append((1, "the post has no text: write it below the front matter"))
    meta.setdefault("title", PurePosixPath(name).stem)  # one error, not a warning per heading
    # The values as JSON (valid YAML) on one line, the other lines blank: lines stay put.
    fixed = _json(meta) + "\n" * front.text.count("\n")
    return Page(meta, problems, text[: front.start] + fixed + text[front.end :])


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


def _stub_notebook(name: str) -> str:
    cell = {"cell_type": "markdown", "id": "title", "metadata": {}, "source": _stub(name)}
    notebook = {"cells": [cell], "metadata": {"kernelspec": DEFAULT_KERNELSPEC}}
    return _json({**notebook, "nbformat": 4, "nbformat_minor": 5})


def _cell_text(cell: dict[str, Any]) -> str:
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
    cell_text = _cell_text(cell)

    def cell_line(line: int) -> int:
        step = (line - 1,) if isinstance(cell.get("source"), list) else ()
        return json_line(text, ("cells", index, "source", *step))

    try:
        block = read(cell_text)
    except FrontMatterError as err:
        problems.append((cell_line(err.line), f"cell {index + 1}: {err}"))
        cell["source"] = _stub(name)
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
    cell["source"] = cell_text[block.body :]
    if not cell["source"].strip():
        del cells[index]
    return index, lines


def _read_notebook(name: str, text: str, schema: Schema, in_blog: bool) -> Page:
    """A notebook's front matter: its metadata and the ``---`` block of its first Markdown cell."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as err:
        message = (
            f"not a valid notebook ({err.msg.removesuffix(' at')}, column {err.colno}); "
            "fix the JSON, or open the notebook in JupyterLab and save it again"
        )
        return Page({}, [(err.lineno, message)], _stub_notebook(name))
    if not (
        isinstance(notebook, dict)
        and isinstance(notebook.get("cells"), list)
        and isinstance(notebook.get("metadata"), dict)
        and notebook.get("nbformat") == 4
    ):
        message = "not a Jupyter notebook (nbformat 4); save it again from JupyterLab"
        return Page({}, [(1, message)], _stub_notebook(name))
    metadata: dict[str, Any] = notebook["metadata"]
    cells: list[Any] = notebook["cells"]
    problems: list[tuple[int, str]] = []
    kernelspec = metadata.get("kernelspec")
    if not isinstance(kernelspec, dict) or not isinstance(kernelspec.get("name"), str):
        problems.append(
            (
                json_line(text, ("metadata",)),
                "metadata: no kernelspec; pick a kernel in JupyterLab (Kernel > Change Kernel) "
                'and save, or add "kernelspec": {"name": "python3", "display_name": "Python 3"}',
            )
        )
        metadata["kernelspec"] = DEFAULT_KERNELSPEC
    front = {k: v for k, v in metadata.items() if k not in NOTEBOOK_KEYS}
    index, in_cell = _move_cell_front_matter(name, text, cells, front, problems)
    if in_blog and not front:
        problems.append(
            (
                1,
                "no front matter: add blogpost, title and date to the notebook's "
                "metadata, or a '---' block at the top of its first Markdown cell",
            )
        )
    meta, messages = schema(front)
    for message in messages:
        key = key_of(message)
        line = in_cell.get(key) or json_line(text, ("metadata", key))
        problems.append((line, f"cell {index + 1}: {message}" if key in in_cell else message))
    if meta.get("blogpost") is True:
        meta.setdefault("title", PurePosixPath(name).stem)
        if not any(isinstance(c, dict) and _cell_text(c).strip() for c in cells):
            problems.append((1, "the post has no text: add a Markdown cell"))
    notebook["metadata"] = {
        **{k: v for k, v in metadata.items() if k in NOTEBOOK_KEYS},
        **json.loads(_json(meta)),
    }
    return Page(meta, sorted(problems), _json(notebook))


def flag(metadata: dict[str, Any], field: str) -> bool:
    """Whether a true/false front-matter ``field`` is true (Sphinx may keep it as text)."""
    return str(metadata.get(field, "")).lower() == "true"
