"""sphinx-sitemap, adapted: an incremental build's sitemap lists every page, as a clean one.

sphinx-sitemap lists the pages the build at hand writes, so after one edited post the
sitemap held that post and a few lists. Pages not written again are listed here, in the
order a clean build lists them (documents by name, then generated pages as written).

sphinx-sitemap also starts a ``multiprocessing`` Manager in every build, for the parallel
writers it may collect links from. A serial build (every build of this site) gets a plain
queue instead: the Manager's helper process cost 0.2-0.5 s of each preview save and could
hang when forked from a process that runs threads.
"""

from __future__ import annotations

import multiprocessing
import queue
from typing import Any

from sphinx.application import Sphinx


def _links(app: Sphinx) -> Any:
    """sphinx-sitemap's queue of (link, last modified) of the pages written.

    PRIVATE: sphinx-sitemap keeps it as ``app.sitemap_links`` and offers no other way in.
    """
    return app.sitemap_links


def start_queue(app: Sphinx) -> None:
    """sphinx-sitemap's ``builder-inited`` step: a process-shared queue only when needed."""
    builder = getattr(app, "builder", None)
    if builder is None or "sphinx_sitemap" not in app.extensions:
        return
    builder.env.is_directory_builder = type(builder).__name__ == "DirectoryHTMLBuilder"
    app.sitemap_links = multiprocessing.Manager().Queue() if app.parallel > 1 else queue.Queue()


def setup(app: Sphinx) -> None:
    """Take over sphinx-sitemap's ``builder-inited`` step (connected in the event table).

    PRIVATE: sphinx-sitemap connects ``record_builder_type`` itself and keeps no listener
    id, so its listener is found in Sphinx's event table (``app.events.listeners``) and
    disconnected with the public ``app.disconnect``.
    """
    if "sphinx_sitemap" not in app.extensions:
        return
    from sphinx_sitemap import record_builder_type

    for listener in list(app.events.listeners.get("builder-inited", [])):
        if listener.handler is record_builder_type:
            app.disconnect(listener.id)


def _drain(links: Any) -> list[tuple[str, Any]]:
    items = []
    while True:
        try:
            items.append(links.get_nowait())
        except queue.Empty:
            return items


def list_page(app: Sphinx, pagename: str) -> None:
    """List ``pagename`` as sphinx-sitemap would have, had the page been written."""
    if "sphinx_sitemap" in app.extensions:
        from sphinx_sitemap import add_html_link

        add_html_link(app, pagename, "", {}, None)


def list_every_document(app: Sphinx, exception: Exception | None) -> None:
    """Before the sitemap is written: every document first, by name, then the other pages."""
    if exception is not None or "sphinx_sitemap" not in app.extensions:
        return
    if app.builder.format != "html":
        return
    written = _drain(_links(app))
    for docname in sorted(app.env.found_docs):
        list_page(app, docname)
    documents = _drain(_links(app))
    listed = {link for link, _ in documents}
    for item in documents + [item for item in written if item[0] not in listed]:
        _links(app).put(item)
