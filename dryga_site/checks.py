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

from . import frontmatter
from .frontmatter import read_page
from .linkcheck import Problem, parse_html
from .schema import clean_post, is_draft, validate_project, validate_slug

_WARNING = re.compile(
    r"^(?:(?P<path>[^\s:][^:]*?)(?::(?P<line>\d+))?: )?(?P<level>WARNING|ERROR|CRITICAL): "
    r"(?P<message>.+)$"
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def read_front_matter(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The front matter of a MyST file, read as the build reads it, and each top-level key's line.

    Raises ValueError when there is no front matter or it cannot be read.
    """
    front = frontmatter.read(path.read_text(encoding="utf-8"))
    if front is None:
        raise ValueError("no front matter: start the file with a '---' line")
    return front.data, front.lines


def _project(slug: str) -> frontmatter.Schema:
    def schema(meta: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        return meta, validate_slug(slug) + validate_project(meta)

    return schema


def _posts(root: Path) -> list[Path]:
    return sorted(p for p in (root / "blog").glob("*") if p.suffix in (".md", ".ipynb"))


def front_matter_problems(root: Path) -> list[Problem]:
    """Front-matter problems of every post and project page, as the build finds them."""
    pages = [(path, clean_post, True) for path in _posts(root)]
    pages += [
        (path, _project(path.stem), False)
        for path in sorted(root.glob("projects/*.md"))
        if path.name != "index.md"
    ]
    problems = []
    for path, schema, in_blog in pages:
        name = path.relative_to(root).as_posix()
        page = read_page(name, path.read_text(encoding="utf-8"), schema, in_blog)
        problems += [Problem(name, line, message) for line, message in page.problems]
    return problems


def config_problems(root: Path) -> list[Problem]:
    """``_config.yml`` read as Jupyter Book reads it: one located problem when it cannot be."""
    try:
        yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        line, problem = frontmatter.yaml_problem(err)
        return [Problem("_config.yml", line + 1, f"not valid YAML ({problem}); fix this line")]
    return []


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
    drafts = {path.stem for path in _posts(root) if _is_draft(path)}
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
        text = path.read_text(encoding="utf-8")
    except OSError:
        return False
    return is_draft(read_page(path.name, text).meta)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
