"""What a post is: its front matter, whether it is published, and who may see it.

This is the one owner of those rules; the build (``blog/``), ``check``, ``new``, the catalog
and the preview all ask it. Pure Python: neither Sphinx nor ablog is imported.
"""

from __future__ import annotations

import posixpath
from datetime import UTC, date, datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import yaml

from .fields import SLUG, check_text, is_text, slugify
from .series import check_series

#: A post's front matter. Besides ``blogpost: true`` (what makes a page a post) and ``title``,
#: every key is optional; other keys (ablog's, MyST's, Jupyter's) are left alone.
#:
#: - ``date``: ``"YYYY-MM-DD"``, a day from 1990 to 2100; a time and a time zone may follow
#:   (the day is taken in UTC). No date means a draft.
#: - ``draft``, ``date_approximate``: true or false. An approximate date shows its year alone.
#: - ``freeze``: true or false. A frozen post is never run by the build: it publishes the
#:   outputs its author last ran (``notebooks/frozen.py``).
#: - ``tags``: a list of slugs, e.g. ``[elixir, distributed-systems]``; case does not matter.
#: - ``title``, ``description``: one line of text without control characters.
#: - ``author``: a name, or Quarto's list of names (or of ``{name: ...}``); shown joined.
#: - ``image``: the post's picture for link previews (``og:image``), a PNG, JPEG, GIF or WebP
#:   file given by its path from the post's folder; ``image-alt``: what it shows.
#: - ``categories``: Quarto's name for tags; each becomes a tag (``Data Science``:
#:   ``data-science``).
POST_DESCRIPTION_PLACEHOLDER = "One sentence on what a reader takes away from this post."
YEARS = (1990, 2100)
POST_FLAGS = ("draft", "date_approximate", "freeze")
#: The keys of a post's front matter that the site reads itself.
POST_KEYS = (
    "blogpost",
    "title",
    "date",
    *POST_FLAGS,
    "tags",
    "description",
    "author",
    "image",
    "image-alt",
    "series",
    "series_part",
)
#: Quarto's keys that the site reads with Quarto's meaning, besides those it shares with
#: Quarto (title, date, description, author, image, image-alt, draft, freeze).
QUARTO_KEYS = ("categories",)
#: The picture types link previews show.
CARD_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
#: Where the checked ``image`` and ``image-alt`` go: sphinxext-opengraph's own page fields
#: (ablog reads an ``image`` key as a number).
CARD_FIELDS = {"image": "og:image", "image-alt": "og:image:alt"}


def _timestamp(value: Any) -> date | None:
    """The date or time in ``value``, written in ISO 8601 or as a YAML timestamp, else None."""
    if not is_text(value):
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
    if is_text(value):
        words = [slugify(word) for word in value.split(",")]
        example = ", ".join(w for w in words if w) or "elixir, testing"
        return [], [f"tags: must be a list, not text; write tags: [{example}]"]
    if not isinstance(value, list):
        return [], ["tags: must be a list of tags, e.g. [elixir, testing]"]
    tags: list[str] = []
    messages = []
    for tag in value:
        slug = tag.strip().lower() if is_text(tag) else ""
        if SLUG.fullmatch(slug):
            tags += [slug] if slug not in tags else []
            continue
        fixed = slugify(str(tag))
        example = f", e.g. {fixed}" if fixed else ""
        messages.append(
            f"tags: {tag!r} is not a tag; use lower-case words joined by hyphens{example}"
        )
    return tags, messages


def post_categories(value: Any) -> tuple[list[str], list[str]]:
    """Quarto's ``categories`` as tags (each slugified), and one message per one that is not."""
    values = [value] if is_text(value) else value
    if not isinstance(values, list):
        return [], ["categories: must be a list, e.g. categories: [Data Science, python]"]
    tags, messages = [], []
    for category in values:
        slug = slugify(category) if is_text(category) else ""
        if slug:
            tags += [slug] if slug not in tags else []
        else:
            messages.append(
                f"categories: {category!r} has no letter or digit to make a tag of; "
                "write it in words, e.g. [Data Science]"
            )
    return tags, messages


def _name(entry: Any) -> str | None:
    """One author's name from Quarto's forms: text, ``{name: ...}``, ``{given:, family:}``."""
    if is_text(entry):
        return entry.strip()
    if isinstance(entry, dict) and "name" in entry:
        return _name(entry["name"])
    if isinstance(entry, dict) and ("given" in entry or "family" in entry or "literal" in entry):
        parts = (
            [entry.get("literal")]
            if "literal" in entry
            else [entry.get("given"), entry.get("family")]
        )
        if all(is_text(p) or p is None for p in parts):
            return " ".join(p.strip() for p in parts if p)
    return None


def post_author(value: Any) -> tuple[str | None, list[str]]:
    """A post's author as one line of names, from text or Quarto's list of names."""
    if is_text(value):
        return value, check_text({"author": value}, "author", required=False)
    entries = value if isinstance(value, list) else [value]
    names = [_name(entry) for entry in entries]
    if not entries or any(not name for name in names):
        return None, ["author: must be a name in quotes, or a list of names"]
    joined = ", ".join(n for n in names if n)
    return joined, check_text({"author": joined}, "author", required=True)


def card_image(value: Any) -> tuple[str | None, list[str]]:
    """``image``: a picture's path from the post's folder, as link previews can show it."""
    example = "e.g. image: chart.png for a chart.png beside the post"
    if not is_text(value) or not value.strip() or "\n" in value:
        return None, [f"image: must be the path of a picture beside the post, {example}"]
    path = value.strip()
    if urlsplit(path).scheme or path.startswith(("/", "\\")) or "\\" in path:
        return None, [f"image: {path!r} is not a path from the post's folder; {example}"]
    if PurePosixPath(path).suffix.lower() not in CARD_TYPES:
        return None, [
            f"image: {path!r} is not a picture link previews show; "
            "use a PNG, JPEG, GIF or WebP file"
        ]
    return path, []


def image_path(page: str, image: str) -> str:
    """The site path of the picture ``image`` that the page ``page`` (a path relative to the
    site, with or without its suffix) names relative to itself; ``../`` first: outside it."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), image))


def _quarto_values(meta: dict[str, Any], values: dict[str, Any]) -> list[str]:
    """Check ``author``, ``image``, ``image-alt`` and ``categories`` into ``values``."""
    messages: list[str] = []
    if "author" in meta:
        values["author"], problems = post_author(meta["author"])
        messages += problems
    if "image" in meta:
        values["image"], problems = card_image(meta["image"])
        messages += problems
    if "image-alt" in meta:
        messages += check_text(meta, "image-alt", required=True)
    if "categories" in meta:
        tags, problems = post_categories(meta["categories"])
        values["tags"] = list(dict.fromkeys([*values.get("tags", []), *tags]))
        values.pop("categories")
        messages += problems
    for key in ("author", "image", "image-alt"):
        if any(m.startswith(f"{key}:") for m in messages) or values.get(key) is None:
            values.pop(key, None)
    for key, field in CARD_FIELDS.items():
        if key in values:
            values[field] = values.pop(key)
    return messages


def is_draft(meta: dict[str, Any]) -> bool:
    """Whether a checked post is a draft: ``draft: true``, or no date to publish it on."""
    return flag(meta, "draft") or not meta.get("date")


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
    for key in ("title", "description"):
        if key in meta:
            reject(key, check_text(meta, key, required=key == "title"))
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
    messages += _quarto_values(meta, values)
    for key in ("series", "series_part"):
        reject(key, [m for m in check_series(meta) if m.startswith(f"{key}:")])
    if not is_draft(values) and values.get("description") == POST_DESCRIPTION_PLACEHOLDER:
        reject(
            "description", ["description: still the placeholder; sum the post up in one sentence"]
        )
    return values, messages


def flag(metadata: dict[str, Any], field: str) -> bool:
    """Whether a true/false front-matter ``field`` is true (Sphinx may keep it as text)."""
    return str(metadata.get(field, "")).lower() == "true"


# ----------------------------------------------------------------------- published or not

PUBLISHED, DRAFT, SCHEDULED = "published", "draft", "scheduled"


def today() -> date:
    """The one clock posts are published by: the build machine's local day."""
    return date.today()


def state_of(meta: dict[str, Any], on: date) -> str:
    """Whether the checked post ``meta`` is published, a draft or scheduled on the day ``on``.

    A draft has ``draft: true`` or no date; a post dated after ``on`` is scheduled.
    """
    if is_draft(meta):
        return DRAFT
    return SCHEDULED if post_date(meta["date"]) > on else PUBLISHED


def is_listed(meta: dict[str, Any], on: date, show_drafts: bool = False) -> bool:
    """Whether lists show the checked post ``meta`` on the day ``on``: when it is published,
    or, in a preview that shows drafts, a draft with a date."""
    state = state_of(meta, on)
    return state == PUBLISHED or (state == DRAFT and show_drafts and bool(meta.get("date")))


def neighbours(published: list[tuple[Any, str, str]]) -> dict[str, list[tuple[str, str, str]]]:
    """docname -> the posts before and after it, from ``(date, title, docname)`` in order."""
    around = {}
    for i, (_, _, docname) in enumerate(published):
        window = published[max(i - 1, 0) : i + 2]
        around[docname] = [(str(d), title, doc) for d, title, doc in window if doc != docname]
    return around


def what_it_is(state: str, day: date | None) -> str:
    """How a message names a post that is not published: "a draft" or "scheduled for ..."."""
    return f"scheduled for {day.isoformat()}" if state == SCHEDULED and day else "a draft"


def link_problem(target: str, state: str, day: date | None) -> str:
    """The message for a published page's link to the unpublished post at ``target``."""
    return (
        f"links to {target}, which is {what_it_is(state, day)}; "
        "remove the link until that post is published"
    )


def scheduled_note(name: str, meta: dict[str, Any], on: date) -> str | None:
    """``blog/x.md: scheduled for 2027-01-05`` when the checked post ``meta`` is due after
    ``on``."""
    if meta.get("blogpost") is not True or state_of(meta, on) != SCHEDULED:
        return None
    return f"{name}: {what_it_is(SCHEDULED, post_date(meta['date']))}"
