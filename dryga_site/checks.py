"""The checks behind ``python -m dryga_site check``, each returning located problems.

Front matter is checked in the sources, the build log is turned into one line per
warning, and the Atom feed is read back as a feed reader would read it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .frontmatter import front_matter_text, load
from .linkcheck import Problem, parse_html
from .schema import validate_project

POST_DESCRIPTION_PLACEHOLDER = "One sentence on what a reader takes away from this post."
_WARNING = re.compile(
    r"^(?:(?P<path>[^\s:][^:]*?)(?::(?P<line>\d+))?: )?(?P<level>WARNING|ERROR|CRITICAL): "
    r"(?P<message>.+)$"
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
_TAG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def read_front_matter(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The front matter of a MyST file, read as the build reads it, and each top-level key's line.

    Raises ValueError when there is no front matter or it is not a YAML mapping.
    """
    source = path.read_text(encoding="utf-8")
    text = front_matter_text(source)
    if text is None:
        raise ValueError("no front matter: start the file with a '---' line")
    lines = text.splitlines()
    if len(lines) + 1 == len(source.splitlines()):  # read to the end: no closing line
        raise ValueError("front matter is not closed: add a '---' line after it")
    try:
        meta = load(text) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"front matter is not valid YAML: {exc}".splitlines()[0]) from None
    if not isinstance(meta, dict):
        raise ValueError("front matter must be a mapping of keys to values")
    keys = {}
    for number, line in enumerate(lines, start=2):
        if match := _KEY.match(line):
            keys.setdefault(match.group(1), number)
    return meta, keys


def _line_for(message: str, keys: dict[str, int]) -> int:
    """The line of the key a ``"<key>: ..."`` message is about (1 when unknown)."""
    key = re.split(r"[:\[. ]", message, maxsplit=1)[0]
    return keys.get(key, 1)


def post_problems(meta: dict[str, Any]) -> list[str]:
    """What the build does not check in a post's front matter: ``"<key>: ..."`` messages.

    Pages without ``blogpost: true`` are not posts and have none. Dates and the draft flag
    are checked by the build itself (``posts.py``).
    """
    if meta.get("blogpost") is not True:
        return []
    problems = []
    if not isinstance(meta.get("title"), str) or not meta["title"].strip():
        problems.append('title: missing; add `title: "..."`')
    tags = meta.get("tags", [])
    if not isinstance(tags, list):
        problems.append("tags: must be a list, e.g. [elixir, testing]")
    elif bad := [str(tag) for tag in tags if not isinstance(tag, str) or not _TAG.match(tag)]:
        problems.append(f"tags: {', '.join(bad)} must be lowercase words joined by hyphens")
    if not meta.get("draft") and meta.get("description") == POST_DESCRIPTION_PLACEHOLDER:
        problems.append("description: still the placeholder; sum the post up in one sentence")
    return problems


def front_matter_problems(root: Path) -> list[Problem]:
    """Front-matter problems of every post and project page under ``root``."""
    problems = []
    pages = [(path, post_problems) for path in sorted(root.glob("blog/*.md"))]
    pages += [
        (path, validate_project)
        for path in sorted(root.glob("projects/*.md"))
        if path.name != "index.md"
    ]
    for path, validate in pages:
        name = path.relative_to(root).as_posix()
        try:
            meta, keys = read_front_matter(path)
        except ValueError as exc:
            problems.append(Problem(name, 1, str(exc)))
            continue
        problems += [Problem(name, _line_for(m, keys), m) for m in validate(meta)]
    return problems


def build_log_problems(log: str, root: Path) -> list[Problem]:
    """Every warning and error of a Sphinx build log, one problem each."""
    problems = []
    for raw in log.splitlines():
        match = _WARNING.match(_ANSI.sub("", raw).strip())
        if not match:
            continue
        path = match["path"] or "_config.yml"
        try:
            path = Path(path).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
        problems.append(Problem(path, int(match["line"] or 1), match["message"]))
    return list(dict.fromkeys(problems))


def feed_problems(html: Path, root: Path, base_url: str) -> list[Problem]:
    """Problems a feed reader would meet in ``blog/atom.xml``, and drafts that leaked into it."""
    import feedparser

    feed_path = html / "blog" / "atom.xml"
    name = _shown(feed_path, root)
    if not feed_path.is_file():
        return [Problem(name, 1, "the Atom feed was not built")]
    feed = feedparser.parse(feed_path.read_bytes())
    if feed.bozo:
        return [Problem(name, 1, f"the feed does not parse: {feed.bozo_exception}")]
    lines = feed_path.read_text(encoding="utf-8").splitlines()
    drafts = {path.stem for path in root.glob("blog/*.md") if _is_draft(path)}
    problems = []
    for entry in feed.entries:
        link, title = entry.get("link", ""), entry.get("title", "").strip()
        line = next((n for n, text in enumerate(lines, 1) if link and link in text), 1)
        where = f"entry {title or link or '?'!r}"
        messages = []
        if not title:
            messages.append(f"{where} has no title")
        if not entry.get("updated_parsed") and not entry.get("published_parsed"):
            messages.append(f"{where} has no date")
        if urlsplit(link).scheme not in ("http", "https"):
            messages.append(f"{where} links to {link!r}, not to an absolute http(s) address")
        elif base_url and not link.startswith(base_url):
            messages.append(f"{where} links to {link!r}, outside {base_url}")
        elif base_url:
            page = link[len(base_url) :].split("#")[0]
            if not (html / page).is_file():
                messages.append(f"{where} links to {link!r}, which is not a built page")
            if page.startswith("blog/") and Path(page).stem in drafts:
                messages.append(f"{where} is a draft, which must stay out of the feed")
        for content in entry.get("content", []):
            relative = [u for _, u in parse_html(content.value).links if not urlsplit(u).scheme]
            if relative:
                messages.append(
                    f"{where} has relative links, which readers cannot follow: {relative[0]!r}"
                )
        problems += [Problem(name, line, message) for message in messages]
    return problems


def _is_draft(path: Path) -> bool:
    try:
        return bool(read_front_matter(path)[0].get("draft"))
    except ValueError:
        return False


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
