"""ablog's private parts, in one place: each is marked ``PRIVATE:`` with its reason, and
``tests/test_posts.py`` fails loudly if one of them changes upstream.

The rest of the blog (``visibility.py``, ``listings.py``) uses ablog through these functions
and its public ``Blog``/``Post`` objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import ablog.blog
from ablog.blog import Blog, Post
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ..core import posts

EXCERPT_WRAPPER = re.compile(r'\A\s*<p class="ablog-post-excerpt">(?P<inner>.*)</p>\s*\Z', re.S)
#: ablog's page writers, which run on every build; ``listings.py`` runs them when needed.
ABLOG_PAGE_WRITERS = ("generate_archive_pages", "generate_atom_feeds")


class YearOnlyDate(datetime):
    """A date whose day and month are invented: any format of it prints the year alone."""

    def strftime(self, fmt: str) -> str:
        return f"{self.year:04d}"


def start_build(app: Sphinx) -> None:
    """Start every build from today's date and an empty blog.

    PRIVATE: ablog computes ``TOMORROW`` once, at import, and keeps its posts in
    ``Blog._dict``, shared by every build in the process. A preview that keeps one process
    past midnight, or builds twice in it, would publish by a stale day and list the previous
    build's posts. Neither has a public setter.
    """
    ablog.blog.TOMORROW = datetime.combine(posts.today(), datetime.min.time()) + timedelta(1)
    reset_blog()


def ablog_records(env: BuildEnvironment) -> dict[str, list[dict[str, Any]]]:
    """docname -> ablog's records of the posts in it.

    PRIVATE: ``env.ablog_posts`` is what ablog read; its records are plain dicts that this
    module edits (drafts' dates, year-only dates, reading time, the dropped page copy)
    before ablog makes its ``Post`` objects from them. ablog has no hook for that.
    """
    return getattr(env, "ablog_posts", {})


def excerpt_inside(rendered: str) -> str:
    """ablog's rendered excerpt without its ``<p class="ablog-post-excerpt">`` wrapper.

    PRIVATE: ``Post.to_html`` wraps block elements in that paragraph and has no option to
    leave it out, so the wrapper is cut from its HTML.
    """
    match = EXCERPT_WRAPPER.match(rendered)
    return match["inner"] if match else rendered


def take_page_writers(app: Sphinx) -> dict[str, Any]:
    """ablog's ``html-collect-pages`` handlers, disconnected so that this module runs them.

    PRIVATE: Sphinx has ``app.disconnect(listener_id)`` but no public way to find the id of
    another extension's listener, so ``app.events.listeners`` is searched.
    """
    found = {}
    for listener in list(app.events.listeners["html-collect-pages"]):
        handler = listener.handler
        if handler.__module__ == "ablog.post" and handler.__name__ in ABLOG_PAGE_WRITERS:
            found[handler.__name__] = handler
            app.disconnect(listener.id)
    return found


def reset_blog() -> None:
    """Empty ablog's blog, shared by every Sphinx application of the process.

    PRIVATE: ablog keeps its posts in the class attribute ``Blog._dict`` (a "Borg"), filled
    by the first application; each new application needs it empty.
    """
    Blog._dict.clear()


def untie(excerpt: list[nodes.Node]) -> None:
    """Let a post's excerpt be pickled without the page it was copied from.

    PRIVATE (docutils): a copied node keeps its page in ``_document`` (no public setter takes
    None); untied, an excerpt no longer pickles the whole page.
    """
    for node in excerpt:
        for child in node.findall():
            child._document = None


@contextmanager
def feed_entries_from(posts_in_feed: list[Post], render: Any) -> Iterator[None]:
    """While ablog writes its feed, render each post's entry with ``render(post, pagename,
    **options)`` instead of ``Post.to_html``.

    PRIVATE: ablog renders each entry in ``generate_atom_feeds`` through the post's
    ``to_html``, with no hook to reuse an earlier rendering.
    """
    for post in posts_in_feed:
        post.to_html = lambda pagename, _post=post, **options: render(_post, pagename, **options)
    try:
        yield
    finally:
        for post in posts_in_feed:
            del post.to_html
