"""Who sees each post: drafts and scheduled posts stay off every published page.

A post is published, a draft or scheduled by :mod:`dryga_site.core.posts`' rule. A draft and a
scheduled post are built, so authors can open them, but appear on no published page: not in
lists, tags, the archive, the feed, the sitemap or the search index, nor in newer/older links
or any ``<link rel="next|prev">``. A published page that links to one is an author error. A
preview built with ``blog_show_drafts`` lists drafts as if they were published.
``date_approximate: true`` makes a date a sort key only: it prints its year.

A post's newer/older links come from the template, so a post whose neighbours changed is
written again, not read again.
"""

from __future__ import annotations

from typing import Any

from ablog.post import PostList
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import docname_join

from ..core import posts
from ..extension.errors import author_error
from ..extension.seo import lead_paragraphs
from ..extension.shared import digest
from ..extension.state import store
from .ablog_adapter import YearOnlyDate, ablog_records, untie


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


def lead_excerpt(doctree: nodes.document, metadata: dict[str, Any], count: int) -> list[nodes.Node]:
    """What the blog's lists and feed show of a post: its first ``count`` real paragraphs
    (``seo.lead_paragraphs``), else its ``description``.

    ablog takes the first paragraphs of any kind, before Sphinx drops docutils' notes from
    the page: a notebook whose first prose follows two headings of the same text was listed
    with "Duplicate implicit target name" as its excerpt, and one opening with an image, a
    badge or a byline with that.
    """
    if count <= 0:
        return []
    if leads := lead_paragraphs(doctree, count):
        return [paragraph.deepcopy() for paragraph in leads]
    description = str(metadata.get("description", "")).strip()
    return [nodes.paragraph(description, description)] if description else []


def record_post(app: Sphinx, doctree: nodes.document) -> None:
    """After ablog has read a page: apply the date flags, take the lead as the excerpt
    (:func:`lead_excerpt`) and note what the page is.

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
    today = posts.today()
    for post in ablog_records(env).get(docname, []):
        kind = posts.state_of(metadata, today)
        listed = posts.is_listed(metadata, today, app.config.blog_show_drafts)
        if kind == posts.DRAFT and not app.config.blog_show_drafts:
            post["date"] = post["update"] = None
        elif posts.flag(metadata, "date_approximate") and post["date"]:
            year_only = YearOnlyDate.fromisoformat(post["date"].isoformat())
            if post["update"] == post["date"]:
                post["update"] = year_only
            post["date"] = year_only
        post["reading_minutes"] = max(1, metadata.get("wordcount", {}).get("minutes", 1))
        if not listed:
            metadata["nosearch"] = True  # reachable by its URL only
        if not post["section"]:
            post["excerpt"] = lead_excerpt(doctree, metadata, app.config.post_auto_excerpt)
        untie(post["excerpt"])
        if not post["section"]:
            post["doctree"] = None  # the page's own doctree: see ListingPages.feed
        excerpt = "".join(node.pformat() for node in post["excerpt"])
        state.blog_posts[docname] = {
            "state": kind,
            "listed": listed,
            "date": posts.post_date(metadata["date"]) if kind == posts.SCHEDULED else None,
            "excerpt": digest(excerpt),
            "xrefs": "pending_xref" in excerpt,
        }


def reread_due_posts(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Read again the scheduled posts whose day has come (they were read as unpublished)."""
    today = posts.today()
    return sorted(
        d
        for d, rec in store(env).blog_posts.items()
        if rec["state"] == posts.SCHEDULED and rec["date"] <= today and d in env.found_docs
    )


def _listed(env: BuildEnvironment, docname: str) -> bool:
    """Whether lists show the post ``docname`` (as :func:`record_post` found it)."""
    return store(env).blog_posts.get(docname, {}).get("listed", False)


def listed_signature(env: BuildEnvironment) -> str:
    """What a post list can show of the listed posts: titles, dates, labels and excerpts."""
    recorded = store(env).blog_posts
    fields = ("date", "update", "title", "tags", "author", "category", "location", "language")
    shown = sorted(
        (docname, [str(post[k]) for k in fields], recorded[docname]["excerpt"])
        for docname, records in ablog_records(env).items()
        for post in records
        if _listed(env, docname)
    )
    xrefs = any(rec["xrefs"] for rec in recorded.values())
    return digest(shown, xrefs and sorted((d, t.astext()) for d, t in env.titles.items()))


def after_reading(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Note the hidden posts, keep them out of the sitemap, check links to them, and return
    the pages to write again: those whose neighbours changed, and those with a post list
    when what it can show changed."""
    state = store(env)
    state.blog_hidden = {d for d in ablog_records(env) if not _listed(env, d)}
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
                record = store(env).blog_posts.get(linked, {})
                target = env.doc2path(linked, False)
                message = posts.link_problem(target, record.get("state", ""), record.get("date"))
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
        for docname, records in ablog_records(env).items()
        for post in records
        if _listed(env, docname)
    )
    around = posts.neighbours(published)
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
