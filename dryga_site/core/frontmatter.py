"""Front matter, read once: the ``---`` block of YAML at the top of a page.

:func:`read` is the one reader of that block. It closes the block where MyST does (a ``---``
or ``...`` line), keeps dates as the text the author wrote (so none can crash it), refuses
duplicate keys and aliases, and returns the YAML text, the values and the line of every key.
What the values must be is :mod:`dryga_site.core.pages`' concern.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import yaml

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


def key_of(message: str) -> str:
    """The key a ``"<key>: ..."`` or ``"<key>[0]..."`` message is about."""
    return re.split(r"[:\[. ]", message, maxsplit=1)[0]


def dumps(value: Any) -> str:
    """``value`` as JSON (valid YAML too), dates as their ISO text."""
    return json.dumps(value, ensure_ascii=False, default=str)


def stub(name: str) -> str:
    """A page that is only a title: what is built from a file whose front matter is broken."""
    return f"# {PurePosixPath(name).stem}\n"
