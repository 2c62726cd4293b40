"""The project catalog, rendered from the front matter of the pages in ``projects/``.

- A project page's front matter is checked against :mod:`dryga_site.core.projects` when it is
  read (``extension/sources.py``), and kept in the environment here. A page with mistakes is
  reported (one line per mistake) and read as a bare title, so nothing else about it can add
  a second, confusing message.
- Each valid project page gets a metadata panel under its title.
- ``project-catalog`` (the catalog page) and ``featured-projects`` (the home page) leave a
  placeholder that is filled at write time, when every project has been read, with
  sphinx-design cards: featured first, then by ``order``. Pages holding one are read again
  whenever a project page is added, changed or removed, so incremental builds stay right.
- The filter script, a package static file, is added only to pages with a catalog.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective
from sphinx_design.shared import create_component

from ..core.pages import PROJECT
from ..core.projects import DOMAINS, KINDS
from ..extension.errors import author_error
from ..extension.shared import FillPlaceholders
from ..extension.sources import checked_page
from ..extension.state import store

#: The catalog's static file (the filter script), shipped by the event table.
STATIC = Path(__file__).parent / "static"


class project_catalog(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """Where a catalog goes; replaced by cards once every project is known."""


def project_slug(config: Config, docname: str) -> str | None:
    """The slug of a project page (``projects/sage`` -> ``sage``), else None."""
    folder, _, slug = docname.rpartition("/")
    return slug if folder == config.projects_dir and slug != "index" else None


def _sources(app: Sphinx, folder: Path) -> dict[str, list[Path]]:
    """Source files in ``folder`` grouped by slug."""
    suffixes = tuple(app.config.source_suffix)
    found: dict[str, list[Path]] = {}
    for path in sorted(folder.glob("*")):
        if path.name.endswith(suffixes) and path.stem != "index":
            found.setdefault(path.stem, []).append(path)
    return found


def exclude_duplicates(app: Sphinx, config: Config) -> None:
    """Read one file per slug: the others are reported by :func:`read_front_matter`.

    Sphinx would otherwise warn about them on its own in several lines.
    """
    for files in _sources(app, Path(app.srcdir, config.projects_dir)).values():
        keep = next((f for f in files if f.suffix == ".md"), files[0])
        config.exclude_patterns += [
            f.relative_to(app.srcdir).as_posix() for f in files if f is not keep
        ]


def read_front_matter(app: Sphinx, docname: str, source: list[str]) -> None:
    """Keep a valid project page's front matter in the environment; one file per slug."""
    slug = project_slug(app.config, docname)
    if slug is None:
        return
    env = app.env
    path = Path(env.doc2path(docname))
    folder = path.parent.relative_to(app.srcdir).as_posix()
    others = [f for f in _sources(app, path.parent).get(slug, []) if f != path]
    if others:
        names = ", ".join(f"{folder}/{f.name}" for f in others)
        author_error(
            env,
            docname,
            f"slug: '{slug}' is also used by {names}; keep one file per project "
            "(delete one, or rename it to a slug of its own)",
        )
    if path.suffix != ".md":
        author_error(env, docname, f"project pages are MyST Markdown: rename to {slug}.md")
        return
    page = checked_page(env)  # checked against the project schema, and reported, already
    if page is not None and page.kind == PROJECT and not page.problems:
        store(env).projects[docname] = page.meta


def check_titles(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Report a project whose title another project already has."""
    seen: dict[str, str] = {}
    for docname in sorted(store(env).projects):
        title = store(env).projects[docname]["title"].strip().casefold()
        if title in seen:
            author_error(
                env,
                docname,
                f"title: {store(env).projects[docname]['title']!r} is already the title of "
                f"{env.doc2path(seen[title], False)}; give each project a title of its own",
            )
        else:
            seen.setdefault(title, docname)
    return []


def _chip(text: str, classes: list[str], uri: str | None = None) -> nodes.Node:
    chip = nodes.inline("", text, classes=["site-chip", *classes])
    if uri is None:
        return chip
    return nodes.reference("", "", chip, refuri=uri, internal=True, classes=["site-chip-link"])


def _chips(chips: list[nodes.Node], classes: list[str]) -> nodes.paragraph:
    para = nodes.paragraph("", "", classes=classes)
    for i, chip in enumerate(chips):
        para += [nodes.Text(" "), chip] if i else [chip]
    return para


def _field(name: str, body: nodes.Node) -> nodes.field:
    return nodes.field("", nodes.field_name("", name), nodes.field_body("", body))


def add_metadata_panel(app: Sphinx, doctree: nodes.document) -> None:
    """Put kind, domains, stack, role and links under a project page's title.

    The title itself becomes plain text: MyST reads front-matter titles as Markdown, which
    would pass inline HTML through. This runs before Sphinx records the page's title.
    """
    env = app.env
    meta = store(env).projects.get(env.docname)
    section = doctree.next_node(nodes.section)
    if meta is None or section is None or not isinstance(section[0], nodes.title):
        return
    section[0][:] = [nodes.Text(meta["title"])]
    # The tagline is the page's summary for search engines and link previews (see seo.py).
    env.metadata[env.docname].setdefault("description", meta["tagline"])
    catalog = f"{app.config.projects_dir}/index"
    base = app.builder.get_relative_uri(env.docname, catalog) if catalog in env.found_docs else ""

    def filtered(key: str, value: str) -> str | None:
        return f"{base}?{key}={value}" if base else None

    fields = nodes.field_list(classes=["site-project-fields"])
    kind = meta["kind"]
    fields += _field("Kind", _chips([_chip(kind, ["site-kind"], filtered("kind", kind))], []))
    if meta["domains"]:
        domains = [_chip(d, [], filtered("domain", d)) for d in meta["domains"]]
        fields += _field("Domains", _chips(domains, []))
    if meta["stack"]:
        fields += _field("Stack", nodes.paragraph("", ", ".join(meta["stack"])))
    if meta["role"].strip():
        fields += _field("Role", nodes.paragraph("", meta["role"]))
    if meta["links"]:
        links = nodes.paragraph()
        for i, link in enumerate(meta["links"]):
            links += [nodes.Text(" · ")] if i else []
            links += nodes.reference("", link["name"], refuri=link["url"])
        fields += _field("Links", links)
    panel = nodes.container(classes=["site-project-meta"])
    panel += nodes.paragraph("", meta["tagline"], classes=["site-tagline"])
    panel += fields
    section.insert(1, panel)


class ProjectCatalog(SphinxDirective):
    """``project-catalog`` (every project, with filters) or ``featured-projects``."""

    def run(self) -> list[nodes.Node]:
        store(self.env).catalog_pages.setdefault(self.env.docname, set()).add(self.name)
        node = project_catalog(featured=self.name == "featured-projects")
        self.set_source_info(node)
        return [node]


def _filter_bar(items: list[dict[str, Any]]) -> nodes.raw:
    """The filter chips; shown from the first paint (no layout shift) unless JavaScript is off.

    ``pst-js-only`` is the theme's class for that: its ``<noscript>`` style hides them, and
    without the script every card shows.
    """

    def group(key: str, label: str, values: tuple[str, ...]) -> str:
        counts = {
            v: sum(v in (p["domains"] if key == "domain" else [p["kind"]]) for p in items)
            for v in values
        }
        chips = [
            f'<button type="button" class="site-chip" data-filter="{key}" data-value="{v}" '
            f'aria-pressed="false">{v} <span class="site-chip-count">{n}</span></button>'
            for v, n in ((html.escape(v), counts[v]) for v in values if counts[v])
        ]
        return (
            f'<div class="site-filter-group" role="group" aria-labelledby="site-filter-{key}">'
            f'<span class="site-filter-label" id="site-filter-{key}">{label}</span>'
            f'<button type="button" class="site-chip" data-filter="{key}" data-value="" '
            f'aria-pressed="true">all</button>{"".join(chips)}</div>'
        )

    total = len(items)
    markup = (
        '<div class="site-filter pst-js-only">'
        f"{group('domain', 'domain', DOMAINS)}{group('kind', 'kind', KINDS)}"
        '<p class="site-filter-status"><span class="site-filter-count" role="status" '
        f'aria-live="polite">Showing {total} of {total} projects</span> '
        '<button type="button" class="site-filter-clear" hidden>Clear filters</button></p>'
        "</div>"
    )
    return nodes.raw("", markup, format="html")


class RenderCatalogs(FillPlaceholders):
    """Fill each catalog placeholder with cards for the projects read by now (all of them)."""

    placeholder = project_catalog

    def fill(self, node: nodes.Element) -> None:
        items = sorted(
            store(self.env).projects.items(),
            key=lambda item: (not item[1]["featured"], item[1]["order"], item[1]["title"]),
        )
        if node["featured"]:
            items = [item for item in items if item[1]["featured"]]
        catalog = nodes.container(classes=["site-catalog"])
        if not node["featured"]:
            catalog += _filter_bar([meta for _, meta in items])
        catalog += self.grid(items)
        node.replace_self(catalog)

    def grid(self, items: list[tuple[str, dict[str, Any]]]) -> nodes.container:
        """A sphinx-design grid of cards: one column on phones, two from 576px up."""
        row = create_component(
            "grid-row", ["sd-row", "sd-row-cols-1", "sd-row-cols-sm-2", "sd-g-3", "sd-g-xs-3"]
        )
        row += [self.card(docname, meta) for docname, meta in items]
        return create_component(
            "grid-container",
            ["sd-container-fluid", "sd-sphinx-override", "sd-mb-4", "site-cards"],
            children=[row],
        )

    def card(self, docname: str, meta: dict[str, Any]) -> nodes.container:
        """One project: its title links to its page, and the whole card is clickable."""
        uri = self.app.builder.get_relative_uri(self.env.docname, docname)
        link = nodes.reference("", meta["title"], refuri=uri, classes=["sd-stretched-link"])
        title = nodes.paragraph("", "", link, classes=["sd-card-title", "sd-font-weight-bold"])
        tagline = nodes.paragraph("", meta["tagline"], classes=["sd-card-text"])
        chips = [_chip(meta["kind"], ["site-kind"])] + [_chip(d, []) for d in meta["domains"]]
        body = create_component(
            "card-body",
            ["sd-card-body"],
            children=[title, tagline, _chips(chips, ["sd-card-text", "site-chips"])],
        )
        card = create_component(
            "card",
            ["sd-card", "sd-sphinx-override", "sd-w-100", "sd-shadow-sm", "sd-card-hover"],
            children=[body],
        )
        card["classes"].append("site-project-card")
        filters = [f"site-kind-{meta['kind']}", *(f"site-domain-{d}" for d in meta["domains"])]
        return create_component(
            "grid-item", ["sd-col", "sd-d-flex-row", "site-card-col", *filters], children=[card]
        )


def reread_catalogs(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Catalogs depend on every project page: read them again when one changes."""
    config = app.config
    if any(project_slug(config, d) for d in added | changed | removed):
        return list(store(env).catalog_pages)
    return []


def add_filter_script(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: nodes.document | None
) -> None:
    """Load the filter script on pages with the full catalog, and nowhere else."""
    if "project-catalog" in store(app.env).catalog_pages.get(pagename, ()):
        app.add_js_file("catalog.js", loading_method="defer")


def setup(app: Sphinx) -> None:
    """Register the catalog directives."""
    app.add_node(project_catalog)
    app.add_directive("project-catalog", ProjectCatalog)
    app.add_directive("featured-projects", ProjectCatalog)
    app.add_post_transform(RenderCatalogs)
