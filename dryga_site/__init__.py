"""Sphinx extension and authoring tools for Andrew Dryga's site.

The packages, from the bottom up; each imports only from those listed before it:

- ``core``: what a page says about itself (front matter, the post and project schemas, what a
  post is). Pure Python: no Sphinx, so ``check`` and the authoring tools use it cheaply.
- ``extension``: the Sphinx plumbing every feature shares (the kept state, author errors,
  static files, search engines, the sitemap, the table of contents, assets).
- ``blog``, ``notebooks``, ``catalog``: the site's features on top of ablog, myst-nb and
  sphinx-design.
- ``events``: the one table that connects every feature's handlers to Sphinx's events.
- ``authoring``: the author's commands (``python -m dryga_site new|preview|check``).
"""

from __future__ import annotations

from typing import Any


def setup(app: Any) -> dict[str, Any]:
    """Sphinx's entry point: register the features and connect the event table."""
    from .events import setup as setup_site

    return setup_site(app)
