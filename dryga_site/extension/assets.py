"""A page costs only what it shows: the assets it uses, images when the reader reaches them.

Sphinx links every registered stylesheet and script on every page: code highlighting and the
copy button on pages without code, sphinx-design on pages without cards, notebook styles on
pages without cells. This drops them where the page's HTML shows no use; assets not named in
``site_page_assets`` are left alone. What stays is loaded as late as it can be, so the first
paint waits for styles only: scripts deferred, the copy button fetched after the page has
loaded, the tiny options script inlined. Images (figures, notebook plots) load lazily unless
their directive says otherwise (docutils' ``:loading:`` option).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

from .state import store

#: Asset file name (or its start) -> pattern in the page's HTML showing the page needs it.
#: ``None``: no page needs it but the search page (see below).
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
#: which takes its messages from doctools.js and a setting from sphinx_highlight.js. (On other
#: pages sphinx_highlight would only mark the searched words, so they go without.)
SEARCH_PAGE_ASSETS = ("doctools.js", "sphinx_highlight.js")
#: Scripts that wait for the DOM anyway, so they may run after parsing (in document order) and
#: never delay the first paint. The search page's two must run before the search template's
#: scripts, which _templates/search.html defers too.
DEFERRED_SCRIPTS = ("design-tabs.js", *SEARCH_PAGE_ASSETS)
#: What only adds to what the reader already sees (copy buttons on code): fetched, in order,
#: once the page has loaded, so it never competes with what the page shows first.
AFTER_LOAD_ASSETS = ("copybutton.css", "clipboard.min.js", "copybutton.js")
#: A tiny script every page needs before its inline settings run: cheaper inline than fetched.
INLINED_SCRIPTS = ("documentation_options.js",)


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


def _name(asset: Any) -> str:
    return str(getattr(asset, "filename", "") or "").rsplit("/", 1)[-1]


def _put_in_place_of(app: Sphinx, scripts: list[Any], old: Any, *args: Any, **kw: Any) -> None:
    """Add a script to this page the public way (``app.add_js_file``), where ``old`` was.

    Sphinx builds its asset objects itself, so a changed one is added anew; during
    ``html-page-context`` it is appended to this page's ``script_files``, and moved from there.
    """
    index = scripts.index(old)
    app.add_js_file(*args, priority=old.priority, **kw)
    scripts[index] = scripts.pop()


def load_late(app: Sphinx, scripts: list[Any], script: Any) -> None:
    """Change ``script`` so that it does not hold up the first paint, if it can be.

    Scripts in ``DEFERRED_SCRIPTS`` get ``defer``; a script in ``INLINED_SCRIPTS`` is written
    into the page instead of costing a blocking request.
    """
    name, attributes = _name(script), getattr(script, "attributes", {})
    if {"defer", "async"} & attributes.keys():
        return
    if name in DEFERRED_SCRIPTS:
        filename = str(script.filename).removeprefix("_static/")
        _put_in_place_of(app, scripts, script, filename, loading_method="defer", **attributes)
        return
    built = Path(app.outdir, "_static", name)
    if name in INLINED_SCRIPTS and built.is_file():
        _put_in_place_of(app, scripts, script, None, body=built.read_text(encoding="utf-8"))


#: Adds each [tag, properties] element to the head, in order, once the page has loaded.
LOADER = (
    'addEventListener("load", () => {{ for (const [tag, properties] of {}) '
    "document.head.append(Object.assign(document.createElement(tag), properties)); }});"
)


def _url(tag: str) -> str:
    return re.search(r'(?:href|src)="([^"]+)"', tag)[1]


def load_after_load(app: Sphinx, context: dict[str, Any]) -> None:
    """Fetch ``AFTER_LOAD_ASSETS`` with one inline script once the page has loaded."""
    styles, scripts = context.get("css_files", []), context.get("script_files", [])
    late_styles = [css for css in styles if _name(css) in AFTER_LOAD_ASSETS]
    late_scripts = [js for js in scripts if _name(js) in AFTER_LOAD_ASSETS]
    if not late_scripts:
        return
    elements = [
        ["link", {"rel": "stylesheet", "href": _url(context["css_tag"](c))}] for c in late_styles
    ]
    elements += [
        ["script", {"src": _url(context["js_tag"](j)), "async": False}] for j in late_scripts
    ]
    priority = max(asset.priority for asset in [*late_styles, *late_scripts])
    styles[:] = [css for css in styles if css not in late_styles]
    scripts[:] = [js for js in scripts if js not in late_scripts]
    app.add_js_file(None, priority=priority, body=LOADER.format(json.dumps(elements)))


def prune_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Drop the registered assets this page does not use; load the rest as late as they can.

    The lists are changed in place: they are the ones ``app.add_js_file`` adds to.
    """
    rules = app.config.site_page_assets
    html = page_html(context)
    for key in ("css_files", "script_files"):
        if key in context:
            context[key][:] = [
                asset
                for asset in context[key]
                if not getattr(asset, "filename", None)
                or needed(str(asset.filename), html, pagename, rules)
            ]
    scripts = context.get("script_files", [])
    for script in list(scripts):
        load_late(app, scripts, script)
    load_after_load(app, context)


def lazy_images(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Load images as the reader scrolls to them; an image's own ``:loading:`` wins."""
    for image in doctree.findall(nodes.image):
        image.setdefault("loading", "lazy")


def restyle_after_static_edits(
    app: Sphinx, env: Any, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Rewrite the home page when a static file changed, so Sphinx copies the new assets.

    Sphinx copies ``_static`` only when it writes a page; an edit to the CSS alone would
    otherwise never reach an incremental build or the live preview.
    """
    stamp = max(
        (
            p.stat().st_mtime_ns
            for d in app.config.html_static_path
            for p in Path(app.confdir, d).rglob("*")
            if p.is_file()
        ),
        default=0,
    )
    state = store(env)
    previous, state.static_stamp = state.static_stamp, stamp
    return [app.config.root_doc] if previous not in (None, stamp) else []


def check_rules(app: Sphinx, config: Config) -> None:
    for pattern in config.site_page_assets.values():
        if pattern is not None:
            re.compile(pattern)
