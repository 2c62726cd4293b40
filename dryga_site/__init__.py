"""Sphinx extension for Andrew Dryga's site.

Each concern lives in its own module with its own ``setup``; this module only
wires them together so ``extensions: [dryga_site]`` loads everything.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from . import (
    ablog_adapter,
    assets,
    backlinks,
    catalog,
    citations,
    errors,
    execution,
    frontmatter,
    margins,
    math,
    notebooks,
    numbering,
    seo,
    sitemap,
    state,
)

__version__ = "1.0.0"


def setup(app: Sphinx) -> dict[str, Any]:
    """Register every part of the site extension."""
    for module in (
        state,
        errors,
        frontmatter,
        seo,
        assets,
        catalog,
        backlinks,
        execution,
        notebooks,
        math,
        citations,
        margins,
        numbering,
        sitemap,
    ):
        module.setup(app)
    ablog_adapter.setup(app)  # after ablog's own setup: it takes over ablog's page writers
    # Jupyter Book always passes its comment-service settings (``html.comments``);
    # the site loads no comment service, so accept the value and leave it unused.
    app.add_config_value("comments_config", {}, "html")
    return {
        "version": __version__,
        "env_version": state.ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
