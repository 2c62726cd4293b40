"""Series of posts: "Part N of M", every part linked, the previous and next part, a series page.

A post joins a series with ``series: <name>`` (and may give ``series_part: N``); the rule of
what a series holds is :mod:`dryga_site.core.series`'. Only published posts are parts, so a
draft or a scheduled part is counted nowhere until its day. Each part's page is written again
when its series changes, and each series gets a page, ``blog/series/<slug>``, listing its parts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ..core import posts, series
from ..extension.state import store
from .ablog_adapter import ablog_records

TEMPLATE = "series.html"


def record_series(app: Sphinx, doctree: nodes.document) -> None:
    """Note the series a post belongs to (its front matter is checked already)."""
    env = app.env
    meta = env.metadata[env.docname]
    name = meta.get("series")
    if isinstance(name, str) and name.strip() and env.docname in ablog_records(env):
        part = meta.get("series_part")
        store(env).blog_series[env.docname] = (
            name.strip(),
            part if isinstance(part, int) else None,
        )


def _day(env: BuildEnvironment, docname: str) -> date | None:
    try:
        return posts.post_date(env.metadata[docname].get("date"))
    except ValueError:
        return None


def collect_series(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Gather each series' published parts, in order; return the posts whose series changed.

    Runs after ``visibility.after_reading`` has noted the hidden posts.
    """
    state = store(env)
    found: dict[str, tuple[str, list[series.Part]]] = {}
    for docname, (name, number) in sorted(state.blog_series.items()):
        if docname in state.blog_hidden or docname not in env.found_docs:
            continue
        title = env.titles[docname].astext() if docname in env.titles else docname
        part = series.Part(docname, title, _day(env, docname), number)
        found.setdefault(series.slug(name), (name, []))[1].append(part)
    found = {key: (name, series.in_order(parts)) for key, (name, parts) in found.items()}
    before, state.blog_series_parts = state.blog_series_parts, found
    changed = {
        part.docname
        for key in before.keys() | found.keys()
        if before.get(key) != found.get(key)
        for _, parts in (before.get(key, ("", [])), found.get(key, ("", [])))
        for part in parts
    }
    return sorted(changed & env.found_docs)


def page_name(app: Sphinx, key: str) -> str:
    """The generated page of the series ``key``."""
    return f"{app.config.blog_path.strip('/')}/series/{key}"


def _link(app: Sphinx, pagename: str, docname: str) -> str:
    return app.builder.get_relative_uri(pagename, docname)


def view(app: Sphinx, pagename: str, key: str) -> dict[str, Any]:
    """What a template shows of the series ``key`` on ``pagename``: its name, page and parts."""
    name, parts = store(app.env).blog_series_parts[key]
    shown = [
        {"title": part.title, "link": _link(app, pagename, part.docname), "current": False}
        for part in parts
    ]
    return {"name": name, "link": _link(app, pagename, page_name(app, key)), "parts": shown}


def add_series(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Give a part's page its place in the series: ``series`` in the template's context."""
    entry = store(app.env).blog_series.get(pagename)
    key = series.slug(entry[0]) if entry else ""
    parts = store(app.env).blog_series_parts.get(key, ("", []))[1]
    numbers = [i for i, part in enumerate(parts) if part.docname == pagename]
    if not numbers:
        return
    shown = view(app, pagename, key)
    index = numbers[0]
    shown["parts"][index]["current"] = True
    shown["number"], shown["count"] = index + 1, len(parts)
    shown["prev"] = shown["parts"][index - 1] if index > 0 else None
    shown["next"] = shown["parts"][index + 1] if index + 1 < len(parts) else None
    context["series"] = shown


def series_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    """One page per series, listing its parts in order."""
    for key in sorted(store(app.env).blog_series_parts):
        pagename = page_name(app, key)
        shown = view(app, pagename, key)
        yield pagename, {"title": shown["name"], "series": shown}, TEMPLATE
