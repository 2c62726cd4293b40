"""The one entry point for a page's front matter, for every kind of page.

:func:`read_page` reads a source file (a MyST page or a ``.ipynb`` notebook), picks the schema
by the kind of page (a post, a project page, any other page) and returns every mistake as
``(line, message)`` with the text to build from: the same values, fixed in memory (dates
quoted, tags lower-cased, wrong values left out), so nothing downstream (MyST, jupyter-cache,
ablog) meets a value it cannot handle: the front matter is handed on as JSON, for every page,
so a date written without quotes reaches them as text. A post gets one title
(:mod:`dryga_site.core.titles`). The build calls it on ``source-read``
(``extension/sources.py``); ``python -m dryga_site check`` calls :func:`read_file`, which
reads the bytes first (a file that is not UTF-8 is one located line).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from . import frontmatter
from .frontmatter import FrontMatterError, dumps, key_of, stub
from .notebook import read_notebook, stub_notebook
from .posts import CARD_FIELDS, POST_KEYS, clean_post, image_path
from .projects import validate_project, validate_slug, with_defaults
from .titles import one_title

#: What a schema returns: the values to build with, and one ``"<key>: ..."`` message per mistake.
Schema = Callable[[dict[str, Any]], tuple[dict[str, Any], list[str]]]
POST, PROJECT, PAGE = "post", "project", "page"


@dataclass(frozen=True)
class Folders:
    """Where the site keeps its posts and its project pages, relative to its root."""

    blog: str = "blog"
    projects: str = "projects"


@dataclass
class Page:
    """A source file's front matter after checking: values to build with, mistakes, text."""

    meta: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)
    source: str = ""
    kind: str = PAGE


def kind_of(name: str, folders: Folders) -> str:
    """What the file ``name`` (relative to the site) is: a post, a project page or a page.

    A project page is a MyST file right in the projects folder (not its index); a file
    anywhere in the blog's folder is a post.
    """
    path = PurePosixPath(name)
    if path.parent.as_posix() == folders.projects and path.suffix == ".md":
        return PROJECT if path.stem != "index" else PAGE
    return POST if name.startswith(folders.blog + "/") else PAGE


def project_schema(slug: str) -> Schema:
    """The schema of the project page named ``slug``: its file name, then its front matter."""

    def schema(meta: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        messages = validate_slug(slug) + validate_project(meta)
        return ({"slug": slug, **with_defaults(meta)} if not messages else meta), messages

    return schema


def post_schema(name: str, root: Path | None) -> Schema:
    """The post schema, and, when the site's folder ``root`` is given, its files: the picture
    that ``image`` names must be a file of the site."""

    def schema(meta: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        values, messages = clean_post(meta)
        image = values.get(CARD_FIELDS["image"])
        if root is None or image is None:
            return values, messages
        path = image_path(name, image)
        if path.startswith("../") or not (root / path).is_file():
            values.pop(CARD_FIELDS["image"])
            messages.append(
                f"image: {path} is not a file of the site; put the picture beside the post, "
                "or remove image"
            )
        return values, messages

    return schema


def read_page(name: str, text: str, folders: Folders = Folders(), root: Path | None = None) -> Page:
    """Check the front matter of the file ``name`` (a path relative to the site), read as
    ``text``, against the schema of its kind. With the site's folder ``root``, the files the
    front matter names are checked too."""
    kind = kind_of(name, folders)
    if kind == PROJECT:
        page = _read(name, text, project_schema(PurePosixPath(name).stem), in_blog=False)
        title = page.meta.get("title")
        if page.problems and isinstance(title, str) and title.strip():  # read as a bare title:
            page.source = f"# {title}\n"  # nothing else adds a second, confusing message
        elif page.problems:
            page.source = stub(name)
    else:
        page = _read(name, text, post_schema(name, root), in_blog=kind == POST)
    page.kind = kind
    return page


def read_file(root: Path, name: str, folders: Folders = Folders()) -> Page:
    """Read and check the file ``name`` of the site in ``root``, as the build reads it.

    A file that is not UTF-8 is one problem at the line of its first wrong byte, and is read
    as a stub.
    """
    data = (root / name).read_bytes()
    problem = not_utf8(data)
    if problem is not None:
        stand_in = stub_notebook(name) if name.endswith(".ipynb") else stub(name)
        return Page({}, [problem], stand_in, kind_of(name, folders))
    return read_page(name, data.decode("utf-8-sig"), folders, root)


def not_utf8(data: bytes) -> tuple[int, str] | None:
    """``(line, "not UTF-8 (byte N) ...")`` for the first byte of ``data`` that is not UTF-8.

    Bytes are counted from 1, as ``cmp`` and editors' "go to byte" count them.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        byte = data[err.start]
        line = data.count(b"\n", 0, err.start) + 1
        return line, (
            f"not UTF-8 (byte {err.start + 1}, 0x{byte:02X}); save the file as UTF-8 "
            "(in VS Code: Save with Encoding, UTF-8)"
        )
    return None


def _read(name: str, text: str, schema: Schema, in_blog: bool) -> Page:
    """Check the front matter of the file ``name`` (a path relative to the site) read as ``text``.

    ``in_blog``: the file is in the blog's folder, so it must be a post with front matter;
    it is one without ``blogpost: true`` (Quarto and fastpages posts do not say it), unless
    it says ``blogpost: false``.
    """
    if name.endswith(".ipynb"):
        return _read_notebook(name, text, schema, in_blog)
    if in_blog and not text.strip():
        return Page(
            {},
            [(1, "the post is empty; write its front matter and text, or delete it")],
            stub(name),
        )
    try:
        front = frontmatter.read(text)
    except FrontMatterError as err:
        return Page({}, [(err.line, str(err))], stub(name))
    if front is None:
        meta, messages = schema({})
        problems = [(1, "no front matter: start the file with a '---' line")] if in_blog else []
        return Page(meta, problems + [(1, m) for m in messages], text)
    data, lines = dict(front.data), dict(front.lines)
    if in_blog:
        data.setdefault("blogpost", True)
    body = text[front.body :]
    if data.get("blogpost") is True:
        body = _one_title(data, lines, body, text.count("\n", 0, front.body))
    meta, messages = schema(data)
    problems = [(lines.get(key_of(m), 1), m) for m in messages]
    if meta.get("blogpost") is not True:  # the values as written, JSON-safe (dates as text)
        return Page(meta, problems, _with_front(text, front, front.data, body))
    if not body.strip():
        problems.append((1, "the post has no text: write it below the front matter"))
    meta.setdefault("title", PurePosixPath(name).stem)  # one error, not a warning per heading
    return Page(meta, problems, _with_front(text, front, meta, body))


def _one_title(data: dict[str, Any], lines: dict[str, int], body: str, before: int) -> str:
    """A text post's body with one title (:mod:`dryga_site.core.titles`); a title taken from
    its H1 goes into ``data``, its line into ``lines``. ``before``: the lines above the body."""
    given = data.get("title")
    titled = one_title(given if isinstance(given, str) or given is None else "", [body])
    if "title" not in data and titled.title is not None and titled.heading is not None:
        data["title"] = titled.title
        lines["title"] = before + titled.heading.start + 1
    return titled.texts[0]


def _with_front(text: str, front: frontmatter.FrontMatter, values: dict, body: str) -> str:
    """The page to build from: ``values`` as JSON (valid YAML, so no date or other value that
    JSON cannot hold reaches MyST, Jupytext or jupyter-cache) on the front matter's first line,
    its other lines blank, so every line stays put; then ``body``."""
    fixed = dumps(values) + "\n" * front.text.count("\n")
    return text[: front.start] + fixed + text[front.end : front.body] + body


def _read_notebook(name: str, text: str, schema: Schema, in_blog: bool) -> Page:
    """A notebook's front matter, checked: see :func:`dryga_site.core.notebook.read_notebook`."""
    found = read_notebook(name, text, in_blog)
    if found.notebook is None:
        return Page({}, found.problems, stub_notebook(name))
    problems = list(found.problems)
    if in_blog and not set(found.front) & set(POST_KEYS):
        problems.append(
            (
                1,
                "no front matter: add blogpost, title and date to the notebook's metadata, "
                "to a '---' block at the top of its first Markdown cell, or to a Quarto raw "
                "first cell",
            )
        )
    meta, messages = schema(found.front)
    for message in messages:
        key = key_of(message)
        problems.append((found.line_of(text, key), found.where(key, message)))
    if meta.get("blogpost") is True:
        meta.setdefault("title", PurePosixPath(name).stem)
        if not found.has_text():
            problems.append((1, "the post has no text: add a Markdown cell"))
    return Page(meta, sorted(problems), found.written(meta))
