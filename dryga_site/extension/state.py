"""Everything the site keeps in Sphinx's pickled environment, in one place.

Sphinx saves its environment between builds and, in a parallel read, merges the
environments of its worker processes. All of the site's own state lives in one
:class:`SiteState` on ``env.dryga_site``: per-document maps (forgotten when their
document is read again, merged from workers for the documents they read) and a few
values for the whole site. :class:`SiteStateCollector` does that bookkeeping, so the
modules that use the state only read and write it through :func:`store`.

A change to what is kept, or to how a page is read, needs :data:`ENV_VERSION` raised:
Sphinx then starts from a fresh environment instead of unpickling one of the old shape.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector

#: The version of what :class:`SiteState` holds, and of how pages are read into the
#: environment; declared as the extension's ``env_version``. 6: excerpts without docutils
#: notes, one title per notebook, and every page in the blog's folder read as a post, so a
#: ``_build`` kept from an older site re-reads every page instead of listing stale excerpts.
ENV_VERSION = 6
#: The environment attribute holding the state.
ATTRIBUTE = "dryga_site"


def _per_document() -> Any:
    """A docname -> value map, cleared and merged per document."""
    return field(default_factory=dict, metadata={"per_document": True})


@dataclass
class SiteState:
    """What the site remembers across builds."""

    #: docname -> the author mistakes reported while reading it (see errors.py).
    errors: dict[str, list[str]] = _per_document()
    #: docname -> a valid project page's front matter, defaults filled in (see catalog.py).
    projects: dict[str, dict[str, Any]] = _per_document()
    #: docname -> the catalog directives the page uses (see catalog.py).
    catalog_pages: dict[str, set[str]] = _per_document()
    #: docname -> slugs of the projects the page refers to (see backlinks.py).
    project_refs: dict[str, set[str]] = _per_document()
    #: Slugs of projects whose pages must be written again (see backlinks.py).
    backlinks_stale: set[str] = field(default_factory=set)
    #: The newest modification time of a static file at the last build (see assets.py).
    static_stamp: int | None = None
    #: docname -> each post's state ("published", "draft", "scheduled"), whether lists show
    #: it, the day a scheduled post is due, and its excerpt's digest (see blog/visibility.py).
    blog_posts: dict[str, dict[str, Any]] = _per_document()
    #: docname -> the page's cross-references, (kind, target, line) (see blog/visibility.py).
    blog_links: dict[str, list[tuple[str, str, int]]] = _per_document()
    #: docname -> True for the pages with a post list (see blog/visibility.py).
    blog_postlists: dict[str, bool] = _per_document()
    #: A digest of what post lists can show of the listed posts, at the last build.
    blog_listed: str = ""
    #: docname -> the newer/older posts and next/prev pages it was last written with.
    blog_neighbours: dict[str, Any] = field(default_factory=dict)
    #: Posts that appear on no published page (drafts, scheduled), as of the last read.
    blog_hidden: set[str] = field(default_factory=set)
    #: docname -> its previous and next page in the table of contents, hidden posts skipped.
    blog_relations: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    #: docname -> the series a post belongs to and its ``series_part`` (see blog/series.py).
    blog_series: dict[str, tuple[str, int | None]] = _per_document()
    #: series slug -> its name and published parts, in order, as of the last read.
    blog_series_parts: dict[str, tuple[str, list[Any]]] = field(default_factory=dict)

    def per_document(self) -> list[dict[str, Any]]:
        """The per-document maps."""
        return [
            getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.metadata.get("per_document")
        ]

    def forget(self, docname: str) -> None:
        """Drop what was kept about ``docname``, before it is read again or after it is removed.

        The projects it referred to are written again, since their lists of writing change.
        """
        self.backlinks_stale.update(self.project_refs.get(docname, set()))
        for values in self.per_document():
            values.pop(docname, None)

    def merge(self, docnames: set[str], other: SiteState) -> None:
        """Take what a parallel reader kept about ``docnames``."""
        for mine, theirs in zip(self.per_document(), other.per_document(), strict=True):
            mine.update((d, theirs[d]) for d in docnames if d in theirs)
        self.backlinks_stale.update(other.backlinks_stale)


def store(env: BuildEnvironment) -> SiteState:
    """The site's state in ``env``, created empty on first use."""
    state = getattr(env, ATTRIBUTE, None)
    if state is None:
        state = SiteState()
        setattr(env, ATTRIBUTE, state)
    return state


class SiteStateCollector(EnvironmentCollector):
    """Keeps :class:`SiteState` in step with the documents Sphinx reads, purges and merges."""

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        store(env).forget(docname)

    def merge_other(
        self, app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
    ) -> None:
        store(env).merge(docnames, store(other))

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        """Nothing to collect from the doctree: the modules record what they find."""


def setup(app: Sphinx) -> None:
    """Register the collector (the extension declares :data:`ENV_VERSION`)."""
    app.add_env_collector(SiteStateCollector)
