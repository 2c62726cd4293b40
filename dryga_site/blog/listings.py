"""ablog's listing pages and its feed, written only when what they show changed.

ablog renders every listing page and the feed on every build, which made one edited post cost
most of a clean build on a big blog. Here rendered excerpts are kept between builds, and
**excerpts** come as ``post_excerpt(post)``: ablog wraps them in a paragraph around block
elements, which is invalid HTML. **The feed** gets absolute links, and its ``<updated>`` is
its newest entry's, not the build's time.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from ablog.blog import Blog, Catalog, Collection, Post
from ablog.post import register_posts
from docutils import nodes
from lxml import etree, html
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from ..extension import sitemap
from ..extension.shared import NOT_IN_FEED, digest
from ..extension.state import store
from .ablog_adapter import excerpt_inside, feed_entries_from, take_page_writers

ATOM = "{http://www.w3.org/2005/Atom}"


def _shape(value: Any, excerpts: dict[str, str]) -> Any:
    """What a listing template can show of ``value``, as plain data to compare."""
    if isinstance(value, Post):
        labels = ("tags", "author", "category", "location", "language")
        return (
            value.docname,
            value.title,
            str(value.date),
            str(value.update),
            value.published,
            [
                [(str(c), getattr(c, "docname", "")) for c in getattr(value, k) or []]
                for k in labels
            ],
            value.options.get("reading_minutes"),
            excerpts.get(value.docname),
        )
    if isinstance(value, Collection | Catalog):
        shown = [_shape(item, excerpts) for item in value]
        catalog = str(getattr(value, "catalog", ""))
        return (type(value).__name__, str(value), value.docname, catalog, shown)
    if isinstance(value, dict):
        return sorted((key, _shape(item, excerpts)) for key, item in value.items())
    if isinstance(value, list | tuple):
        return [_shape(item, excerpts) for item in value]
    return repr(value)


class ListingPages:
    """ablog's listing pages and feed, written only when what they show changed.

    A page's fingerprint is what it shows (its posts' titles, dates, tags, reading times and
    excerpts) plus what every page shares (configuration, templates, static files); pages
    whose fingerprint matches the last build's, and whose file is there, are not written.
    Rendered excerpts are kept per listing page, keyed the same way.
    """

    def __init__(self, app: Sphinx, writers: dict[str, Any]) -> None:
        self.app = app
        self.writers = writers
        self.kept: dict[str, Any] = {"pages": {}, "excerpts": {}, "entries": {}}
        self.pages: dict[str, str] = {}
        self.excerpts: dict[tuple[str, str], tuple[str, str]] = {}
        #: (docname, feed page) -> (its excerpt key, its doctree's digest, what its links
        #: show), its feed entry.
        self.entries: dict[tuple[str, str], tuple[tuple[str, str, str], str]] = {}
        self.keys: dict[str, str] = {}
        self.feed_written = False

    @property
    def path(self) -> Path:
        return Path(self.app.doctreedir, "site-blog-pages.pickle")

    def load(self, app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
        """Take what the last build kept; a build that stops half-way leaves nothing kept."""
        try:
            self.kept = pickle.loads(self.path.read_bytes())
            self.path.unlink()
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            self.kept = {"pages": {}, "excerpts": {}, "entries": {}}
        self.excerpts = dict(self.kept["excerpts"])
        self.entries = dict(self.kept.get("entries", {}))

    def save(self, app: Sphinx, exception: Exception | None) -> None:
        """Keep this build's fingerprints and current excerpts (the last ones, if it wrote
        nothing)."""
        if exception is not None or app.builder.format != "html":
            return
        kept = self.kept
        if self.pages:
            excerpts = {k: v for k, v in self.excerpts.items() if self.keys.get(k[0]) == v[0]}
            entries = {k: v for k, v in self.entries.items() if self.keys.get(k[0]) == v[0][0]}
            kept = {"pages": self.pages, "excerpts": excerpts, "entries": entries}
        self.path.write_bytes(pickle.dumps(kept))

    def shared_key(self) -> str:
        """What every generated page shares: settings, templates and static files."""
        builder, env = self.app.builder, self.app.env
        info = builder.build_info
        templates = builder.templates.newest_template_mtime()
        return digest(info.config_hash, info.tags_hash, templates, store(env).static_stamp)

    def targets_digest(self) -> str:
        """What a link in a post may show of its target: every page's title, every label.

        (A project reference is a link to the project's page, showing its title.)
        """
        env = self.app.env
        titles = sorted((docname, title.astext()) for docname, title in env.titles.items())
        return digest(titles, env.domains["std"].labels)

    def excerpt_keys(self, shared: str, targets: str) -> dict[str, str]:
        """docname -> what its rendered excerpt depends on."""
        return {
            docname: digest(shared, rec["excerpt"], rec["xrefs"] and targets)
            for docname, rec in store(self.app.env).blog_posts.items()
        }

    def post_excerpt(self, pagename: str, post: Post) -> str:
        """The post's lead paragraph as listed on ``pagename``, rendered once per change."""
        key = self.keys.get(post.docname)
        cached = self.excerpts.get((post.docname, pagename))
        if cached is None or cached[0] != key:
            with logging.suppress_logging():  # its page has reported any warning already
                cached = key, excerpt_inside(post.to_html(pagename))
            self.excerpts[(post.docname, pagename)] = cached
        return f'<div class="post-excerpt">{cached[1]}</div>'

    def add_excerpt_helper(
        self, app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
    ) -> None:
        """Give templates ``post_excerpt(post)``: the post's lead, linked from this page."""
        context["post_excerpt"] = functools.partial(self.post_excerpt, pagename)

    def unchanged(self, pagename: str, fingerprint: str, outfile: str = "") -> bool:
        """Whether the page was written with this fingerprint, and its file is still there."""
        self.pages[pagename] = fingerprint
        outfile = outfile or self.app.builder.get_outfilename(pagename)
        return self.kept["pages"].get(pagename) == fingerprint and Path(outfile).is_file()

    def collect(self, app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
        """ablog's listing pages that changed, then its feed if it changed."""
        shared, targets = self.shared_key(), self.targets_digest()
        self.keys = self.excerpt_keys(shared, targets)
        for pagename, context, template in self.writers["generate_archive_pages"](app):
            fingerprint = digest(shared, pagename, template, _shape(context, self.keys))
            if self.unchanged(pagename, fingerprint):
                sitemap.list_page(app, pagename)
                continue
            yield pagename, context, template
        yield from self.feed(app, shared, targets)

    def feed(self, app: Sphinx, shared: str, targets: str) -> Iterator[Any]:
        """ablog's feed, generated only when one of its entries (or the settings) changed."""
        blog = Blog(app)
        if not blog.blog_baseurl:
            return
        if not blog:
            register_posts(app)
        posts = sorted(blog.posts, key=lambda post: post.date, reverse=True)
        posts = posts[: blog.blog_feed_length or None]
        links = store(app.env).blog_links  # anywhere in the post, where excerpts look at the lead
        stamps = {
            post.docname: (
                self.keys.get(post.docname, ""),
                self._doctree_digest(post.docname),
                targets if post.docname in links else "",
            )
            for post in posts
        }
        fingerprint = digest(
            shared, [(_shape(post, self.keys), stamps[post.docname]) for post in posts]
        )
        if self.unchanged(blog.feed_path, fingerprint, str(Path(app.outdir, blog.feed_path))):
            return

        def render(post: Post, pagename: str, **options: Any) -> str:
            return self.feed_entry(post, stamps[post.docname], pagename, **options)

        with feed_entries_from(posts, render):  # rendered again only for changed posts
            yield from self.writers["generate_atom_feeds"](app)
        self.feed_written = True

    def feed_entry(
        self, post: Post, stamp: tuple[str, str, str], pagename: str, **options: Any
    ) -> str:
        """A post's feed entry (ablog's ``Post.to_html``), kept while its page is unchanged."""
        key = post.docname, f"{pagename}:{sorted(options.items())}"
        cached = self.entries.get(key)
        if cached is None or cached[0] != stamp:
            if post.doctree is None:
                post.doctree = feed_copy(self.app.env.get_doctree(post.docname))
            with logging.suppress_logging():  # its page has reported any warning already
                cached = stamp, Post.to_html(post, pagename, **options)
            self.entries[key] = cached
        return cached[1]

    def _doctree_digest(self, docname: str) -> str:
        path = Path(self.app.doctreedir, docname + ".doctree")
        return hashlib.sha1(path.read_bytes()).hexdigest() if path.is_file() else ""

    def finish_feed(self, app: Sphinx, exception: Exception | None) -> None:
        if exception is None and self.feed_written:
            absolute_feed_links(app)


def feed_copy(doctree: nodes.document) -> nodes.document:
    """A post's page as its feed entry shows it: without the parts marked ``NOT_IN_FEED``."""
    for node in list(doctree.findall(nodes.Element)):
        if node.get(NOT_IN_FEED) and node.parent is not None:
            node.parent.remove(node)
    return doctree


def _absolute(blog_page: str, post_url: str, link: str) -> str:
    """``link`` as written on the blog index; a bare #anchor points into the post itself."""
    return post_url + link if link.startswith("#") else urljoin(blog_page, link)


def absolute_feed_links(app: Sphinx) -> None:
    """Resolve every link in the feed's entries against the page they were written for,
    and date the feed by its newest entry (ablog dates it by the build)."""
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
    updated = tree.getroot().find(f"{ATOM}updated")
    entries = [e.text for e in tree.getroot().iterfind(f"{ATOM}entry/{ATOM}updated") if e.text]
    if updated is not None and entries:
        updated.text = max(entries, key=datetime.fromisoformat)
    tree.write(str(feed), encoding="utf-8", xml_declaration=True, pretty_print=True)


def setup(app: Sphinx) -> ListingPages:
    """Take over ablog's page writers (after ablog's own setup): this build's listing pages."""
    return ListingPages(app, take_page_writers(app))
