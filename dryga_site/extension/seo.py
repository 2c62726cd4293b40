"""Canonical URLs, robots.txt and the 404 page prefix, derived from one base URL.

The base URL is ``html_baseurl`` from ``_config.yml``; on Read the Docs the
``READTHEDOCS_CANONICAL_URL`` environment variable replaces it, so canonical
links, the sitemap, OpenGraph tags, the Atom feed and the 404 page all agree.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from docutils import nodes
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.config import Config


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


def use_front_matter_description(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Prefer a page's ``description`` front matter for search engines and link previews.

    Runs before sphinxext-opengraph, which then keeps this description instead of
    one cut from the page's first paragraph.
    """
    meta = context.get("meta") or {}
    description = str(meta.get("description", "")).strip()
    if not description:
        return
    meta["og:description"] = description
    _add_description(context, description)


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
