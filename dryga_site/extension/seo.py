"""Canonical URLs, robots.txt and the 404 page prefix, derived from one base URL; what a
page says about itself to search engines, link previews and the blog's lists.

The base URL is ``html_baseurl`` from ``_config.yml``; on Read the Docs the
``READTHEDOCS_CANONICAL_URL`` environment variable replaces it, so canonical
links, the sitemap, OpenGraph tags, the Atom feed and the 404 page all agree.

A page's **lead** is its first real paragraph (:func:`lead_paragraphs`): prose of its own,
not a docutils note, a heading, an image, a byline or anything inside a list, quote, box,
table or code cell. The blog's lists show a post's lead; search engines and link previews
get the page's ``description``, else its lead.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

from docutils import nodes
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.config import Config

from ..core.posts import image_path

#: Raw HTML that starts a block of its own: a paragraph holding it is markup (a byline
#: ``<div>``, a centred banner), not prose.
_BLOCK_HTML = re.compile(r"<(?:div|p|center|table|img|iframe|h[1-6]|figure|section)\b", re.I)
#: Inline parts whose text is not the paragraph's prose.
_NOT_PROSE = (nodes.raw, nodes.image, nodes.footnote_reference, nodes.citation_reference)


def _is_lead(paragraph: nodes.paragraph) -> bool:
    """Whether ``paragraph`` is prose a page could open with.

    It stands in a section itself (not in a docutils note, list, quote, table, box, caption
    or cell output), holds no block of raw HTML, and has words of its own beside any link,
    emphasis or image: a paragraph that is all bold is a heading, all italics a byline.
    """
    if not isinstance(paragraph.parent, nodes.section | nodes.document):
        return False
    raw = "".join(r.astext() for r in paragraph.findall(nodes.raw))
    own = "".join(child.astext() for child in paragraph.children if isinstance(child, nodes.Text))
    return not _BLOCK_HTML.search(raw) and re.search(r"\w", own) is not None


def lead_paragraphs(doctree: nodes.Node, count: int = 1) -> list[nodes.paragraph]:
    """The page's first ``count`` real paragraphs (see :func:`_is_lead`), in reading order."""
    found = []
    for paragraph in doctree.findall(nodes.paragraph):
        if _is_lead(paragraph):
            found.append(paragraph)
            if len(found) == count:
                break
    return found


def prose_text(paragraph: nodes.Element) -> str:
    """A paragraph's words, without markup, images or reference marks, on one line."""
    words = (
        text
        for text in paragraph.findall(nodes.Text)
        if not any(isinstance(a, _NOT_PROSE) for a in _ancestors(text, paragraph))
    )
    return " ".join("".join(words).split())


def _ancestors(node: nodes.Node, top: nodes.Node) -> list[nodes.Node]:
    found = []
    while node is not top and node.parent is not None:
        node = node.parent
        found.append(node)
    return found


def _shortened(text: str, limit: int) -> str:
    """``text`` cut at a word to at most ``limit`` characters, with an ellipsis if cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def apply_base_url(app: Sphinx, config: Config) -> None:
    """Point every URL-aware setting at the one canonical base URL."""
    base = _with_slash(os.environ.get("READTHEDOCS_CANONICAL_URL") or config.html_baseurl)
    config.html_baseurl = base
    config.ogp_site_url = base
    config.blog_baseurl = base
    config.notfound_urls_prefix = urlparse(base).path or "/"
    # Pages with nothing to find on their own: the 404 page and the search page.
    unlisted = [f"{config.notfound_pagename}.html", "search.html"]
    config.sitemap_excludes = [*config.sitemap_excludes, *unlisted]


def _add_description(context: dict[str, Any], description: str) -> None:
    """Add the page's meta description (sphinxext-opengraph then adds none of its own)."""
    tag = f'<meta name="description" content="{html.escape(description)}" />\n'
    context["metatags"] = context.get("metatags", "") + tag


def describe_page(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """A page's ``description`` front matter, else its lead paragraph, else its title, for
    search engines and link previews.

    Runs before sphinxext-opengraph, which then keeps this description instead of one cut
    from the page's whole text (headings, image alt text and raw HTML included).
    """
    description = str((context.get("meta") or {}).get("description", "")).strip()
    if not description and doctree is not None:
        lead = [prose_text(paragraph) for paragraph in lead_paragraphs(doctree)]
        description = _shortened(" ".join(lead), app.config.ogp_description_length)
        description = description or Markup(str(context.get("title", ""))).striptags()
    if not description:
        return
    if context.get("meta") is None:
        context["meta"] = {}
    context["meta"]["og:description"] = description
    _add_description(context, description)


def use_front_matter_image(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """A post's ``image`` (checked into ``og:image`` by ``core/posts.py``) is its link preview:
    the picture is copied beside the page, and ``og:image`` gives its full address.

    Runs before sphinxext-opengraph, which writes a page's ``og:`` fields as they are.
    """
    meta = context.get("meta") or {}
    image = meta.get("og:image")
    if not isinstance(image, str) or urlparse(image).scheme:
        return
    path = image_path(pagename, image)
    source, target = Path(app.srcdir, path), Path(app.outdir, path)
    if not source.is_file():
        return  # reported as the post's mistake while it was read
    if not target.is_file() or target.stat().st_mtime_ns < source.stat().st_mtime_ns:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    title = Markup(str(context.get("title", ""))).striptags()
    context["meta"] = {  # a copy: the environment's metadata keeps the path
        **meta,
        "og:image": _with_slash(app.config.ogp_site_url) + quote(path),
        "og:image:alt": meta.get("og:image:alt") or title,
    }


def describe_generated_pages(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Pages made without a source (the blog's lists, search) are described by their title.

    They have no front matter, so search engines would get no description at all; they get
    their title followed by the home page's own description.
    """
    if doctree is not None or 'name="description"' in context.get("metatags", ""):
        return
    home = app.env.metadata.get(app.config.root_doc, {}).get("description", "")
    title = Markup(str(context.get("title", ""))).striptags()
    description = f"{title}. {home}" if title and home else title or home
    if description:
        _add_description(context, description)


def root_relative_not_found_links(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Make the 404 page's links start with the site's path: it is served at any address.

    sphinx-notfound-page does this for the theme's links and images, not for the page's text.
    """
    if docname != app.config.notfound_pagename:
        return
    for node in doctree.findall(nodes.reference):
        uri = node.get("refuri", "")
        if uri and not urlparse(uri).scheme and not uri.startswith(("/", "#")):
            node["refuri"] = app.config.notfound_urls_prefix + uri


def drop_not_found_neighbours(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """A 404 page has no previous or next page (their relative links would break anyway)."""
    if pagename == app.config.notfound_pagename:
        context["prev"] = context["next"] = None


def write_robots_txt(app: Sphinx, exception: Exception | None) -> None:
    """Allow all crawlers and point them at the sitemap."""
    if exception is not None or app.builder.format != "html":
        return
    sitemap = app.config.html_baseurl + app.config.sitemap_filename
    Path(app.outdir, "robots.txt").write_text(
        f"User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n", encoding="utf-8"
    )
