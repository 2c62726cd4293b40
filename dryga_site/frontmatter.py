"""Front matter that is not valid YAML: one located line, instead of a cascade.

MyST drops front matter it cannot read with a bare "Malformed YAML" warning and then parses
the page without it, so a post falls apart into a dozen unrelated warnings (a missing title,
code cells that are no longer cells). Every page's front matter is read here first; a page
whose front matter is broken is reported once, with the line and the fix, and is read as
just its title (in memory: the file is not touched). Values are checked by their owners
(the catalog, the blog), so dates stay text here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sphinx.application import Sphinx

from .errors import author_error


class TextDates(yaml.SafeLoader):
    """YAML loader that keeps dates as the text the author wrote, so none can crash it."""


TextDates.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def front_matter_text(source: str) -> str | None:
    """The YAML between the opening ``---`` and the closing ``---`` (or ``...``), if any."""
    lines = source.splitlines(keepends=True)
    if not lines or not lines[0].startswith("---"):
        return None
    body = []
    for line in lines[1:]:
        if line.startswith(("---", "...")):
            break
        body.append(line)
    return "".join(body)


def load(text: str) -> Any:
    """Parse front matter YAML, dates as text."""
    return yaml.load(text, Loader=TextDates)  # noqa: S506 (a SafeLoader)


def flag(metadata: dict[str, Any], field: str) -> bool:
    """Whether a true/false front-matter ``field`` is true (Sphinx may keep it as text)."""
    return str(metadata.get(field, "")).lower() == "true"


def check_yaml(app: Sphinx, docname: str, source: list[str]) -> None:
    """Report front matter that is not a YAML mapping; read the page as a stub."""
    text = front_matter_text(source[0])
    if text is None:
        return
    try:
        data = load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or str(err)
        line = mark.line + 2 if mark else 1  # line 1 is the opening ---
    else:
        if data is None or isinstance(data, dict):
            return
        problem, line = "it is not a list of 'key: value' lines", 2
    author_error(
        app.env,
        docname,
        f"front matter: not valid YAML ({problem}); fix the lines between the --- "
        "markers, e.g. put text that contains ': ' or '#' in quotes",
        line=line,
    )
    source[0] = f"# {Path(docname).name}\n"


def setup(app: Sphinx) -> None:
    """Check front matter before any other reader of it (the catalog, the blog)."""
    app.connect("source-read", check_yaml, priority=200)
