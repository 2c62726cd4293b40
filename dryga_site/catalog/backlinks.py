"""Links between posts and projects.

``{project}`sage``` renders the title of ``projects/sage`` as a link to it; an unknown slug
is an author error. Every reference is remembered, and each project page ends with
"Writing about this project": the pages that refer to it, newest first by their ``date``.
That list is filled at write time, and a project page is written again whenever a page that
refers to it (or used to) is read; a page referring to a project is read again when the
project's page changes. So incremental builds keep both sides right.
"""

from __future__ import annotations

import difflib
from datetime import datetime

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxRole

from ..core import posts
from ..extension.errors import author_error
from ..extension.shared import FillPlaceholders
from ..extension.state import store
from .catalog import project_slug

HEADING = "Writing about this project"


class project_backlinks(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """Where a project page's list of writing goes; filled at write time."""


class ProjectRole(SphinxRole):
    """``{project}`slug```: the project's title, linked to its page."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        slug = self.text.strip()
        folder = self.config.projects_dir
        target = f"{folder}/{slug}"
        if project_slug(self.config, target) is None or target not in self.env.found_docs:
            known = [s for d in self.env.found_docs if (s := project_slug(self.config, d))]
            match = difflib.get_close_matches(slug, known, n=1)
            hint = f" (did you mean {match[0]}?)" if match else ""
            author_error(
                self.env,
                self.env.docname,
                f"{{project}}`{slug}`: no such project{hint}; use the file name of a page "
                f"in {folder}/ without .md, or add {folder}/{slug}.md",
                line=self.lineno,
            )
            return [nodes.literal(self.rawtext, slug)], []
        store(self.env).project_refs.setdefault(self.env.docname, set()).add(slug)
        store(self.env).backlinks_stale.add(slug)
        node = addnodes.pending_xref(
            self.rawtext,
            nodes.inline(self.rawtext, slug, classes=["site-project-ref"]),
            refdomain="std",
            reftype="doc",
            reftarget="/" + target,
            refexplicit=False,
            refwarn=True,
            refdoc=self.env.docname,
        )
        self.set_source_info(node)
        return [node], []


def add_placeholder(app: Sphinx, doctree: nodes.document) -> None:
    """Mark the end of a project page, where the list of writing goes."""
    section = doctree.next_node(nodes.section)
    if section is not None and project_slug(app.config, app.env.docname):
        section += project_backlinks()


def _date(env: BuildEnvironment, docname: str) -> datetime | None:
    try:
        return datetime.fromisoformat(str(env.metadata[docname].get("date", "")))
    except ValueError:
        return None


class RenderBacklinks(FillPlaceholders):
    """List the pages referring to this project, newest first; no list when there are none."""

    placeholder = project_backlinks

    def fill(self, node: nodes.Element) -> None:
        slug = project_slug(self.config, self.env.docname)
        hidden = store(self.env).blog_hidden  # drafts and scheduled posts are not linked
        docnames = [
            d
            for d, slugs in store(self.env).project_refs.items()
            if slug in slugs and d != self.env.docname and d not in hidden
        ]
        if not docnames:
            node.parent.remove(node)
            return
        docnames.sort(key=lambda d: (_date(self.env, d) or datetime.min, d), reverse=True)
        items = nodes.bullet_list(classes=["site-backlinks"])
        items += [self.item(d) for d in docnames]
        section = nodes.section("", nodes.title("", HEADING), items)
        section["ids"].append(nodes.make_id(HEADING))
        node.replace_self(section)

    def item(self, docname: str) -> nodes.list_item:
        """The page's title as a link, and when it was written if its date is known."""
        title = self.env.titles[docname].astext()
        uri = self.app.builder.get_relative_uri(self.env.docname, docname)
        para = nodes.paragraph("", "", nodes.reference("", title, refuri=uri, internal=True))
        date = _date(self.env, docname)
        if date is not None:
            approximate = posts.flag(self.env.metadata[docname], "date_approximate")
            fmt = getattr(self.config, "post_date_format", "%Y-%m-%d")
            when = str(date.year) if approximate else date.strftime(fmt)
            para += [nodes.Text(" "), nodes.inline("", when, classes=["site-backlink-date"])]
        return nodes.list_item("", para)


def reread_referrers(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Pages show the titles of the projects they refer to: read them again when one changes."""
    slugs = {project_slug(app.config, d) for d in changed | removed} - {None}
    return [d for d, refs in store(env).project_refs.items() if refs & slugs]


def rewrite_stale(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Write again the project pages whose list of writing may have changed."""
    docnames = [f"{app.config.projects_dir}/{slug}" for slug in store(env).backlinks_stale]
    store(env).backlinks_stale.clear()
    return [d for d in docnames if d in env.found_docs]


def setup(app: Sphinx) -> None:
    """Register the ``project`` role and the lists of writing on project pages."""
    app.add_role("project", ProjectRole())
    app.add_node(project_backlinks)
    app.add_post_transform(RenderBacklinks)
