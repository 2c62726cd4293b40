"""The adapters to upstream HTML still match what upstream writes.

_templates/adapters.html edits HTML that pydata-sphinx-theme and Sphinx render, by its text.
If an upgrade changes that text, an edit would silently stop applying (Font Awesome back on
every page, search scripts blocking the first paint): these tests fail first.
"""

from __future__ import annotations

import re
from pathlib import Path

import pydata_sphinx_theme
import sphinx

from conftest import ROOT, small_site, soup, sphinx_app

ADAPTERS = (ROOT / "_templates" / "adapters.html").read_text(encoding="utf-8")
THEME = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
SEARCH_PAGE = Path(sphinx.__file__).parent / "themes" / "basic" / "search.html"


def listed(name: str) -> list[str]:
    """The strings of the list ``name`` set in adapters.html."""
    found = re.search(rf"{{%- set {name} = \[(.*?)\] %}}", ADAPTERS)
    assert found, f"no list {name} in _templates/adapters.html"
    return [a or b for a, b in re.findall(r'"([^"]*)"|\'([^\']*)\'', found[1])]


def test_the_theme_still_writes_each_line_the_layout_drops() -> None:
    theme = (THEME / "layout.html").read_text() + (
        THEME / "static" / "webpack-macros.html"
    ).read_text()
    missing = [text for text in listed("theme_unused") if text not in theme]
    assert not missing, f"pydata-sphinx-theme no longer writes {missing}: update adapters.html"


def test_the_theme_stylesheet_still_only_imports_basic_css() -> None:
    css = (THEME / "static" / "styles" / "theme.css").read_text()
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.S).split()
    assert rules == ["@import", '"../basic.css";']


def test_sphinx_search_page_still_writes_its_scripts_as_plain_tags() -> None:
    lines = SEARCH_PAGE.read_text().splitlines()
    for script in listed("search_scripts"):
        tags = [line for line in lines if script in line]
        assert tags and all("<script src=" in tag for tag in tags), script


def test_a_posts_first_heading_closes_its_title(html: Path) -> None:
    """after_title() puts the post's date line after the first </h1> of its body."""
    for post in sorted((ROOT / "blog").glob("*.md")):
        title = soup(html / "blog" / f"{post.stem}.html").select_one("article h1")
        meta = title.find_next_sibling()
        assert meta is not None and "post-meta" in meta.get("class", []), post.name


def test_a_serial_build_gives_sphinx_sitemap_a_plain_queue(tmp_path: Path) -> None:
    """dryga_site.sitemap disconnects sphinx-sitemap's own builder-inited step (found by its
    name) and starts no helper process: a renamed step upstream would bring the Manager back."""
    import multiprocessing
    import queue

    from sphinx_sitemap import record_builder_type

    app = sphinx_app(small_site(tmp_path / "src", {"index.md": "# Home\n"}, []))
    try:
        handlers = [listener.handler for listener in app.events.listeners["builder-inited"]]
        assert record_builder_type not in handlers
        assert type(app.sitemap_links) is queue.Queue
        assert not multiprocessing.active_children()
    finally:
        app.cleanup()
