"""``python -m dryga_site import PATH``: bring a notebook from another blog in as a post.

The notebook (plain JupyterLab, Quarto or fastpages) is copied to ``blog/<slug>.ipynb`` with
front matter in its metadata, taken from what it has (``core/foreign.py``): a Quarto raw
cell, fastpages' header, or its first heading, and the file's date when it gives none. The
cell that held it is left out of the copy, so the title shows once. The original is only
read; an existing post is never replaced. The new post is a draft, so nothing is published
before the author has checked what was taken.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import nbformat
from myst_parser.mdit_to_docutils.base import default_slugify

from ..core.fields import slugify
from ..core.foreign import (
    Found,
    dated_name,
    fastpages_front,
    h1_front,
    liquid_cells,
    quarto_front,
    relink_headings,
)
from ..core.notebook import DEFAULT_KERNELSPEC
from ..core.posts import post_date, post_tags
from ..core.problems import shown
from .config import site_folders

#: What an imported post's front matter keeps; the other keys found are reported, not copied.
KEPT = ("title", "date", "description", "author", "tags")


class ImportProblem(Exception):
    """A notebook that cannot be imported: one line, naming the file."""


@dataclass
class Imported:
    """What ``import`` wrote, what it took and from where, and what the author should check."""

    target: Path
    took: list[str] = field(default_factory=list)
    check: list[str] = field(default_factory=list)


def read_foreign(path: Path, root: Path) -> Any:
    """The notebook at ``path`` (any nbformat 4 layout, or 3 upgraded), or an ImportProblem."""
    name = shown(path, root)
    try:
        text = path.read_bytes().decode("utf-8")
        json.loads(text)
        notebook = nbformat.reads(text, as_version=4)
    except UnicodeDecodeError as err:
        raise ImportProblem(f"{name}: not a notebook (not UTF-8, byte {err.start})") from None
    except ValueError:
        raise ImportProblem(f"{name}: not a notebook (not JSON); import takes an .ipynb") from None
    except Exception as err:  # noqa: BLE001 - nbformat raises many kinds for a wrong shape
        raise ImportProblem(
            f"{name}: not a Jupyter notebook ({type(err).__name__}); import takes an .ipynb"
        ) from None
    if not isinstance(notebook.get("cells"), list):
        raise ImportProblem(f"{name}: not a Jupyter notebook (no cells); import takes an .ipynb")
    return notebook


def _front(cells: list[Any]) -> Found:
    for reader in (quarto_front, fastpages_front, h1_front):
        if (found := reader(cells)) is not None:
            return found
    return Found()


def _remove_front_cell(notebook: Any, found: Found) -> None:
    if found.cell < 0:
        return
    if found.rest.strip():
        notebook.cells[found.cell].source = found.rest
    else:
        del notebook.cells[found.cell]


def _date(values: dict[str, Any], path: Path, report: Imported) -> str:
    dated, _ = dated_name(path.stem)
    for given, where in ((values.get("date"), "its front matter"), (dated, "its file name")):
        if given not in (None, ""):
            try:
                day = post_date(given if isinstance(given, date) else str(given))
            except ValueError:
                report.check.append(f"date: {given!r} from {where} is not a date; set it")
                continue
            report.took.append(f"date {day.isoformat()} (from {where})")
            report.check.append(
                f"date: {day.isoformat()} is the day the post shows it was published"
            )
            return day.isoformat()
    day = datetime.fromtimestamp(path.stat().st_mtime).date()
    report.took.append(f"date {day.isoformat()} (the file's date)")
    report.check.append("date: the file's date; set the day the post was first published")
    return day.isoformat()


def front_matter(values: dict[str, Any], path: Path, report: Imported) -> dict[str, Any]:
    """The post's front matter from what the notebook gave, with what was taken reported."""
    values = dict(values)
    if "categories" in values and "tags" not in values:
        values["tags"] = values.pop("categories")
    meta: dict[str, Any] = {"blogpost": True}
    title = values.get("title")
    meta["title"] = str(title).strip() if title else dated_name(path.stem)[1].replace("-", " ")
    report.took.append(f"title {meta['title']!r}")
    meta["date"] = _date(values, path, report)
    if isinstance(values.get("author"), list):
        values["author"] = ", ".join(map(str, values["author"]))
    for key in ("description", "author"):
        if isinstance(values.get(key), str) and values[key].strip():
            meta[key] = " ".join(values[key].split())
            report.took.append(f"{key} {meta[key]!r}")
    tags = values.get("tags")
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",")]
    if tags:
        meta["tags"], _ = post_tags([slugify(str(t)) for t in tags if slugify(str(t))])
        report.took.append(f"tags {meta['tags']}")
    report.check.append("tags: lower-case slugs made from the notebook's; keep the site's own")
    dropped = sorted(k for k in values if k not in KEPT and k != "categories")
    if dropped:
        report.check.append(f"what was left out: {', '.join(dropped)} (not used by this site)")
    return meta


def _markup(cells: list[Any], title: str, report: Imported) -> None:
    """Links to headings made to work here; Jekyll's markup, which cannot be, reported."""
    relinked = relink_headings(cells, default_slugify, title)
    if relinked:
        report.took.append(f"{relinked} link(s) to headings, pointed at this site's anchors")
    liquid = liquid_cells(cells)
    if liquid:
        numbers = ", ".join(map(str, liquid))
        report.check.append(
            f"Markdown cell(s) {numbers}: Jekyll's {{{{ site.baseurl }}}} or {{% ... %}} "
            "(fastpages), which the build stops on; link files by a path relative to the post "
            "and keep them beside it"
        )


def import_notebook(root: Path, path: Path, freeze: bool = False, slug: str = "") -> Imported:
    """Copy the notebook at ``path`` into the blog as a draft post; raise ImportProblem."""
    notebook = read_foreign(path, root)
    found = _front(notebook.cells)
    old = {k: v for k, v in notebook.metadata.items() if k not in ("kernelspec", "language_info")}
    report = Imported(Path())
    meta = front_matter({**old, **found.values}, path, report)
    if found.source:
        report.took[0] += f" (from {found.source})"
    slug = slugify(slug or meta["title"]) or slugify(dated_name(path.stem)[1]) or "imported"
    folder = root / site_folders(root).blog
    existing = sorted(folder.glob(f"{slug}.*"))
    if existing:
        raise ImportProblem(
            f"{shown(existing[0], root)} already exists: nothing was written; "
            "import with --slug NAME for another name"
        )
    _markup(notebook.cells, meta["title"], report)  # cells numbered as in the original
    _remove_front_cell(notebook, found)
    meta["draft"] = True
    if freeze:
        meta["freeze"] = True
    jupyter = {k: notebook.metadata[k] for k in ("language_info",) if k in notebook.metadata}
    kernelspec = notebook.metadata.get("kernelspec") or DEFAULT_KERNELSPEC
    notebook.metadata = {"kernelspec": kernelspec, **jupyter, **meta}
    notebook.nbformat_minor = max(notebook.nbformat_minor, 5)  # cell ids, which the site uses
    for number, cell in enumerate(notebook.cells):
        cell.setdefault("id", f"cell-{number}")
    report.target = folder / f"{slug}.ipynb"
    folder.mkdir(exist_ok=True)
    nbformat.write(notebook, report.target)
    report.check.append(
        "freeze: on (its saved outputs are published)"
        if freeze
        else "freeze: off, so the build runs it; if it needs a GPU, hours, the network or "
        "packages the site lacks, import it with --freeze or add `freeze: true`"
    )
    return report
