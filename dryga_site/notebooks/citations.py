"""Citations: ``{cite}`` from the top-level BibTeX file, listed at the end of the citing post.

``{cite}`` is sphinxcontrib-bibtex's ``footcite``: each page numbers and lists only the works
it cites, so two posts may cite the same work (its ``bibliography`` directive would report a
duplicate). The list is added under a "References" heading without any directive to remember,
and kept out of the post's feed entry (the citation marks there link to the post's list). An
unknown key is one author error naming the file and line, and so is a BibTeX file that cannot
be read (sphinxcontrib-bibtex would stop the build with a traceback): the build goes on
without it, and its citations are not reported again as unknown.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from pybtex.database import parse_file
from pybtex.exceptions import PybtexError
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms import SphinxTransform
from sphinxcontrib.bibtex.foot_roles import FootCiteRole

from ..extension.errors import author_error, clear_file_errors, file_error
from ..extension.shared import NOT_IN_FEED
from ..extension.state import store

LIST_CLASS = "site-references"
#: Where sphinxcontrib-bibtex keeps the works a page cites, while it is read.
FOOT_BIBLIOGRAPHY = "bibtex_foot_bibliography"


def check_bibliography(app: Sphinx) -> None:
    """Before sphinxcontrib-bibtex reads the BibTeX files: one located line for each that
    cannot be read, which the build then goes on without."""
    readable = []
    for name in app.config.bibtex_bibfiles:
        path = Path(app.confdir, name)
        shown = path.relative_to(app.srcdir).as_posix() if path.is_relative_to(app.srcdir) else name
        clear_file_errors(app.env, shown)
        try:
            parse_file(str(path), encoding=app.config.bibtex_encoding)
        except (PybtexError, OSError, UnicodeDecodeError) as err:
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            message = (
                f"not valid BibTeX ({reason}); fix this entry so the works it lists can be cited"
            )
            file_error(app.env, shown, message, getattr(err, "lineno", None))
        else:
            readable.append(name)
    app.config.bibtex_bibfiles = readable


def _unreadable_bibliography(env: BuildEnvironment) -> bool:
    return any(name.endswith(".bib") for name in store(env).errors)


class hidden_marks(nodes.Inline, nodes.Element):  # noqa: N801 (docutils' node naming)
    """Citation marks held outside the tree until the page is parsed.

    MyST checks, at the end of parsing, that every footnote mark in the tree has a Markdown
    footnote, which a citation's mark never has; ``ShowMarks`` puts them back just after.
    """


class ShowMarks(SphinxTransform):
    """Put the held citation marks into the page before docutils numbers footnotes."""

    default_priority = 100

    def apply(self) -> None:
        for node in list(self.document.findall(hidden_marks)):
            node.replace_self(node["marks"])


class CiteRole(FootCiteRole):
    """``{cite}`key1,key2```: numbered marks linking to the page's own reference list."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        entries = self.env.get_domain("cite").bibdata.data.entries
        unknown = [key.strip() for key in self.text.split(",") if key.strip() not in entries]
        if unknown and _unreadable_bibliography(self.env):
            return [nodes.inline(self.rawtext, self.text)], []  # its BibTeX file is reported
        if unknown:
            bibfiles = ", ".join(self.config.bibtex_bibfiles)
            message = (
                f'unknown citation key "{unknown[0]}": add an entry with that key to '
                f"{bibfiles} or fix the key"
            )
            author_error(self.env, self.env.docname, message, self.lineno)
            return [nodes.inline(self.rawtext, self.text)], []
        marks, messages = super().run()
        return [hidden_marks(marks=marks)], messages


def add_reference_list(app: Sphinx, doctree: nodes.document) -> None:
    """Append the works this page cites, under a "References" heading, to the page."""
    env = app.env
    # PRIVATE: sphinxcontrib-bibtex collects a page's cited works in this ``temp_data`` key
    # until a ``footbibliography`` directive takes them; here the page's end takes them.
    cited = env.temp_data.pop(FOOT_BIBLIOGRAPHY, None)
    if not cited or not cited.children:
        return
    section = nodes.section(classes=[LIST_CLASS])
    section[NOT_IN_FEED] = True  # the marks in a feed entry link to the post's own list
    section_id = "references" if "references" not in doctree.ids else "cited-works"
    section["ids"].append(section_id)
    doctree.ids[section_id] = section
    section += nodes.title("", "References")
    section += cited
    sections = [child for child in doctree.children if isinstance(child, nodes.section)]
    (sections[-1] if sections else doctree).append(section)


def setup(app: Sphinx) -> None:
    """Load sphinxcontrib-bibtex and make ``{cite}`` page-local."""
    app.setup_extension("sphinxcontrib.bibtex")
    app.add_role("cite", CiteRole(), override=True)
    app.add_transform(ShowMarks)
