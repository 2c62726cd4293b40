"""A notebook's cells shown as Jupyter shows them: pasted images, raw cells.

- **Attachments.** An image pasted into a Markdown cell in JupyterLab is stored in the cell
  (``attachments``) and referred to as ``attachment:name.png``. :func:`inline_attachments`
  puts the image itself in its place, as a ``data:`` address, so the page shows it (Sphinx
  knows no ``attachment:`` address); the cell's ``attachments`` are then dropped.
- **Code in Markdown** fenced with a language Pygments does not know (```` ```RAW ````) is
  shown as plain text, as Jupyter shows it, instead of failing the strict build with a
  highlighting warning (:func:`plain_unknown_fences`).
- **Raw cells** hold text for nbconvert to pass on untouched in the exports whose format they
  name. :func:`raw_format` shows them as nbconvert's HTML export does: a raw cell whose format
  (``format``, or the classic Notebook's ``raw_mimetype``) is HTML or Markdown is shown; any
  other (LaTeX, reST, none) belongs to another export and is not shown.
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import unquote

from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .nbjson import cell_text
from .titles import code_lines, fences

#: The image types an attachment may be shown as, in the order of preference.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml")
#: The formats of raw cells that an HTML page shows (as nbconvert's HTML export does).
SHOWN_RAW = ("text/html", "text/markdown")
#: An attachment used as an image: ``](attachment:x.png`` or ``src="attachment:x.png"``.
_ATTACHMENT = re.compile(r"(\]\(\s*<?|\bsrc\s*=\s*[\"'])attachment:([^\s)\"'<>]+)")
#: Code languages Sphinx knows besides Pygments' own.
SPHINX_LANGUAGES = ("none", "default", "guess", "py3", "python3", "pycon3")
_FENCE = re.compile(r"^(\s*(?:`{3,}|~{3,})\s*)(\S+)")


def data_uri(bundle: Any) -> str | None:
    """An attachment's image as a ``data:`` address (None when it holds no image)."""
    if not isinstance(bundle, dict):
        return None
    for mime in IMAGE_TYPES:
        data = bundle.get(mime)
        if isinstance(data, list):
            data = "".join(d for d in data if isinstance(d, str))
        if not isinstance(data, str) or not data:
            continue
        if mime == "image/svg+xml" and data.lstrip().startswith("<"):
            data = base64.b64encode(data.encode("utf-8")).decode("ascii")
        return f"data:{mime};base64,{''.join(data.split())}"
    return None


def inline_attachments(cell: dict[str, Any]) -> list[str]:
    """Put a Markdown cell's attached images in place of their ``attachment:`` addresses.

    Returns the names referred to that the cell does not hold as an image (left as written).
    """
    attachments = cell.get("attachments")
    text = cell_text(cell)
    if "attachment:" not in text:
        cell.pop("attachments", None)
        return []
    held = attachments if isinstance(attachments, dict) else {}
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match[2]
        uri = data_uri(held.get(name, held.get(unquote(name))))
        if uri is None:
            missing.append(unquote(name))
            return match[0]
        return match[1] + uri

    code = code_lines(text)
    lines = text.split("\n")
    cell["source"] = "\n".join(
        line if number in code else _ATTACHMENT.sub(replace, line)
        for number, line in enumerate(lines)
    )
    if not missing:
        cell.pop("attachments", None)
    return missing


def known_language(name: str) -> bool:
    """Whether Sphinx can colour code in the language ``name``."""
    try:
        get_lexer_by_name(name)
    except ClassNotFound:
        return name.lower() in SPHINX_LANGUAGES
    return True


def plain_unknown_fences(cell: dict[str, Any]) -> None:
    """Mark fenced code in a language Sphinx does not know as plain text (a MyST directive,
    ```` ```{note} ````, is left alone)."""
    text = cell_text(cell)
    unknown = {
        line
        for line, info in fences(text)
        if info and not info.startswith("{") and not known_language(info.split()[0])
    }
    if unknown:
        lines = text.split("\n")
        for line in unknown:
            lines[line] = _FENCE.sub(lambda m: m[1] + "text", lines[line], count=1)
        cell["source"] = "\n".join(lines)


def raw_format(cell: dict[str, Any]) -> None:
    """Keep a raw cell's format only when a web page shows it (see the module's docstring)."""
    metadata = cell.setdefault("metadata", {})
    written = metadata.get("format") or metadata.get("raw_mimetype") or ""
    shown = str(written).strip().lower()
    if shown in SHOWN_RAW:
        metadata["format"] = shown
    else:
        metadata.pop("format", None)
