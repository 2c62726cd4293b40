"""A page costs only what it shows: the assets it uses, images when the reader reaches them.

Sphinx links every registered stylesheet and script on every page: code highlighting and the
copy button on pages without code, sphinx-design on pages without cards, notebook styles on
pages without cells. This drops them where the page's HTML shows no use; assets not named in
``site_page_assets`` are left alone. Images (figures, notebook plots) load lazily unless their
directive says otherwise (docutils' ``:loading:`` option).
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

#: Asset file name (or its start) -> pattern in the page's HTML showing the page needs it.
#: ``None``: no page needs it (doctools only serves the search page, see below;
#: sphinx_highlight only marks the searched words on a result page).
DEFAULT_PAGE_ASSETS: dict[str, str | None] = {
    "pygments.css": r'class="highlight',
    "copybutton.css": r'class="highlight',
    "clipboard.min.js": r'class="highlight',
    "copybutton.js": r'class="highlight',
    "mystnb.": r'class="cell[ _"]',
    "sphinx-design.min.css": r'class="[^"]*\bsd-',
    "design-tabs.js": r'class="[^"]*\bsd-tab-set',
    "doctools.js": None,
    "sphinx_highlight.js": None,
}
#: The search page's results come from searchtools.js (added by the theme's search template),
#: which takes its messages from doctools.js.
SEARCH_PAGE_ASSETS = ("doctools.js",)


def page_html(context: dict[str, Any]) -> str:
    """The page's own HTML: its body, or for ablog listings the excerpts they show."""
    html = context.get("body") or ""
    posts = context.get("collection") or []
    for post in posts:
        for node in getattr(post, "excerpt", []):
            if next(iter(node.findall(nodes.literal_block)), None) is not None:
                html += '<div class="highlight">'
    return html


def needed(filename: str, html: str, pagename: str, rules: dict[str, str | None]) -> bool:
    """Whether a page with ``html`` needs the asset ``filename``."""
    name = filename.rsplit("/", 1)[-1]
    for start, pattern in rules.items():
        if name.startswith(start):
            if pagename == "search" and name in SEARCH_PAGE_ASSETS:
                return True
            return pattern is not None and re.search(pattern, html) is not None
    return True


def prune_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Drop the registered assets this page does not use."""
    rules = app.config.site_page_assets
    html = page_html(context)
    for key in ("css_files", "script_files"):
        if key in context:
            context[key] = [
                asset
                for asset in context[key]
                if not getattr(asset, "filename", None)
                or needed(str(asset.filename), html, pagename, rules)
            ]


def lazy_images(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Load images as the reader scrolls to them; an image's own ``:loading:`` wins."""
    for image in doctree.findall(nodes.image):
        image.setdefault("loading", "lazy")


def _check_rules(app: Sphinx, config: Config) -> None:
    for pattern in config.site_page_assets.values():
        if pattern is not None:
            re.compile(pattern)


def setup(app: Sphinx) -> None:
    """Register the asset rules; prune after every other extension has added its assets."""
    app.add_config_value("site_page_assets", DEFAULT_PAGE_ASSETS, "html", types=[dict])
    app.connect("config-inited", _check_rules)
    app.connect("html-page-context", prune_assets, priority=900)
    app.connect("doctree-resolved", lazy_images)
