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
from sphinx.util.logging import is_suppressed_warning

from .state import store

logger = logging.getLogger(__name__)


def author_error(
    env: BuildEnvironment, docname: str, message: str, line: int | None = None
) -> None:
    """Report a mistake in ``docname``; the build will exit non-zero."""
    store(env).errors.setdefault(docname, []).append(message)
    location = (docname, line) if line else docname
    logger.error(message, location=location, type="dryga", subtype="author")


def file_error(env: BuildEnvironment, name: str, message: str, line: int | None = None) -> None:
    """Report a mistake in a file of the site that is not a page (``name``, relative to it);
    the build will exit non-zero. Its reader clears it with :func:`clear_file_errors`."""
    store(env).errors.setdefault(name, []).append(message)
    location = f"{Path(env.srcdir, name)}:{line}" if line else str(Path(env.srcdir, name))
    logger.error(message, location=location, type="dryga", subtype="author")


def clear_file_errors(env: BuildEnvironment, name: str) -> bool:
    """Forget the last build's mistakes in ``name``; whether it had any."""
    return store(env).errors.pop(name, None) is not None


class WarningLog(std_logging.Handler):
    """Counts the build's warnings and remembers which documents drew one, across builds.

    Sphinx's own count is private, so the site keeps its own, skipping what
    ``suppress_warnings`` hides as Sphinx does. Warnings raised while pages are written come
    after Sphinx has saved its environment, so the documents are kept in a file of their own
    next to the environment.
    """

    def __init__(self, app: Sphinx) -> None:
        super().__init__(std_logging.WARNING)
        self.app = app
        self.count = 0
        self.docnames: set[str] = set()

    @classmethod
    def of(cls, app: Sphinx) -> WarningLog:
        """The log of ``app``'s warnings, listening from the first call on."""
        sphinx_logger = std_logging.getLogger(logging.NAMESPACE)
        for handler in sphinx_logger.handlers:
            if isinstance(handler, cls) and handler.app is app:
                return handler
        handler = cls(app)
        sphinx_logger.addHandler(handler)
        return handler

    @property
    def path(self) -> Path:
        return Path(self.app.doctreedir, "site-warned-documents.json")

    def previous(self) -> set[str]:
        """The documents that warned in the last build."""
        try:
            return set(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return set()

    def finish(self) -> None:
        """Stop listening; keep the documents that warned for the next build."""
        std_logging.getLogger(logging.NAMESPACE).removeHandler(self)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(sorted(self.docnames)), encoding="utf-8")

    def emit(self, record: std_logging.LogRecord) -> None:
        kind, subtype = getattr(record, "type", ""), getattr(record, "subtype", "")
        if is_suppressed_warning(kind, subtype, self.app.config.suppress_warnings):
            return
        self.count += 1
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


def reread_failed(app: Sphinx, env: BuildEnvironment, *changes: set[str]) -> list[str]:
    """Read documents with mistakes or warnings again, so an unchanged one still fails."""
    previous = WarningLog.of(app).previous()
    return sorted((set(store(env).errors) | previous) & env.found_docs)


def fail_build(app: Sphinx, exception: Exception | None) -> None:
    """Exit non-zero on author mistakes, and on any warning when ``site_fail_on_warning``.

    A plain ``jupyter-book build .`` would otherwise publish a broken reference with exit 0.
    """
    warnings = WarningLog.of(app)
    warnings.finish()
    if exception is not None or app.env is None:
        return
    if store(app.env).errors or (app.config.site_fail_on_warning and warnings.count):
        app.statuscode = 1
