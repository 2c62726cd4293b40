"""The one entry point for a page's front matter, for every kind of page.

:func:`read_page` reads a source file (a MyST page or a ``.ipynb`` notebook), picks the schema
by the kind of page (a post, a project page, any other page) and returns every mistake as
``(line, message)`` with the text to build from: the same values, fixed in memory (dates
quoted, tags lower-cased, wrong values left out), so nothing downstream (MyST, jupyter-cache,
ablog) meets a value it cannot handle. The build calls it on ``source-read``
(``extension/sources.py``) and ``python -m dryga_site check`` on the files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from . import frontmatter
from .frontmatter import FrontMatterError, dumps, key_of, stub
from .notebook import read_notebook, stub_notebook
from .posts import clean_post
from .projects import validate_project, validate_slug, with_defaults

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


def read_page(name: str, text: str, folders: Folders = Folders()) -> Page:
    """Check the front matter of the file ``name`` (a path relative to the site), read as
    ``text``, against the schema of its kind."""
    kind = kind_of(name, folders)
    if kind == PROJECT:
        page = _read(name, text, project_schema(PurePosixPath(name).stem), in_blog=False)
        title = page.meta.get("title")
        if not page.problems:
            page.source = text
        elif isinstance(title, str) and title.strip():  # read as a bare title: nothing else
            page.source = f"# {title}\n"  # adds a second, confusing message
        else:
            page.source = stub(name)
    else:
        page = _read(name, text, clean_post, in_blog=kind == POST)
    page.kind = kind
    return page


def _read(name: str, text: str, schema: Schema, in_blog: bool) -> Page:
    """Check the front matter of the file ``name`` (a path relative to the site) read as ``text``.

    ``in_blog``: the file is in the blog's folder, so it must be a post with front matter.
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
    meta, messages = schema(front.data)
    problems = [(front.lines.get(key_of(m), 1), m) for m in messages]
    if meta.get("blogpost") is not True:
        return Page(meta, problems, text)
    if not text[front.body :].strip():
        problems.append((1, "the post has no text: write it below the front matter"))
    meta.setdefault("title", PurePosixPath(name).stem)  # one error, not a warning per heading
    # The values as JSON (valid YAML) on one line, the other lines blank: lines stay put.
    fixed = dumps(meta) + "\n" * front.text.count("\n")
    return Page(meta, problems, text[: front.start] + fixed + text[front.end :])


def _read_notebook(name: str, text: str, schema: Schema, in_blog: bool) -> Page:
    """A notebook's front matter, checked: see :func:`dryga_site.core.notebook.read_notebook`."""
    found = read_notebook(name, text)
    if found.notebook is None:
        return Page({}, found.problems, stub_notebook(name))
    problems = list(found.problems)
    if in_blog and not found.front:
        problems.append(
            (
                1,
                "no front matter: add blogpost, title and date to the notebook's "
                "metadata, or a '---' block at the top of its first Markdown cell",
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
