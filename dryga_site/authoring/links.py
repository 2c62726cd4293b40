"""Internal links of a built site: every href, src and #anchor must resolve in the build.

Sphinx checks the cross-references it makes; this checks everything else a reader can
click: raw HTML in posts, templates, notebook outputs and the pages ablog generates.
Links to other sites (http, https, mailto, ...) are left to ``sphinx -b linkcheck``;
absolute links into the site itself (``base_url``) are checked like relative ones.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..core.problems import Problem
from ..extension.shared import GENERATED_ALT

SOURCE_SUFFIXES = (".md", ".ipynb", ".rst")
#: Folders of theme and extension files, not pages (``_static`` holds Jinja macro files).
ASSET_FOLDERS = ("_static", "_images", "_sources")
#: Pages a host serves at any missing address, so relative links in them break.
SERVED_ANYWHERE = ("404.html",)


@dataclass
class Page:
    """The ids of one built HTML page and the links it makes, with their lines."""

    ids: set[str] = field(default_factory=set)
    links: list[tuple[int, str]] = field(default_factory=list)
    #: The alt text of each image whose alt text the build made up (``GENERATED_ALT``).
    made_up_alts: list[str] = field(default_factory=list)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.page.ids.add(value)
            elif name in ("href", "src"):
                self.page.links.append((line, value.strip()))
        found = dict(attrs)
        if tag == "img" and GENERATED_ALT in (found.get("class") or "").split():
            self.page.made_up_alts.append(found.get("alt") or "")

    handle_startendtag = handle_starttag


def parse_html(text: str) -> Page:
    """The ids and links of a piece of HTML."""
    parser = _PageParser()
    parser.feed(text)
    parser.close()
    return parser.page


def _target(page: str, url: str, base_url: str) -> tuple[str, str] | None:
    """The built file (relative to the build root) and anchor ``url`` points to.

    None for links to other sites; a path starting with ``../`` leaves the site.
    """
    if base_url and url.startswith(base_url):
        url = "/" + url[len(base_url) :]
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    path, anchor = unquote(parts.path), unquote(parts.fragment)
    if not path:
        return page, anchor
    prefix = urlsplit(base_url).path or "/"
    if path.startswith("/"):
        path = path[len(prefix) :] if path.startswith(prefix) else "../" + path
    else:
        path = posixpath.join(posixpath.dirname(page), path)
    resolved = posixpath.normpath(path)
    if path.endswith("/") or resolved == ".":
        resolved = posixpath.join(resolved, "index.html")
    return resolved, anchor


def _source_of(page: str, srcdir: Path | None) -> Path | None:
    if srcdir is None:
        return None
    stem = page.removesuffix(".html")
    for suffix in SOURCE_SUFFIXES:
        if (srcdir / (stem + suffix)).is_file():
            return srcdir / (stem + suffix)
    return None


def _locate(page: str, line: int, url: str, html: Path, srcdir: Path | None) -> tuple[str, int]:
    """Where an author fixes a link: its line in the page's source, else in the built file."""
    source = _source_of(page, srcdir)
    if source is not None:
        anchor = urlsplit(url).fragment
        needles = [url, f"#{anchor}" if anchor else "", posixpath.basename(url.split("#")[0])]
        # errors="replace": a source that is not UTF-8 is reported as such, not here
        lines = source.read_bytes().decode("utf-8", errors="replace").splitlines()
        for needle in filter(None, needles):
            for number, text in enumerate(lines, start=1):
                if needle in text:
                    return source.relative_to(srcdir).as_posix(), number
    built = html / page
    try:
        shown = built.relative_to(srcdir).as_posix() if srcdir else str(built)
    except ValueError:
        shown = str(built)
    return shown, line


def read_site(html: Path) -> dict[str, Page]:
    """Every page of the site built in ``html``, by its path there, read once."""
    return {
        path.relative_to(html).as_posix(): parse_html(path.read_text(encoding="utf-8"))
        for path in sorted(html.rglob("*.html"))
        if path.relative_to(html).parts[0] not in ASSET_FOLDERS
    }


def check_links(
    html: Path,
    srcdir: Path | None = None,
    base_url: str = "",
    pages: dict[str, Page] | None = None,
) -> list[Problem]:
    """Every internal link of the site built in ``html`` that does not resolve.

    ``srcdir`` lets problems name the source file and line an author edits;
    ``base_url`` is the site's canonical URL, whose links are checked too; ``pages`` is the
    site as :func:`read_site` read it, if it was read already.
    """
    pages = read_site(html) if pages is None else pages
    problems: set[Problem] = set()
    for name, page in pages.items():
        for line, url in page.links:
            target = _target(name, url, base_url)
            if target is None:
                continue
            path, anchor = target
            message = ""
            if name in SERVED_ANYWHERE and not url.startswith(("/", "#")) and "//" not in url:
                message = f"link {url!r} must start with '/': {name} is served at any address"
            elif path.startswith("../"):
                message = f"link {url!r} leads outside the site"
            elif not (html / path).is_file():
                message = f"broken link {url!r}: no {path} in the build"
            elif anchor and path in pages and anchor not in pages[path].ids:
                message = f"broken anchor {url!r}: {path} has no id {anchor!r}"
            if message:
                problems.add(Problem(*_locate(name, line, url, html, srcdir), message))
    return sorted(problems)
