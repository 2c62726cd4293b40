"""The front matter of a project page: keys, closed lists, checks.

Posts are checked by :mod:`dryga_site.core.posts`; both kinds of page are read by
:mod:`dryga_site.core.pages`, for the build and ``check`` alike.

A project page starts with YAML front matter::

    ---
    title: "Sage - Sagas Pattern in Elixir"     # required, unique across projects
    tagline: "Sagas pattern for Elixir"         # required, one line
    kind: open-source                           # required, one of KINDS
    domains: [devtools]                         # required, any of DOMAINS ([] if unknown)
    stack: [Elixir]                             # optional list of technologies
    role: ""                                    # optional, Andrew's part
    links:                                      # optional, http(s) only
      - name: GitHub
        url: https://github.com/Nebo15/sage
    featured: true                              # optional, shown on the home page
    order: 17                                   # required, place in the catalog
    ---

Unknown facts stay empty (``""`` or ``[]``); nothing is invented. Besides these keys only
``description`` (the page's search-engine summary) and the keys MyST and MyST-NB read
themselves are accepted.

The slug is the file name without its suffix: ``projects/sage.md`` is ``sage``, the name
``{project}`sage``` refers to. A slug is a duplicate when two source files share it
(``projects/sage.md`` and ``projects/sage.ipynb``), and so is a title that another project
already uses, compared without regard to case or surrounding spaces: readers tell projects
apart by title, so two pages with one title are one project written twice.

:func:`validate_project` returns one message per mistake, each of the form
``"<field>: <what is wrong>; <what is allowed>"``, for the build and the authoring CLI alike.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from .fields import SLUG, check_text, hint, is_text, one_of, slugify

KINDS: tuple[str, ...] = ("product", "open-source", "venture")
DOMAINS: tuple[str, ...] = (
    "payments",
    "lending",
    "billing",
    "healthcare",
    "govtech",
    "networking",
    "security",
    "infrastructure",
    "devtools",
    "adtech",
    "messaging",
    "crm",
    "social",
    "community",
)
REQUIRED: tuple[str, ...] = ("title", "tagline", "kind", "domains", "order")
#: Optional keys and the value a missing one stands for.
DEFAULTS: dict[str, Any] = {
    "stack": [],
    "role": "",
    "links": [],
    "featured": False,
    "description": "",
}
#: Keys that MyST, MyST-NB and Jupytext read themselves; accepted and left alone.
TOOL_KEYS: tuple[str, ...] = (
    "myst",
    "mystnb",
    "html_meta",
    "substitutions",
    "jupytext",
    "kernelspec",
)
_EXPECTED: dict[str, str] = {
    "title": "the project's name in quotes",
    "tagline": "one line of text in quotes",
    "kind": f"one of {', '.join(KINDS)}",
    "domains": f"a list, [] if unknown, of {', '.join(DOMAINS)}",
    "order": "a whole number (lower comes first in the catalog)",
}
#: The keys an author writes, in the order the authoring tools write them.
KEYS: tuple[str, ...] = (
    "title",
    "tagline",
    "kind",
    "domains",
    "stack",
    "role",
    "links",
    "featured",
    "order",
    "description",
)
ALLOWED_KEYS: frozenset[str] = frozenset((*KEYS, *DEFAULTS, *TOOL_KEYS))


def _check_list(meta: dict[str, Any], key: str) -> list[str]:
    value = meta.get(key)
    if not isinstance(value, list) or not all(is_text(v) and v.strip() for v in value):
        return [f"{key}: must be a list of names, e.g. [Elixir, PostgreSQL], or [] if unknown"]
    return []


def _check_links(links: Any) -> list[str]:
    shape = "links: must be a list of {name: ..., url: https://...} entries, or []"
    if not isinstance(links, list):
        return [shape]
    messages = []
    for i, link in enumerate(links):
        if not isinstance(link, dict) or set(link) != {"name", "url"}:
            messages.append(f"links[{i}]: needs exactly the keys name and url")
            continue
        if not is_text(link["name"]) or not link["name"].strip():
            messages.append(f"links[{i}].name: must be the link's text, e.g. GitHub")
        url = link["url"]
        parsed = urlparse(url) if is_text(url) else None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
            messages.append(
                f"links[{i}].url: {url!r} is not allowed; use an http:// or https:// address"
            )
    return messages


def validate_project(meta: dict[str, Any]) -> list[str]:
    """Check a project's front matter; return one message per mistake (empty when valid)."""
    messages = [
        f"{key}: unknown key{hint(key, ALLOWED_KEYS)}; allowed keys are {one_of(KEYS)}"
        for key in meta
        if key not in ALLOWED_KEYS
    ]
    messages += [f"{key}: missing; add {_EXPECTED[key]}" for key in REQUIRED if key not in meta]
    for key in ("title", "tagline"):
        if key in meta:
            messages += check_text(meta, key, required=True)
    for key in ("role", "description"):
        if key in meta:
            messages += check_text(meta, key, required=False)
    if "kind" in meta and meta["kind"] not in KINDS:
        messages.append(
            f"kind: {meta['kind']!r} is not allowed{hint(str(meta['kind']), KINDS)}; "
            f"use one of {one_of(KINDS)}"
        )
    if "domains" in meta:
        domains = meta["domains"]
        if not isinstance(domains, list):
            messages.append(f"domains: must be a list, [] if unknown, of {one_of(DOMAINS)}")
        else:
            messages += [
                f"domains: {d!r} is not allowed{hint(str(d), DOMAINS)}; "
                f"use any of {one_of(DOMAINS)}"
                for d in domains
                if d not in DOMAINS
            ]
    if "stack" in meta:
        messages += _check_list(meta, "stack")
    if "links" in meta:
        messages += _check_links(meta["links"])
    if "featured" in meta and not isinstance(meta["featured"], bool):
        messages.append("featured: must be true or false")
    order = meta.get("order")
    if "order" in meta and (not isinstance(order, int) or isinstance(order, bool)):
        messages.append("order: must be a whole number, e.g. 7 (lower comes first)")
    return messages


def with_defaults(meta: dict[str, Any]) -> dict[str, Any]:
    """A valid project's front matter with every optional key filled in."""
    return {**DEFAULTS, **{k: v for k, v in meta.items() if k not in TOOL_KEYS}}


def validate_slug(slug: str) -> list[str]:
    """Check a project's slug, its file name; one message when it is not a slug."""
    if SLUG.fullmatch(slug):
        return []
    fixed = slugify(slug) or "a name of lower-case words"
    return [
        f"slug: {slug!r} is not allowed in a file name; rename the file to {fixed} "
        "(lower-case letters, digits and hyphens)"
    ]
