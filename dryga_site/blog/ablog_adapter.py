"""ablog, adapted: dates, drafts and scheduled posts, neighbours, excerpts and the feed.

Everything the site needs from ablog goes through this module, and so does every use of
ablog's private parts; each is marked ``PRIVATE:`` with its reason, and
``tests/test_posts.py`` fails loudly if one of them changes upstream.

- **Dates.** ``date_approximate: true`` makes a date a sort key only: it prints its year.
- **Drafts and scheduled posts.** A post is published when it has a date that is not in the
  future. A draft (``draft: true``, or no date) and a scheduled post (dated after today) are
  built, so authors can open them, but appear on no published page: not in lists, tags, the
  archive, the feed, the sitemap or the search index, nor in newer/older links or any
  ``<link rel="next|prev">``. A published page that links to one is an author error. A preview
  built with ``blog_show_drafts`` lists drafts as if they were published.
- **Neighbours.** A post's newer/older links come from the template, so a post whose
  neighbours changed is written again, not read again.
- **Listing pages and the feed** are written only when what they show changed, and rendered
  excerpts are kept between builds: ablog renders every listing page and the feed on every
  build, which made one edited post cost most of a clean build on a big blog.
- **Excerpts** come as ``post_excerpt(post)``: ablog wraps them in a paragraph around block
  elements, which is invalid HTML. **The feed** gets absolute links, and its ``<updated>`` is
  its newest entry's, not the build's time.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import ablog.blog
from ablog.blog import Blog, Catalog, Collection, Post
from ablog.post import PostList, register_posts
from docutils import nodes
from lxml import etree, html
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import docname_join

from ..core import frontmatter
from ..core.schema import is_draft, post_date
from ..extension import sitemap
from ..extension.errors import author_error
from ..extension.shared import NOT_IN_FEED
from ..extension.state import store

ATOM = "{http://www.w3.org/2005/Atom}"
EXCERPT_WRAPPER = re.compile(r'\A\s*<p class="ablog-post-excerpt">(?P<inner>.*)</p>\s*\Z', re.S)
#: ablog's page writers, which run on every build; this module runs them when needed.
ABLOG_PAGE_WRITERS = ("generate_archive_pages", "generate_atom_feeds")
PUBLISHED, DRAFT, SCHEDULED = "published", "draft", "scheduled"


class YearOnlyDate(datetime):
    """A date whose day and month are invented: any format of it prints the year alone."""

    def strftime(self, fmt: str) -> str:
        return f"{self.year:04d}"


# --------------------------------------------------------------- ablog's private parts


def first_unpublished_day() -> datetime:
    """Midnight tomorrow: ablog publishes the posts dated before it.

    PRIVATE: ``ablog.blog.TOMORROW`` is the cut-off ablog itself compares dates with; reading
    it keeps "published" here the same as ablog's.
    """
    return ablog.blog.TOMORROW


def start_build(app: Sphinx) -> None:
    """Start every build from today's date and an empty blog.

    PRIVATE: ablog computes ``TOMORROW`` once, at import, and keeps its posts in
    ``Blog._dict``, shared by every build in the process. A preview that keeps one process
    past midnight, or builds twice in it, would publish by a stale day and list the previous
    build's posts. Neither has a public setter.
    """
    ablog.blog.TOMORROW = datetime.combine(date.today(), datetime.min.time()) + timedelta(1)
    Blog._dict.clear()


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


# ----------------------------------------------------------------------- the state kept


def post_state(metadata: dict[str, Any], day: datetime | None) -> str:
    """Whether a post is published, a draft or scheduled, from its front matter and date."""
    if frontmatter.flag(metadata, "draft") or day is None:
        return DRAFT
    return SCHEDULED if day >= first_unpublished_day() else PUBLISHED


def is_listed(record: dict[str, Any]) -> bool:
    """Whether ablog lists a post (published, or a draft a preview shows)."""
    return record["date"] is not None and record["date"] < first_unpublished_day()


def hidden_posts(env: BuildEnvironment) -> set[str]:
    """Posts that ablog does not list: they appear on no published page."""
    return {d for d, records in ablog_records(env).items() if not any(map(is_listed, records))}


def _digest(*parts: Any) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()


def _link_targets(docname: str, doctree: nodes.Node) -> list[tuple[str, str, int]]:
    """(kind, target, line) of each cross-reference: to a document or to a label."""
    targets = []
    for node in doctree.findall(addnodes.pending_xref):
        target, line = node.get("reftarget", ""), node.line or 1
        if node.get("refdomain") == "doc":  # MyST's [text](page.md)
            targets.append(("doc", target, line))
        elif node.get("reftype") == "doc":
            targets.append(("doc", docname_join(node.get("refdoc", docname), target), line))
        elif node.get("refdomain") in ("std", None, ""):
            targets.append(("ref", target.lower(), line))
    return targets


def record_post(app: Sphinx, doctree: nodes.document) -> None:
    """After ablog has read a page: apply the date flags and note what the page is.

    Drafts become undated (ablog then lists them nowhere) unless a preview shows them;
    approximate dates become year-only. ablog keeps a copy of the whole page, and excerpts
    tied to the original page, in the pickled environment: the copy is dropped (the feed
    loads the page's doctree when it needs it) and the excerpts untied, so each build loads
    and saves a fraction of the environment.
    """
    env, docname = app.env, app.env.docname
    metadata, state = env.metadata[docname], store(env)
    if next(doctree.findall(PostList), None) is not None:
        state.blog_postlists[docname] = True
    if links := _link_targets(docname, doctree):
        state.blog_links[docname] = links
    for post in ablog_records(env).get(docname, []):
        kind = post_state(metadata, post["date"])
        if kind == DRAFT and not app.config.blog_show_drafts:
            post["date"] = post["update"] = None
        elif frontmatter.flag(metadata, "date_approximate") and post["date"]:
            year_only = YearOnlyDate.fromisoformat(post["date"].isoformat())
            if post["update"] == post["date"]:
                post["update"] = year_only
            post["date"] = year_only
        post["reading_minutes"] = max(1, metadata.get("wordcount", {}).get("minutes", 1))
        if not is_listed(post):
            metadata["nosearch"] = True  # reachable by its URL only
        for node in post["excerpt"]:
            for child in node.findall():
                # PRIVATE (docutils): a copied node keeps its page in ``_document`` (no public
                # setter takes None); untied, an excerpt no longer pickles the whole page.
                child._document = None
        if not post["section"]:
            post["doctree"] = None  # the page's own doctree: see ListingPages.feed
        excerpt = "".join(node.pformat() for node in post["excerpt"])
        state.blog_posts[docname] = {
            "state": kind,
            "date": post["date"].date() if kind == SCHEDULED else None,
            "excerpt": _digest(excerpt),
            "xrefs": "pending_xref" in excerpt,
        }


def reread_due_posts(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Read again the scheduled posts whose day has come (they were read as unpublished)."""
    today = first_unpublished_day().date()
    return sorted(
        d
        for d, rec in store(env).blog_posts.items()
        if rec["state"] == SCHEDULED and rec["date"] < today and d in env.found_docs
    )


def listed_signature(env: BuildEnvironment) -> str:
    """What a post list can show of the listed posts: titles, dates, labels and excerpts."""
    posts = store(env).blog_posts
    fields = ("date", "update", "title", "tags", "author", "category", "location", "language")
    shown = sorted(
        (docname, [str(post[k]) for k in fields], posts.get(docname, {}).get("excerpt"))
        for docname, records in ablog_records(env).items()
        for post in records
        if is_listed(post)
    )
    xrefs = any(rec["xrefs"] for rec in posts.values())
    return _digest(shown, xrefs and sorted((d, t.astext()) for d, t in env.titles.items()))


# ------------------------------------------------------------ published pages, checked


def after_reading(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Note the hidden posts, keep them out of the sitemap, check links to them, and return
    the pages to write again: those whose neighbours changed, and those with a post list
    when what it can show changed."""
    state = store(env)
    state.blog_hidden = hidden_posts(env)
    state.blog_relations = visible_relations(env, state.blog_hidden)
    excluded = {app.builder.get_target_uri(d) for d in state.blog_hidden}
    excluded.add(app.builder.get_target_uri(f"{app.config.blog_path}/drafts"))  # their list
    app.config.sitemap_excludes = sorted({*app.config.sitemap_excludes, *excluded})
    check_links_to_hidden_posts(env, state.blog_hidden)
    stale = rewrite_new_neighbours(env, state.blog_relations)
    listed, state.blog_listed = state.blog_listed, listed_signature(env)
    if listed != state.blog_listed:  # post lists are filled when written: no need to read
        stale += [d for d in state.blog_postlists if d in env.found_docs]
    return sorted(set(stale))


def _what_it_is(env: BuildEnvironment, docname: str) -> str:
    record = store(env).blog_posts.get(docname, {})
    if record.get("state") == SCHEDULED:
        return f"scheduled for {record['date'].isoformat()}"
    return "a draft"


def check_links_to_hidden_posts(env: BuildEnvironment, hidden: set[str]) -> None:
    """A published page that links to a draft or a scheduled post: one error per link."""
    std = env.domains["std"]
    for docname, links in store(env).blog_links.items() if hidden else ():
        if docname in hidden or docname not in env.found_docs:
            continue
        for kind, target, line in links:
            label = std.labels.get(target) or std.anonlabels.get(target) or (None,)
            linked = target if kind == "doc" else label[0]
            if linked in hidden and linked != docname:
                message = (
                    f"links to {env.doc2path(linked, False)}, which is "
                    f"{_what_it_is(env, linked)}; remove the link until that post is published"
                )
                author_error(env, docname, message, line)


def rewrite_new_neighbours(
    env: BuildEnvironment, relations: dict[str, tuple[str | None, str | None]]
) -> list[str]:
    """The pages whose newer/older posts or next/prev pages changed: to be written again.

    A post's newer/older links come from the template, and every page's
    ``<link rel="next|prev">`` from the table of contents minus hidden posts: a page whose
    neighbours changed (one added, removed, retitled, redated or hidden next to it) only
    needs writing again. Reading every post again would make one edit cost a full build.
    """
    published = sorted(  # as ablog orders and links them
        (post["date"], post["title"], docname)
        for docname, posts in ablog_records(env).items()
        for post in posts
        if is_listed(post)
    )
    around = {}
    for i, (_, _, docname) in enumerate(published):
        window = published[max(i - 1, 0) : i + 2]
        around[docname] = [(str(d), title, doc) for d, title, doc in window if doc != docname]
    titles = {d: t.astext() for d, t in env.titles.items()}
    previous = store(env).blog_neighbours
    current = {
        d: (around.get(d), [(n, titles.get(n)) for n in relations.get(d, ())])
        for d in env.found_docs
    }
    store(env).blog_neighbours = current
    return sorted(d for d, value in current.items() if previous.get(d, value) != value)


def visible_relations(
    env: BuildEnvironment, hidden: set[str]
) -> dict[str, tuple[str | None, str | None]]:
    """Each page's previous and next page in the table of contents, skipping hidden posts."""
    relations = env.collect_relations()

    def step(docname: str | None, way: int) -> str | None:
        while docname in hidden:
            docname = relations.get(docname, [None] * 3)[way]
        return docname

    return {d: (step(rel[1], 1), step(rel[2], 2)) for d, rel in relations.items()}


def keep_hidden_posts_out_of_search(app: Sphinx) -> list[Any]:
    """Before the search index is written: not even a hidden post's name stays in it.

    Their pages are marked ``nosearch``, so no word finds them, but Sphinx still lists
    every page's name and title in the index.
    """
    indexer = getattr(app.builder, "indexer", None)
    hidden = store(app.env).blog_hidden
    if indexer is not None and hidden:
        indexer.prune(set(app.env.all_docs) - hidden)
    return []


def hide_hidden_relations(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """``<link rel="next|prev">`` (the theme's, from the table of contents) skip hidden posts."""
    state = store(app.env)
    related = app.builder.relations.get(pagename)
    if not related or not state.blog_hidden & {related[1], related[2]}:
        return
    visible = state.blog_relations[pagename]
    rellinks = [link for link in context.get("rellinks", []) if link[2] not in ("P", "N")]
    for key, docname, accesskey in (("prev", visible[0], "P"), ("next", visible[1], "N")):
        context[key] = None
        if docname is not None:
            title = app.builder.render_partial(app.env.titles[docname])["title"]
            link = app.builder.get_relative_uri(pagename, docname)
            context[key] = {"link": link, "title": title}
            rellinks.append((docname, title, accesskey, "previous" if key == "prev" else "next"))
    context["rellinks"] = rellinks


# ------------------------------------------------------------ listing pages and the feed


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
        return _digest(info.config_hash, info.tags_hash, templates, store(env).static_stamp)

    def targets_digest(self) -> str:
        """What a link in a post may show of its target: every page's title, every label.

        (A project reference is a link to the project's page, showing its title.)
        """
        env = self.app.env
        titles = sorted((docname, title.astext()) for docname, title in env.titles.items())
        return _digest(titles, env.domains["std"].labels)

    def excerpt_keys(self, shared: str, targets: str) -> dict[str, str]:
        """docname -> what its rendered excerpt depends on."""
        return {
            docname: _digest(shared, rec["excerpt"], rec["xrefs"] and targets)
            for docname, rec in store(self.app.env).blog_posts.items()
        }

    def post_excerpt(self, pagename: str, post: Post) -> str:
        """The post's lead paragraph as listed on ``pagename``, rendered once per change."""
        key = self.keys.get(post.docname)
        cached = self.excerpts.get((post.docname, pagename))
        if cached is None or cached[0] != key:
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
            fingerprint = _digest(shared, pagename, template, _shape(context, self.keys))
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
        fingerprint = _digest(
            shared, [(_shape(post, self.keys), stamps[post.docname]) for post in posts]
        )
        if self.unchanged(blog.feed_path, fingerprint, str(Path(app.outdir, blog.feed_path))):
            return
        for post in posts:  # ablog's Post.to_html, rendered again only for changed posts
            post.to_html = functools.partial(self.feed_entry, post, stamps[post.docname])
        try:
            yield from self.writers["generate_atom_feeds"](app)
        finally:
            for post in posts:
                del post.to_html
        self.feed_written = True

    def feed_entry(
        self, post: Post, stamp: tuple[str, str, str], pagename: str, **options: Any
    ) -> str:
        """A post's feed entry (ablog's ``Post.to_html``), kept while its page is unchanged.

        PRIVATE: ablog renders each entry in ``generate_atom_feeds`` through ``to_html`` of
        the post, with no hook to reuse an earlier rendering.
        """
        key = post.docname, f"{pagename}:{sorted(options.items())}"
        cached = self.entries.get(key)
        if cached is None or cached[0] != stamp:
            if post.doctree is None:
                post.doctree = feed_copy(self.app.env.get_doctree(post.docname))
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


# ----------------------------------------------------------------------------- check


def scheduled_notes(root: Path, folder: str = "blog", today: date | None = None) -> list[str]:
    """``blog/x.md: scheduled for 2027-01-05`` for each post (``.md`` or ``.ipynb``) dated
    after ``today``; read with the build's front-matter reader and post schema."""
    today = today or date.today()
    notes = []
    for path in sorted(Path(root, folder).glob("*")):
        if path.suffix not in (".md", ".ipynb"):
            continue
        name = path.relative_to(root).as_posix()
        meta = frontmatter.read_page(name, path.read_text(encoding="utf-8"), in_blog=True).meta
        if meta.get("blogpost") is not True or is_draft(meta):
            continue
        day = post_date(meta["date"])
        if day > today:
            notes.append(f"{name}: scheduled for {day.isoformat()}")
    return notes


def setup(app: Sphinx) -> ListingPages:
    """Register the drafts setting; take over ablog's page writers (after ablog's setup)."""
    app.add_config_value("blog_show_drafts", False, "env", bool)
    return ListingPages(app, take_page_writers(app))
