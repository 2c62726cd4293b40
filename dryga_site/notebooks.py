"""Executed notebooks: a failed run stops the build; a good one is dated and downloadable.

myst-nb runs each text notebook (through jupyter-cache) while reading it and records the
outcome per page. A failing or endless cell becomes one author error naming the page, the
cell's line and the fix, and its traceback is taken off the page. A page whose code ran
shows when and with which Python, and offers the executed notebook as ``<page>.ipynb``.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
from docutils import nodes
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from .errors import ANSI, author_error, shown
from .execution import failure_report, machine_paths, neutral

KEPT_METADATA = ("kernelspec", "language_info")


def _run(env: BuildEnvironment, docname: str) -> dict[str, Any] | None:
    """myst-nb's record of running ``docname``'s code in this build or a cached one, if it ran."""
    return NbMetadataCollector.get_exec_data(env, docname)


def _is_traceback(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Element) and "traceback" in node["classes"]


def _cell_line(env: BuildEnvironment, node: nodes.Element) -> int | None:
    """The line of the ``{code-cell}`` that printed ``node``."""
    while node is not None and "cell_index" not in node:
        node = node.parent
    source_map = env.metadata[env.docname].get("source_map") or []
    if node is None or node["cell_index"] >= len(source_map):
        return None
    return source_map[node["cell_index"]]


def _is_output(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Element) and "cell_output" in node["classes"]


def report_failed_run(app: Sphinx, doctree: nodes.document) -> None:
    """Turn a failed run into one author error at the failing cell; publish no traceback.

    Outputs not made by a successful run (a committed notebook's stored ones) are dropped.
    """
    env = app.env
    run = _run(env, env.docname)
    if run and run["succeeded"]:
        return
    outputs = list(doctree.findall(_is_output))
    if not run:
        for node in outputs:
            node.parent.remove(node)
        return
    # The failing cell printed a traceback, or else (a time-out) it is the last cell that ran.
    ran = [n for n in doctree.findall(nodes.container) if n.get("exec_count") is not None]
    failed = [*ran, *doctree.findall(_is_traceback)]
    line = _cell_line(env, failed[-1]) if failed else None
    for node in outputs:
        node.parent.remove(node)
    details = ANSI.sub("", run["traceback"] or "")
    if run["error"] == "CellTimeoutError":
        limit = re.search(r"after (\d+) seconds", details)
        seconds = f"{limit[1]} s" if limit else "the time limit"
        message = f"a code cell was still running after {seconds}; make it finish sooner"
    else:
        lines = details.strip().splitlines()
        reason = lines[-1] if lines else run["error"]
        message = f"a code cell failed with {reason}; fix it so the post runs top to bottom"
        report = failure_report(app, env.docname)
        if report.is_file():
            message += f" (its traceback: {shown(report, app.srcdir)})"
    author_error(env, env.docname, message, line)


def add_run_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Tell the page template when its code ran, with which Python, and where the notebook is."""
    run = _run(app.env, pagename)
    if not run or not run["succeeded"]:
        return
    when = datetime.fromtimestamp(run["mtime"], UTC)
    language = app.env.metadata[pagename].get("language_info", {})
    context["notebook_run"] = {
        "date": when.strftime(app.config.post_date_format),
        "iso_date": when.date().isoformat(),
        "python": language.get("version", ""),
        "download": pagename.rsplit("/", 1)[-1] + ".ipynb",
    }


def _neutral_outputs(cell: nbformat.NotebookNode, rules: list) -> None:
    """Rewrite the build machine's absolute paths in a code cell's text outputs."""
    for output in cell.get("outputs", []):
        fields = [(output, "text")] if "text" in output else []
        fields += [(output.get("data", {}), mime) for mime in output.get("data", {})]
        for holder, key in fields:
            if isinstance(holder[key], str):
                holder[key] = neutral(holder[key], rules)


def publish_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """Copy each executed notebook next to its page, without build-only metadata.

    Outputs carry no machine paths, like the page's; a download whose post no longer ran is removed.
    """
    if exception is not None or app.builder.format != "html":
        return
    executed = Path(app.env.mystnb_config.output_folder)
    rules = machine_paths(os.fspath(app.srcdir))
    published = set()
    for docname in sorted(app.env.found_docs):
        run = _run(app.env, docname)
        if not run or not run["succeeded"]:
            continue
        source, target = executed / f"{docname}.ipynb", Path(app.outdir, f"{docname}.ipynb")
        published.add(target)
        if target.is_file() and target.stat().st_mtime_ns >= source.stat().st_mtime_ns:
            continue  # published from this run already
        notebook = nbformat.read(source, as_version=4)
        for cell in notebook.cells:
            _neutral_outputs(cell, rules)
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
