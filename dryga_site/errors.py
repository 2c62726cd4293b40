"""Author mistakes: reported as one line naming the file, and always fatal.

Sphinx fails a build on logged errors only under ``--keep-going``; a raised
exception becomes a long traceback under Jupyter Book. So mistakes in an
author's sources are logged with their location, remembered in the
environment (so the document is read again next time, even if unchanged), and
turn the exit status non-zero at the end of any build, strict or not.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _errors(env: BuildEnvironment) -> dict[str, list[str]]:
    if not hasattr(env, "dryga_errors"):
        env.dryga_errors = {}
    return env.dryga_errors


def author_error(
    env: BuildEnvironment, docname: str, message: str, line: int | None = None
) -> None:
    """Report a mistake in ``docname``; the build will exit non-zero."""
    _errors(env).setdefault(docname, []).append(message)
    location = (docname, line) if line else docname
    logger.error(message, location=location, type="dryga", subtype="author")


def has_errors(env: BuildEnvironment, docname: str) -> bool:
    """Whether ``docname`` was already reported in this read (later checks can skip it)."""
    return docname in _errors(env)


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _errors(env).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: Any) -> None:
    for docname in docnames:
        if docname in _errors(other):
            _errors(env)[docname] = _errors(other)[docname]


def _reread_failed(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Read documents with mistakes again, so an unchanged mistake still fails."""
    return [d for d in _errors(env) if d in env.found_docs]


def _fail_build(app: Sphinx, exception: Exception | None) -> None:
    """Exit non-zero on author mistakes, and on any warning when ``site_fail_on_warning``.

    A plain ``jupyter-book build .`` would otherwise publish a broken reference with exit 0.
    """
    if exception is not None or app.env is None:
        return
    if _errors(app.env) or (app.config.site_fail_on_warning and app._warncount):
        app.statuscode = 1


def setup(app: Sphinx) -> None:
    """Connect the bookkeeping of author mistakes."""
    app.add_config_value("site_fail_on_warning", True, "", bool)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _reread_failed)
    app.connect("build-finished", _fail_build, priority=900)
