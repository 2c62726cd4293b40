"""Reading a page: its front matter is checked before anything else reads it."""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

from ..core.frontmatter import read_page
from .errors import author_error


def check_source(app: Sphinx, docname: str, source: list[str]) -> None:
    """Report a page's front-matter mistakes, one located line each; build from fixed values."""
    path = Path(app.env.doc2path(docname))
    name = path.relative_to(app.srcdir).as_posix()
    in_blog = name.startswith(app.config.blog_path.strip("/") + "/")
    page = read_page(name, source[0], in_blog=in_blog)
    for line, message in page.problems:
        author_error(app.env, docname, message, line=line)
    source[0] = page.source
