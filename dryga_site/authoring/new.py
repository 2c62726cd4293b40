"""The starting text of new pages: what ``python -m dryga_site new`` writes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from ..core import frontmatter
from ..core.posts import POST_DESCRIPTION_PLACEHOLDER


def _yaml_list(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def post_text(title: str, tags: list[str], notebook: bool, today: dt.date) -> str:
    """The starting text of a draft post."""
    lines = [
        "---",
        f"title: {_quoted(title)}",
        "blogpost: true",
        "draft: true  # delete this line to publish the post",
        f'date: "{today.isoformat()}"',
        "date_approximate: false",
        f"tags: {_yaml_list(tags)}",
        "author: Andrew Dryga",
        f"description: {_quoted(POST_DESCRIPTION_PLACEHOLDER)}",
    ]
    if notebook:
        lines += [
            "jupytext:",
            "  text_representation:",
            "    extension: .md",
            "    format_name: myst",
            "kernelspec:",
            "  name: python3",
            "  display_name: Python 3",
        ]
    lines += [
        "---",
        "",
        "Open with the point of the post: the problem, and what the reader will take away.",
        "",
        "## The first section",
        "",
        "Each section makes one step of the argument.",
        "",
    ]
    if notebook:
        lines += [
            "Code cells run when the site is built, and readers see their output:",
            "",
            "```{code-cell} ipython3",
            "total = sum(range(1, 11))",
            "total",
            "```",
            "",
        ]
    return "\n".join(lines)


def notebook_post(title: str, tags: list[str], today: dt.date) -> str:
    """A draft post as a Jupyter notebook: its front matter is the notebook's metadata."""
    import nbformat

    metadata = {
        "title": title,
        "blogpost": True,
        "draft": True,
        "date": today.isoformat(),
        "date_approximate": False,
        "tags": tags,
        "author": "Andrew Dryga",
        "description": POST_DESCRIPTION_PLACEHOLDER,
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    lead = (
        "Open with the point of the post: the problem, and what the reader will take away.\n\n"
        "The post's title, date and tags are the notebook's metadata (in JupyterLab: the "
        "property inspector's Advanced Tools). Set `draft` to false there to publish it."
    )
    cells = [
        nbformat.v4.new_markdown_cell(lead, id="lead"),
        nbformat.v4.new_code_cell("total = sum(range(1, 11))\ntotal", id="first-cell"),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=metadata)
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def project_text(meta: dict[str, Any]) -> str:
    """The starting text of a project page; its body is a comment until written."""
    return "\n".join(
        [
            "---",
            f"title: {_quoted(meta['title'])}",
            f"tagline: {_quoted(meta['tagline'])}",
            f"kind: {meta['kind']}",
            f"domains: {_yaml_list(meta['domains'])}",
            "stack: []",
            'role: ""',
            "links: []",
            "featured: false",
            f"order: {meta['order']}",
            "---",
            "",
            "% What the project is, what it achieved and Andrew's part in it: facts only.",
            "",
        ]
    )


def next_order(projects: Path) -> int:
    """One more than the largest ``order`` of the projects in the folder ``projects``."""
    orders = [0]
    for path in projects.glob("*.md"):
        try:
            front = frontmatter.read(path.read_text(encoding="utf-8"))
        except (frontmatter.FrontMatterError, OSError, UnicodeDecodeError):
            continue
        order = front.data.get("order") if front else None
        if isinstance(order, int) and not isinstance(order, bool):
            orders.append(order)
    return max(orders) + 1
