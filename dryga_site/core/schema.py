"""The front matter of project pages and posts: keys, closed lists, checks.

Posts (``blogpost: true``) are checked by :func:`clean_post`, further down; both kinds of page
are read by :mod:`dryga_site.frontmatter`, for the build and ``check`` alike.

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

import difflib
import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlparse

import yaml

#: Control characters (C0, DEL, C1) and the bidi embeddings, overrides and isolates that can
#: make text read differently from what it is.
HIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: A slug: lower-case words of ASCII letters and digits joined by single hyphens.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
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


def _one_of(values: tuple[str, ...]) -> str:
    return ", ".join(values)


def _hint(word: str, choices: tuple[str, ...] | frozenset[str]) -> str:
    match = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.75)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _hidden_character(text: str) -> str | None:
    """The first control or bidi-override character in ``text``, as ``U+XXXX``."""
    found = HIDDEN.search(text)
    return f"U+{ord(found[0]):04X}" if found else None


def _check_text(meta: dict[str, Any], key: str, required: bool) -> list[str]:
    value = meta.get(key)
    if not _is_text(value) or "\n" in value:
        return [f"{key}: must be one line of text in quotes"]
    if required and not value.strip():
        return [f"{key}: is empty; write one line of text"]
    if hidden := _hidden_character(value):
        return [f"{key}: holds the invisible control character {hidden}; delete it"]
    return []


def _check_list(meta: dict[str, Any], key: str) -> list[str]:
    value = meta.get(key)
    if not isinstance(value, list) or not all(_is_text(v) and v.strip() for v in value):
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
        if not _is_text(link["name"]) or not link["name"].strip():
            messages.append(f"links[{i}].name: must be the link's text, e.g. GitHub")
        url = link["url"]
        parsed = urlparse(url) if _is_text(url) else None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
            messages.append(
                f"links[{i}].url: {url!r} is not allowed; use an http:// or https:// address"
            )
    return messages


def validate_project(meta: dict[str, Any]) -> list[str]:
    """Check a project's front matter; return one message per mistake (empty when valid)."""
    messages = [
        f"{key}: unknown key{_hint(key, ALLOWED_KEYS)}; allowed keys are {_one_of(KEYS)}"
        for key in meta
        if key not in ALLOWED_KEYS
    ]
    messages += [f"{key}: missing; add {_EXPECTED[key]}" for key in REQUIRED if key not in meta]
    for key in ("title", "tagline"):
        if key in meta:
            messages += _check_text(meta, key, required=True)
    for key in ("role", "description"):
        if key in meta:
            messages += _check_text(meta, key, required=False)
    if "kind" in meta and meta["kind"] not in KINDS:
        messages.append(
            f"kind: {meta['kind']!r} is not allowed{_hint(str(meta['kind']), KINDS)}; "
            f"use one of {_one_of(KINDS)}"
        )
    if "domains" in meta:
        domains = meta["domains"]
        if not isinstance(domains, list):
            messages.append(f"domains: must be a list, [] if unknown, of {_one_of(DOMAINS)}")
        else:
            messages += [
                f"domains: {d!r} is not allowed{_hint(str(d), DOMAINS)}; "
                f"use any of {_one_of(DOMAINS)}"
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


def suggest_slug(text: str) -> str:
    """``text`` made a slug, to suggest as a fix ("" when nothing is left)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def validate_slug(slug: str) -> list[str]:
    """Check a project's slug, its file name; one message when it is not a slug."""
    if SLUG.fullmatch(slug):
        return []
    fixed = suggest_slug(slug) or "a name of lower-case words"
    return [
        f"slug: {slug!r} is not allowed in a file name; rename the file to {fixed} "
        "(lower-case letters, digits and hyphens)"
    ]


# ------------------------------------------------------------------------------------- posts

#: A post's front matter. Besides ``blogpost: true`` (what makes a page a post) and ``title``,
#: every key is optional; other keys (ablog's, MyST's, Jupyter's) are left alone.
#:
#: - ``date``: ``"YYYY-MM-DD"``, a day from 1990 to 2100; a time and a time zone may follow
#:   (the day is taken in UTC). No date means a draft.
#: - ``draft``, ``date_approximate``: true or false. An approximate date shows its year alone.
#: - ``tags``: a list of slugs, e.g. ``[elixir, distributed-systems]``; case does not matter.
#: - ``title``, ``description``, ``author``: one line of text without control characters.
POST_DESCRIPTION_PLACEHOLDER = "One sentence on what a reader takes away from this post."
YEARS = (1990, 2100)
POST_FLAGS = ("draft", "date_approximate")


def _timestamp(value: Any) -> date | None:
    """The date or time in ``value``, written in ISO 8601 or as a YAML timestamp, else None."""
    if not _is_text(value):
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        pass
    try:  # YAML's own forms, e.g. "2018-1-5" or "2018-01-15 10:00:00 -5"
        parsed = yaml.safe_load(value)
    except (yaml.YAMLError, ValueError, OverflowError):
        return None
    return parsed if isinstance(parsed, date) else None


def post_date(value: Any) -> date:
    """The day a post's ``date`` stands for; ValueError with a ``"date: ..."`` message if none."""
    parsed = value if isinstance(value, date) else _timestamp(value)
    if parsed is None:
        raise ValueError(f'date: {value!r} is not a real date; write it as "YYYY-MM-DD"')
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        raise ValueError(
            f"date: {value!r} is not between {YEARS[0]} and {YEARS[1]}; "
            'write the day the post was published, as "YYYY-MM-DD"'
        )
    if isinstance(parsed, datetime):
        return (parsed.astimezone(UTC) if parsed.tzinfo else parsed).date()
    return parsed


def post_tags(value: Any) -> tuple[list[str], list[str]]:
    """A post's tags lower-cased, without repeats, and one message per tag that is not a slug."""
    if value is None:
        return [], []
    if _is_text(value):
        words = [suggest_slug(word) for word in value.split(",")]
        example = ", ".join(w for w in words if w) or "elixir, testing"
        return [], [f"tags: must be a list, not text; write tags: [{example}]"]
    if not isinstance(value, list):
        return [], ["tags: must be a list of tags, e.g. [elixir, testing]"]
    tags: list[str] = []
    messages = []
    for tag in value:
        slug = tag.strip().lower() if _is_text(tag) else ""
        if SLUG.fullmatch(slug):
            tags += [slug] if slug not in tags else []
            continue
        fixed = suggest_slug(str(tag))
        example = f", e.g. {fixed}" if fixed else ""
        messages.append(
            f"tags: {tag!r} is not a tag; use lower-case words joined by hyphens{example}"
        )
    return tags, messages


def is_draft(meta: dict[str, Any]) -> bool:
    """Whether a checked post is a draft: ``draft: true``, or no date to publish it on."""
    return meta.get("draft") is True or not meta.get("date")


def clean_post(meta: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Check a page's front matter as a post's: the values to build with, and the mistakes.

    Pages without ``blogpost: true`` are not posts and keep their values. A wrong value is
    left out of the values (a bad date makes the post a draft), so nothing downstream fails.
    """
    if "blogpost" in meta and not isinstance(meta["blogpost"], bool):
        values = {k: v for k, v in meta.items() if k != "blogpost"}
        return values, ["blogpost: must be true or false"]
    values = dict(meta)
    if meta.get("blogpost") is not True:
        return values, []
    messages: list[str] = []

    def reject(key: str, problems: list[str]) -> None:
        if problems:
            values.pop(key, None)
            messages.extend(problems)

    if "title" not in meta:
        reject("title", ['title: missing; add a line like title: "Post title"'])
    for key in ("title", "description", "author"):
        if key in meta:
            reject(key, _check_text(meta, key, required=key == "title"))
    for key in POST_FLAGS:
        if key in meta and not isinstance(meta[key], bool):
            reject(key, [f"{key}: must be true or false"])
    if meta.get("date") in (None, ""):
        values.pop("date", None)  # no date: a draft
    else:
        try:
            values["date"] = post_date(meta["date"])
        except ValueError as err:
            reject("date", [str(err)])
    if "tags" in meta:
        values["tags"], problems = post_tags(meta["tags"])
        messages += problems
    if not is_draft(values) and values.get("description") == POST_DESCRIPTION_PLACEHOLDER:
        reject(
            "description", ["description: still the placeholder; sum the post up in one sentence"]
        )
    return values, messages
