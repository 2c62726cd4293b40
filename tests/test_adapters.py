"""The adapters to upstream HTML still match what upstream writes.

_templates/adapters.html edits HTML that pydata-sphinx-theme and Sphinx render, by its text.
If an upgrade changes that text, an edit would silently stop applying (Font Awesome back on
every page, search scripts blocking the first paint): these tests fail first.
"""

from __future__ import annotations

import re
from pathlib import Path

import pydata_sphinx_theme
import sphinx

from helpers import ROOT, small_site, soup, sphinx_app

ADAPTERS = (ROOT / "_templates" / "adapters.html").read_text(encoding="utf-8")
THEME = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
SEARCH_PAGE = Path(sphinx.__file__).parent / "themes" / "basic" / "search.html"


def listed(name: str) -> list[str]:
    """The strings of the list ``name`` set in adapters.html."""
    found = re.search(rf"{{%- set {name} = \[(.*?)\] %}}", ADAPTERS)
    assert found, f"no list {name} in _templates/adapters.html"
    return [a or b for a, b in re.findall(r'"([^"]*)"|\'([^\']*)\'', found[1])]


def test_the_theme_still_writes_each_line_the_layout_drops() -> None:
    theme = (THEME / "layout.html").read_text() + (
        THEME / "static" / "webpack-macros.html"
    ).read_text()
    missing = [text for text in listed("theme_unused") if text not in theme]
    assert not missing, f"pydata-sphinx-theme no longer writes {missing}: update adapters.html"


def test_the_theme_stylesheet_still_only_imports_basic_css() -> None:
    css = (THEME / "static" / "styles" / "theme.css").read_text()
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.S).split()
    assert rules == ["@import", '"../basic.css";']


def test_sphinx_search_page_still_writes_its_scripts_as_plain_tags() -> None:
    lines = SEARCH_PAGE.read_text().splitlines()
    for script in listed("search_scripts"):
        tags = [line for line in lines if script in line]
        assert tags and all("<script src=" in tag for tag in tags), script


def test_a_posts_first_heading_closes_its_title(html: Path) -> None:
    """after_title() puts the post's date line after the first </h1> of its body."""
    for post in sorted((ROOT / "blog").glob("*.md")):
        title = soup(html / "blog" / f"{post.stem}.html").select_one("article h1")
        meta = title.find_next_sibling()
        assert meta is not None and "post-meta" in meta.get("class", []), post.name


def test_a_serial_build_gives_sphinx_sitemap_a_plain_queue(tmp_path: Path) -> None:
    """dryga_site.extension.sitemap disconnects sphinx-sitemap's own builder-inited step (found
    by its name) and starts no helper process: a renamed step upstream would bring the Manager
    back."""
    import multiprocessing
    import queue

    from sphinx_sitemap import record_builder_type

    with sphinx_app(small_site(tmp_path / "src", {"index.md": "# Home\n"}, [])) as app:
        handlers = [listener.handler for listener in app.events.listeners["builder-inited"]]
        assert record_builder_type not in handlers
        assert type(app.sitemap_links) is queue.Queue
        assert not multiprocessing.active_children()


def test_pages_left_out_of_the_toc_are_found_as_sphinx_external_toc_finds_them(
    tmp_path: Path,
) -> None:
    """dryga_site.extension.toc walks without entering excluded folders; what it excludes must still
    be exactly what sphinx-external-toc's own glob would have excluded."""
    import glob

    from sphinx.util.matching import Matcher, patmatch
    from sphinx_external_toc.parsing import parse_toc_yaml

    from dryga_site.extension.toc import left_out

    pages = {
        "index.md": "# Home\n",
        "blog/post.md": "# Post\n",
        "stray.md": "# Stray\n",
        "notes/deep/nested.ipynb": "{}",
        "node_modules/pkg/README.md": "# A package\n",
        "notes/.hidden/secret.md": "# Hidden\n",
        ".hidden.md": "# Hidden\n",
        "_build/html/old.md": "# Built\n",
    }
    root = small_site(tmp_path / "src", pages, [{"glob": "blog/*"}])
    (root / "linked").symlink_to(root / "notes", target_is_directory=True)
    suffixes, excluded = [".rst", ".ipynb", ".md"], ["_build", "node_modules"]
    site_map, is_excluded = parse_toc_yaml(root / "_toc.yml"), Matcher(excluded)
    theirs = []
    for suffix in suffixes:  # sphinx-external-toc 1.1's walk, as parse_toc_to_env does it
        for name in glob.iglob(str(root / "**" / f"*{suffix}"), recursive=True):
            posix = Path(name).relative_to(root).as_posix()
            parts, stem = posix.split("/"), posix[: -len(suffix)]
            if not (
                posix in site_map
                or stem in site_map
                or any(is_excluded("/".join(parts[: i + 1])) for i in range(len(parts)))
                or any(patmatch(stem, pattern) for pattern in site_map.globs())
            ):
                theirs.append(posix)
    ours = left_out(root, root / "_toc.yml", suffixes, excluded)
    assert sorted(ours) == sorted(theirs)
    assert "stray.md" in ours and "linked/deep/nested.ipynb" in ours


def test_a_page_left_out_of_the_toc_is_not_built(tmp_path: Path) -> None:
    pages = {"index.md": "# Home\n", "stray.md": "# Stray\n", "notes/draft.md": "# Draft\n"}
    with sphinx_app(small_site(tmp_path / "src", pages, [])) as app:
        app.build()
        assert not app.warning.getvalue(), app.warning.getvalue()
        built = {p.relative_to(app.outdir).as_posix() for p in Path(app.outdir).rglob("*.html")}
        assert "index.html" in built
        assert not {"stray.html", "notes/draft.html"} & built


# Private parts of other extensions the site relies on, each marked PRIVATE: in dryga_site ----


def test_sphinxcontrib_bibtex_still_collects_a_pages_cited_works_in_temp_data() -> None:
    import inspect

    from sphinxcontrib.bibtex import foot_roles

    from dryga_site.notebooks.citations import FOOT_BIBLIOGRAPHY

    assert f'temp_data["{FOOT_BIBLIOGRAPHY}"]' in inspect.getsource(foot_roles.FootCiteRole.run)


def test_myst_nb_still_hands_out_the_dict_it_keeps_a_pages_scripts_in() -> None:
    """notebooks/fence.py deletes the widget scripts from the dict get_js_files returns."""
    from types import SimpleNamespace

    from myst_nb.sphinx_ import NbMetadataCollector

    kept = {"ipywidgets": ("x.js", {})}
    env = SimpleNamespace(nb_metadata={"post": {"js_files": kept}})
    assert NbMetadataCollector.get_js_files(env, "post") is kept


def test_docutils_nodes_still_keep_their_page_in_document() -> None:
    """blog/ablog_adapter.untie sets it to None so that an excerpt pickles alone."""
    from docutils import nodes
    from docutils.utils import new_document

    from dryga_site.blog.ablog_adapter import untie

    page = new_document("post")
    page += nodes.paragraph("", "", nodes.emphasis("", "Lead."))
    excerpt = page[0].deepcopy()  # as ablog copies a post's lead (Sphinx's deepcopy)
    assert excerpt[0].document is page  # the copy's parts still hold the whole page
    untie([excerpt])
    assert excerpt[0].document is None


def test_ablog_still_renders_feed_entries_through_each_posts_to_html() -> None:
    import inspect

    import ablog.post

    assert ".to_html(" in inspect.getsource(ablog.post.generate_atom_feeds)
