"""A failed run stops the build: one located line, and no traceback on the page.

myst-nb runs each text notebook (through jupyter-cache) while reading it and records the
outcome per page. A failing or endless cell becomes one author error naming the page, the
cell's line and the fix, and its traceback is taken off the page. A file a cell could not
find by a relative path gets a hint about where data files go (``datafiles.py``).
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ..core.problems import ANSI, shown
from ..extension.errors import author_error
from .fence import failure_report
from .frozen import frozen_page
from .sandbox import run_record

#: A file a cell opened by a relative path and did not find.
MISSING_FILE = re.compile(r"FileNotFoundError: .*?'((?!/)[^']+)'")
DATA_HINT = (
    "a cell reads {0} from the post's folder, as in Jupyter: keep data files beside the post "
    "or in a folder named after it ({1}/), and commit them"
)


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

    Outputs not made by a successful run (a committed notebook's stored ones) are dropped,
    unless the page is frozen: then they are its author's, cleaned (``frozen.py``).
    """
    env = app.env
    run = run_record(env, env.docname)
    if (run and run["succeeded"]) or frozen_page(env, env.docname) is not None:
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
        fix = "fix it so the post runs top to bottom"
        if missing := MISSING_FILE.search(reason):
            fix = DATA_HINT.format(missing[1], env.docname.rsplit("/", 1)[-1])
        message = f"a code cell failed with {reason}; {fix}"
        report = failure_report(app, env.docname)
        if report.is_file():
            message += f" (its traceback: {shown(report, app.srcdir)})"
    author_error(env, env.docname, message, line)
