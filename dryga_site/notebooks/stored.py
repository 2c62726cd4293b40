"""Outputs the build did not make (a frozen post's), cleaned before they are published.

A frozen post publishes outputs made on its author's machine: HTML, SVG and Markdown in them
could carry scripts, frames, styles, event handlers or loads from other hosts. nh3 (the Rust
``ammonia`` sanitizer) cleans every HTML and SVG output; the site's own policy is only which
tags and attributes to allow, and that no ``src`` or ``href`` may point at another host.
Markdown becomes HTML first (markdown-it, no MyST directives), so a stored output can never
reach the page's parser. Interactive outputs (widgets, JavaScript, plotly, bokeh, vega) need
scripts the site does not load: their static forms (PNG, SVG, text) are kept, with a note that
the output was interactive.
"""

from __future__ import annotations

import re
from typing import Any

import nh3
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

#: The kinds of output a stored notebook may publish as they are (after cleaning).
STATIC = ("image/png", "image/jpeg", "image/gif", "image/svg+xml", "text/plain", "text/latex")
#: What an interactive output may keep: pictures and text.
FALLBACKS = ("image/png", "image/jpeg", "image/gif", "image/svg+xml", "text/plain")
#: The prefix myst-nb's ``glue`` stores a value under; the kind of output follows it.
GLUED = "application/papermill.record/"
#: HTML that only runs in a browser with scripts: an interactive output in text/html form.
SCRIPTED = re.compile(r"<\s*(script|iframe)\b", re.IGNORECASE)
INTERACTIVE_NOTE = (
    "This output was interactive (it needs JavaScript, which the site does not run); "
    "a static copy is shown where the notebook saved one."
)
#: SVG elements and attributes a chart needs; nothing that runs or loads (no script,
#: foreignObject, style element or animation).
SVG_TAGS = {
    "svg", "g", "defs", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
    "text", "tspan", "title", "desc", "use", "symbol", "clipPath", "mask", "pattern", "marker",
    "linearGradient", "radialGradient", "stop", "image",
}  # fmt: skip
SVG_ATTRIBUTES = {
    "id", "class", "d", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "rx", "ry", "width",
    "height", "viewBox", "transform", "points", "fill", "fill-opacity", "fill-rule", "stroke",
    "stroke-width", "stroke-linecap", "stroke-linejoin", "stroke-dasharray", "stroke-opacity",
    "opacity", "style", "font-family", "font-size", "font-weight", "text-anchor", "clip-path",
    "clipPathUnits", "mask", "href", "xlink:href", "offset", "stop-color", "stop-opacity",
    "gradientUnits", "patternUnits", "preserveAspectRatio", "xmlns", "xmlns:xlink", "version",
    "dominant-baseline", "marker-end", "marker-start", "markerWidth", "markerHeight", "orient",
    "refX", "refY",
}  # fmt: skip
#: Attributes that load something when the page (or the SVG file) is opened.
LOADING = {"src", "srcset", "href", "xlink:href", "poster", "background", "data", "style"}
INLINE_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,", re.IGNORECASE)
REMOTE_IN_CSS = re.compile(r"url\s*\(\s*['\"]?\s*(?!#)", re.IGNORECASE)


def _no_remote_loads(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: keep only references that load nothing from elsewhere."""
    if attribute not in LOADING:
        return value
    if attribute == "style":
        return None if REMOTE_IN_CSS.search(value) else value
    if tag == "a" and attribute == "href":
        return value  # a link loads nothing until the reader follows it
    if value.startswith("#") or INLINE_IMAGE.match(value):
        return value
    return None


def clean_html(html: str) -> str:
    """``html`` with no script, frame, style, event handler or load from another host.

    An image whose picture came from another host is left out, not left empty.
    """
    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["*"] = {"class"}
    cleaned = nh3.clean(
        html,
        attributes=attributes,
        attribute_filter=_no_remote_loads,
        url_schemes=nh3.ALLOWED_URL_SCHEMES | {"data"},
    )
    if "<img" not in cleaned:
        return cleaned
    page = BeautifulSoup(cleaned, "html.parser")
    for image in page.find_all("img"):
        if not image.get("src"):
            image.decompose()
    return str(page)


def clean_svg(svg: str) -> str:
    """An SVG picture with only drawing elements, and nothing that loads or runs."""
    return nh3.clean(
        svg,
        tags=SVG_TAGS | {tag.lower() for tag in SVG_TAGS},
        attributes={"*": SVG_ATTRIBUTES | {a.lower() for a in SVG_ATTRIBUTES}},
        attribute_filter=_no_remote_loads,
        url_schemes={"data"},
        link_rel=None,
    )


def markdown_html(markdown: str) -> str:
    """Markdown as cleaned HTML: CommonMark only, so no MyST directive is ever run."""
    return clean_html(MarkdownIt("commonmark", {"html": True}).render(markdown))


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _is_interactive(data: dict[str, Any]) -> bool:
    for key, value in data.items():
        mime = key.removeprefix(GLUED)
        if mime == "text/html" and SCRIPTED.search(_text(value)):
            return True
        if mime.startswith("application/") or "javascript" in mime:
            return True
    return False


def _clean_value(mime: str, value: Any) -> tuple[str, Any] | None:
    """The kind and value to publish of one stored representation, or None to drop it."""
    if mime == "text/html":
        return mime, clean_html(_text(value))
    if mime == "text/markdown":
        return "text/html", markdown_html(_text(value))
    if mime == "image/svg+xml":
        return mime, clean_svg(_text(value))
    if mime in STATIC:
        return mime, value
    return None


def clean_bundle(data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A stored output's representations, cleaned, and whether the output was interactive.

    An interactive output keeps its pictures, else its HTML without the scripts, and its text.
    """
    interactive = _is_interactive(data)
    pictures = any(key.removeprefix(GLUED).startswith("image/") for key in data)
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        prefix = GLUED if key.startswith(GLUED) else ""
        mime = key.removeprefix(GLUED)
        if interactive and mime not in FALLBACKS and (mime != "text/html" or pictures):
            continue
        kept = _clean_value(mime, value)
        if kept and f"{prefix}{kept[0]}" not in cleaned:
            cleaned[f"{prefix}{kept[0]}"] = kept[1]
    return cleaned, interactive


def note_output() -> dict[str, Any]:
    """The visible note put after an interactive output."""
    html = f'<p class="output-interactive-note"><em>{INTERACTIVE_NOTE}</em></p>'
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/html": html, "text/plain": f"[{INTERACTIVE_NOTE}]"},
    }


def clean_outputs(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A code cell's stored outputs as they may be published."""
    published = []
    for output in outputs:
        if output.get("output_type") not in ("display_data", "execute_result"):
            published.append(output)  # printed text and tracebacks: shown as text
            continue
        data, interactive = clean_bundle(output.get("data") or {})
        if data:
            published.append({**output, "data": data, "metadata": {}})
        if interactive:
            published.append(note_output())
    return published


def clean_notebook(notebook: Any) -> Any:
    """Clean every stored output of ``notebook`` (an nbformat notebook), in place; drop its
    widgets' saved state (their live view is never shown)."""
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [_as_node(o) for o in clean_outputs(cell.get("outputs", []))]
    return notebook


def _as_node(output: dict[str, Any]) -> Any:
    import nbformat

    return nbformat.from_dict(output)
