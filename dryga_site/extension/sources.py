"""Reading a page: its front matter is checked before anything else reads it.

:func:`check_source` runs first on ``source-read``: every mistake is one located author error,
and the page is built from the checked values (:func:`dryga_site.core.pages.read_page`). The
checked page is kept while the document is read; :func:`checked_page` hands it to the
features that need its values (the catalog), so no one reads the front matter twice.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment

from ..core.pages import Folders, Page, read_page
from .errors import author_error

#: Where the page being read is kept, in Sphinx's per-document ``env.temp_data``.
CHECKED = "site_checked_page"


def folders(config: Config) -> Folders:
    """The site's blog and project folders, from its settings."""
    return Folders(blog=config.blog_path.strip("/"), projects=config.projects_dir.strip("/"))


def check_source(app: Sphinx, docname: str, source: list[str]) -> None:
    """Report a page's front-matter mistakes, one located line each; build from fixed values."""
    path = Path(app.env.doc2path(docname))
    name = path.relative_to(app.srcdir).as_posix()
    page = read_page(name, source[0], folders(app.config))
    for line, message in page.problems:
        author_error(app.env, docname, message, line=line)
    source[0] = page.source
    app.env.temp_data[CHECKED] = page


def checked_page(env: BuildEnvironment) -> Page | None:
    """The front matter of the document being read, as :func:`check_source` checked it."""
    return env.temp_data.get(CHECKED)
