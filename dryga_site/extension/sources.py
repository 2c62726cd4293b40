"""Reading a page: its front matter is checked before anything else reads it.

:func:`check_source` runs first on ``source-read``: every mistake is one located author error,
and the page is built from the checked values (:func:`dryga_site.core.pages.read_page`). The
checked page is kept while the document is read; :func:`checked_page` hands it to the
features that need its values (the catalog), so no one reads the front matter twice.

A source that is not UTF-8 is one located line naming its first wrong byte
(:func:`dryga_site.core.pages.read_file`), in place of Sphinx's own warning, and builds as a
stub.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment

from ..core.pages import Folders, Page, read_file, read_page
from .errors import author_error

#: Where the page being read is kept, in Sphinx's per-document ``env.temp_data``.
CHECKED = "site_checked_page"
#: The logger of Sphinx's warning for undecodable source characters.
SPHINX_UTIL_LOGGER = "sphinx.sphinx.util"


def folders(config: Config) -> Folders:
    """The site's blog and project folders, from its settings."""
    return Folders(blog=config.blog_path.strip("/"), projects=config.projects_dir.strip("/"))


def check_source(app: Sphinx, docname: str, source: list[str]) -> None:
    """Report a page's front-matter mistakes, one located line each; build from fixed values."""
    root = Path(app.srcdir)
    name = Path(app.env.doc2path(docname)).relative_to(root).as_posix()
    if "?" in source[0]:  # where Sphinx put "?" for bytes that are not UTF-8, if any
        page = read_file(root, name, folders(app.config))
    else:
        page = read_page(name, source[0], folders(app.config), root)
    for line, message in page.problems:
        author_error(app.env, docname, message, line=line)
    source[0] = page.source
    app.env.temp_data[CHECKED] = page


def checked_page(env: BuildEnvironment) -> Page | None:
    """The front matter of the document being read, as :func:`check_source` checked it."""
    return env.temp_data.get(CHECKED)


class SphinxUndecodableWarning(logging.Filter):
    """Drops Sphinx's "undecodable source characters" warning: the site reports the file in
    one located line of its own (:func:`check_source`).

    PRIVATE: Sphinx's message text (``sphinx.util.UnicodeDecodeErrorHandler``), which has no
    warning type to suppress it by; canary: the non-UTF-8 test of tests/test_notebooks.py.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("undecodable source characters")


def setup(app: Sphinx) -> None:
    """Replace Sphinx's warning for a source that is not UTF-8 (once per process)."""
    logger = logging.getLogger(SPHINX_UTIL_LOGGER)
    if not any(isinstance(f, SphinxUndecodableWarning) for f in logger.filters):
        logger.addFilter(SphinxUndecodableWarning())
