"""A page whose code ran says when and with which Python, and offers the executed notebook
as ``<page>.ipynb`` next to it. A frozen page (``frozen.py``) says that its outputs were saved
with the notebook and not run by this build, and offers its notebook the same way."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
from sphinx.application import Sphinx

from ..core.nbjson import upgrade
from .frozen import frozen_page
from .sandbox import run_record

KEPT_METADATA = ("kernelspec", "language_info")


def notebook_run(app: Sphinx, pagename: str) -> dict[str, Any] | None:
    """When ``pagename``'s code ran, with which Python, and its notebook's file name; None when
    its code did not run (or failed). A frozen page's says ``frozen`` instead."""
    download = pagename.rsplit("/", 1)[-1] + ".ipynb"
    if frozen_page(app.env, pagename) is not None:
        return {"frozen": True, "download": download}
    run = run_record(app.env, pagename)
    if not run or not run["succeeded"]:
        return None
    when = datetime.fromtimestamp(run["mtime"], UTC)
    language = app.env.metadata[pagename].get("language_info", {})
    return {
        "date": when.strftime(app.config.post_date_format),
        "iso_date": when.date().isoformat(),
        "python": language.get("version", ""),
        "download": download,
    }


def add_run_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Tell the page template when its code ran, with which Python, and where the notebook is."""
    if run := notebook_run(app, pagename):
        context["notebook_run"] = run


def publish_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """Copy each executed notebook next to its page, without build-only metadata.

    Outputs carry no machine paths, like the page's (``sandbox.FencedIOPub``); a download whose
    post no longer ran is removed.
    """
    if exception is not None or app.builder.format != "html":
        return
    executed = Path(app.env.mystnb_config.output_folder)
    published = set()
    for docname in sorted(app.env.found_docs):
        if not notebook_run(app, docname):
            continue
        source, target = executed / f"{docname}.ipynb", Path(app.outdir, f"{docname}.ipynb")
        published.add(target)
        if target.is_file() and target.stat().st_mtime_ns >= source.stat().st_mtime_ns:
            continue  # published from this run already
        notebook = nbformat.read(source, as_version=4)
        upgrade(notebook)  # an nbformat 4.0-4.4 notebook (no cell ids) becomes 4.5 in memory
        notebook.metadata = {
            k: notebook.metadata[k] for k in KEPT_METADATA if k in notebook.metadata
        }
        title = nbformat.v4.new_markdown_cell(f"# {app.env.titles[docname].astext()}", id="title")
        notebook.cells.insert(0, title)
        for number, cell in enumerate(notebook.cells):
            cell.id = f"cell-{number}"  # stable ids: the same notebook every build
        nbformat.validate(notebook)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
    for stale in set(Path(app.outdir).rglob("*.ipynb")) - published:
        stale.unlink()
