"""Checks both schemas use: one line of text, slugs, near-miss hints."""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Any

#: Control characters (C0, DEL, C1) and the bidi embeddings, overrides and isolates that can
#: make text read differently from what it is.
HIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: A slug: lower-case words of ASCII letters and digits joined by single hyphens.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def slugify(text: str) -> str:
    """A slug made from ``text``: lower-case ASCII words joined by hyphens ("" when none)."""
    text = re.sub(r"['’]", "", text)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def one_of(values: tuple[str, ...]) -> str:
    return ", ".join(values)


def hint(word: str, choices: tuple[str, ...] | frozenset[str]) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to ``word``, if one is close."""
    match = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.75)
    return f" (did you mean '{match[0]}'?)" if match else ""


def is_text(value: Any) -> bool:
    return isinstance(value, str)


def hidden_character(text: str) -> str | None:
    """The first control or bidi-override character in ``text``, as ``U+XXXX``."""
    found = HIDDEN.search(text)
    return f"U+{ord(found[0]):04X}" if found else None


def check_text(meta: dict[str, Any], key: str, required: bool) -> list[str]:
    """``meta[key]`` is one line of text (not empty, if ``required``) without hidden characters."""
    value = meta.get(key)
    if not is_text(value) or "\n" in value:
        return [f"{key}: must be one line of text in quotes"]
    if required and not value.strip():
        return [f"{key}: is empty; write one line of text"]
    if hidden := hidden_character(value):
        return [f"{key}: holds the invisible control character {hidden}; delete it"]
    return []
