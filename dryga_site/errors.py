"""Author mistakes: reported as one line naming the file, and always fatal.

Sphinx fails a build on logged errors only under ``--keep-going``; a raised
exception becomes a long traceback under Jupyter Book. So mistakes in an
author's sources are logged with their location, remembered in the
environment (so the document is read again next time, even if unchanged), and
turn the exit status non-zero at the end of any build, strict or not.

Documents that drew any other warning are read again next time too: otherwise a
second ``jupyter-book build .`` would skip the unchanged page, print nothing and
succeed with the mistake still published.
"""

from __future__ import annotations

import json
import logging as std_logging
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from .state import store

logger = logging.getLogger(__name__)


def author_error(
    env: BuildEnvironment, docname: str, message: str, line: int | None = None
) -> None:
    """Report a mistake in ``docname``; the build will exit non-zero."""
    store(env).errors.setdefault(docname, []).append(message)
    location = (docname, line) if line else docname
    logger.error(message, location=location, type="dryga", subtype="author")


class WarnedDocuments(std_logging.Handler):
    """Remembers which documents drew a warning or error, across builds.

    Warnings raised while pages are written come after Sphinx has saved its environment,
    so the list is kept in a file of its own next to the environment.
    """

    def __init__(self, app: Sphinx) -> None:
        super().__init__(std_logging.WARNING)
        self.app = app
        self.docnames: set[str] = set()

    @property
    def path(self) -> Path:
        return Path(self.app.doctreedir, "site-warned-documents.json")

    def previous(self) -> set[str]:
        """The documents that warned in the last build."""
        try:
            return set(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return set()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(sorted(self.docnames)), encoding="utf-8")

    def emit(self, record: std_logging.LogRecord) -> None:
        env = self.app.env
        location = getattr(record, "location", None)
        if isinstance(location, tuple):
            location = location[0]
        elif isinstance(location, nodes.Node):
            location = logging.get_node_location(location)
        if env is None or not isinstance(location, str) or not location:
            return
        path = re.sub(r":\d*$", "", location)
        docname = path if path in env.found_docs else env.path2doc(path)
        if docname:
            self.docnames.add(docname)


def has_errors(env: BuildEnvironment, docname: str) -> bool:
    """Whether ``docname`` was already reported in this read (later checks can skip it)."""
    return docname in store(env).errors


def _fail_build(app: Sphinx, exception: Exception | None) -> None:
    """Exit non-zero on author mistakes, and on any warning when ``site_fail_on_warning``.

    A plain ``jupyter-book build .`` would otherwise publish a broken reference with exit 0.
    """
    if exception is not None or app.env is None:
        return
    if store(app.env).errors or (app.config.site_fail_on_warning and app._warncount):
        app.statuscode = 1


def setup(app: Sphinx) -> None:
    """Connect the bookkeeping of author mistakes."""
    app.add_config_value("site_fail_on_warning", True, "", bool)
    sphinx_logger = std_logging.getLogger(logging.NAMESPACE)
    warned = WarnedDocuments(app)

    def reread_failed(app: Sphinx, env: BuildEnvironment, *changes: set[str]) -> list[str]:
        """Read documents with mistakes or warnings again, so an unchanged one still fails."""
        return sorted((set(store(env).errors) | warned.previous()) & env.found_docs)

    def finish(app: Sphinx, exception: Exception | None) -> None:
        sphinx_logger.removeHandler(warned)
        warned.save()

    app.connect("builder-inited", lambda app: sphinx_logger.addHandler(warned))
    app.connect("env-get-outdated", reread_failed)
    app.connect("build-finished", finish)
    app.connect("build-finished", _fail_build, priority=900)
