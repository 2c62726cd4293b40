"""ablog's pages and feed, finished: excerpts as valid HTML and a feed with absolute links.

ablog renders an excerpt as paragraphs inside a paragraph, which is invalid HTML, so listing
templates get ``post_excerpt(post)`` instead. Its Atom feed carries links relative to the blog
index, which feed readers resolve against the feed's own URL; they are made absolute.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from ablog.blog import Blog, Post
from lxml import etree, html
from sphinx.application import Sphinx

ATOM = "{http://www.w3.org/2005/Atom}"
EXCERPT_WRAPPER = re.compile(r'\A\s*<p class="ablog-post-excerpt">(?P<inner>.*)</p>\s*\Z', re.S)


def add_excerpt_helper(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Give templates ``post_excerpt(post)``: the post's lead paragraph, linked from here."""

    def post_excerpt(post: Post) -> str:
        rendered = post.to_html(pagename)
        match = EXCERPT_WRAPPER.match(rendered)
        inner = match["inner"] if match else rendered
        return f'<div class="post-excerpt">{inner}</div>'

    context["post_excerpt"] = post_excerpt


def _absolute(blog_page: str, post_url: str, link: str) -> str:
    """``link`` as written on the blog index; a bare #anchor points into the post itself."""
    return post_url + link if link.startswith("#") else urljoin(blog_page, link)


def absolute_feed_links(app: Sphinx, exception: Exception | None) -> None:
    """Resolve every link in the feed's entries against the page they were written for."""
    if exception is not None or app.builder.format != "html":
        return
    blog = Blog(app)
    feed = Path(app.outdir, blog.feed_path)
    if not blog.blog_baseurl or not feed.is_file():
        return
    blog_page = urljoin(blog.blog_baseurl, app.builder.get_target_uri(blog.blog_path))
    tree = etree.parse(str(feed))
    for entry in tree.iter(f"{ATOM}entry"):
        post_url = entry.findtext(f"{ATOM}id") or blog_page
        for content in entry.iter(f"{ATOM}content"):
            fragment = html.fragment_fromstring(content.text or "", create_parent="div")
            fragment.rewrite_links(functools.partial(_absolute, blog_page, post_url))
            children = (html.tostring(child, encoding="unicode") for child in fragment)
            content.text = (fragment.text or "") + "".join(children)
    tree.write(str(feed), encoding="utf-8", xml_declaration=True, pretty_print=True)


def setup(app: Sphinx) -> None:
    """Connect the listing helper and the feed's link fixer."""
    app.connect("html-page-context", add_excerpt_helper)
    app.connect("build-finished", absolute_feed_links)
