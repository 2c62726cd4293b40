"""Blog posts' dates and drafts: year-only approximate dates, and drafts kept out of sight.

A post's front matter is checked (and its date quoted in memory) by ``frontmatter.py``
against ``schema.clean_post``. A date marked
``date_approximate: true`` is only a sort key: every template prints its year alone. A post
with ``draft: true`` (or no date) stays out of the blog's lists, tags and feed, except in
a preview built with ``blog_show_drafts``. A post added, changed or removed makes the pages
that list posts (and its neighbours' newer/older links) be written again.
"""

from __future__ import annotations

from datetime import datetime

from ablog.blog import TOMORROW
from ablog.post import PostList
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from . import frontmatter


class YearOnlyDate(datetime):
    """A date whose day and month are invented: any format of it prints the year alone."""

    def strftime(self, fmt: str) -> str:
        return f"{self.year:04d}"


def apply_date_flags(app: Sphinx, doctree: nodes.document) -> None:
    """Make drafts undated (ablog keeps them out of lists) and approximate dates year-only."""
    env = app.env
    metadata = env.metadata[env.docname]
    if next(doctree.findall(PostList), None) is not None:
        metadata["blog_postlist"] = True  # see reread_post_lists
    for post in getattr(env, "ablog_posts", {}).get(env.docname, []):
        if frontmatter.flag(metadata, "draft") and not app.config.blog_show_drafts:
            post["date"] = post["update"] = None
        elif frontmatter.flag(metadata, "date_approximate") and post["date"]:
            year_only = YearOnlyDate.fromisoformat(post["date"].isoformat())
            if post["update"] == post["date"]:
                post["update"] = year_only
            post["date"] = year_only
        post["reading_minutes"] = max(1, metadata.get("wordcount", {}).get("minutes", 1))
        if post["date"] is None:
            metadata["nosearch"] = True  # a draft is reachable by its URL only


def keep_drafts_out_of_sitemap(app: Sphinx, env: BuildEnvironment) -> None:
    """Drafts are built (authors can open them) but never offered to search engines."""
    drafts = {
        app.builder.get_target_uri(docname)
        for docname, posts in getattr(env, "ablog_posts", {}).items()
        if any(post["date"] is None for post in posts)
    }
    drafts.add(app.builder.get_target_uri(f"{app.config.blog_path}/drafts"))  # their list
    app.config.sitemap_excludes = sorted({*app.config.sitemap_excludes, *drafts})


def reread_post_lists(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """After a post comes, goes or changes, read the pages with post lists again."""
    posts = set(getattr(env, "ablog_posts", {}))
    folder = app.config.blog_path.strip("/") + "/"
    if not any(d in posts or d.startswith(folder) for d in added | changed | removed):
        return []
    lists = {d for d, meta in env.metadata.items() if meta.get("blog_postlist")}
    return sorted(lists & env.found_docs)


def rewrite_new_neighbours(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Rewrite (not read) the posts whose newer or older post is not the one they link to.

    A post's newer/older links come from the template, so a post whose neighbours changed
    (one added, removed, retitled or redated next to it) only needs writing again; reading
    every post again would make one edit cost nearly a full build on a big blog.
    """
    published = sorted(  # as ablog orders and links them
        (post["date"], post["title"], docname)
        for docname, posts in getattr(env, "ablog_posts", {}).items()
        for post in posts
        if post.get("date") is not None and post["date"] < TOMORROW
    )
    stale = []
    for i, (_, _, docname) in enumerate(published):
        around = published[max(i - 1, 0) : i + 2]
        neighbours = [(str(date), title, doc) for date, title, doc in around if doc != docname]
        metadata = env.metadata.get(docname)
        if metadata is not None and metadata.get("blog_neighbours") != neighbours:
            metadata["blog_neighbours"] = neighbours
            stale.append(docname)
    return stale


def setup(app: Sphinx) -> None:
    """Connect the date flags (after ablog has read a post) and the post-list bookkeeping."""
    app.add_config_value("blog_show_drafts", False, "env", bool)
    app.connect("doctree-read", apply_date_flags, priority=600)
    app.connect("env-get-outdated", reread_post_lists)
    app.connect("env-updated", keep_drafts_out_of_sitemap)
    app.connect("env-updated", rewrite_new_neighbours)
