"""The project catalog: pages, cards, filters, links between posts and projects, bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from dryga_site.core.projects import validate_project
from helpers import ROOT, front_matter, jupyter_book, project, small_site, soup, sphinx_app

PROJECT_FILES = sorted(p for p in (ROOT / "projects").glob("*.md") if p.stem != "index")


def catalog_order(html: Path) -> list[dict]:
    """Every project's front matter (and slug), in the order the built catalog shows them."""
    metas = [{"slug": p.stem, **front_matter(p)} for p in PROJECT_FILES]
    by_title = {meta["title"]: meta for meta in metas}
    return [by_title[title] for title in card_titles(soup(html / "projects" / "index.html"))]


def card_titles(page: BeautifulSoup) -> list[str]:
    return [
        c.select_one(".sd-card-title").get_text(strip=True)
        for c in page.select(".site-project-card")
    ]


# ---------------------------------------------------------------- the real site's HTML


def test_catalog_has_a_card_for_each_of_the_30_project_pages(html: Path) -> None:
    assert len(PROJECT_FILES) == 30
    page = soup(html / "projects" / "index.html")
    cards = page.select(".site-project-card")
    shown = catalog_order(html)
    assert sorted(m["slug"] for m in shown) == [p.stem for p in PROJECT_FILES]
    # Featured first, and by ``order`` within each group (the small site below pins ties).
    featured = [bool(m.get("featured")) for m in shown]
    assert featured == sorted(featured, reverse=True)
    for group in (True, False):
        orders = [m["order"] for m in shown if bool(m.get("featured")) == group]
        assert orders == sorted(orders)
    for card, meta in zip(cards, shown, strict=True):
        link = card.select_one(".sd-card-title a")
        assert link["href"] == f"{meta['slug']}.html"
        assert (html / "projects" / link["href"]).is_file()
        assert card.select_one("p.sd-card-text").get_text() == meta["tagline"]
        chips = [c.get_text() for c in card.select(".site-chip")]
        assert chips == [meta["kind"], *meta["domains"]]


def test_each_project_page_shows_its_metadata_panel(html: Path) -> None:
    for path in PROJECT_FILES:
        meta = front_matter(path)
        page = soup(html / "projects" / f"{path.stem}.html")
        assert page.select_one("h1").get_text(strip=True).rstrip("#") == meta["title"]
        panel = page.select_one("article .site-project-meta")
        assert panel is not None, path.name
        # Under the title, before the case study.
        assert panel.find_previous("h1") is not None
        assert panel.find_previous("h2") is None
        # Which fields show for which values: test_the_panel_shows_the_fields_a_project_has.
        assert panel.select_one(".site-kind").get_text(strip=True) == meta["kind"]
        description = page.select_one('meta[name="description"]')["content"]
        assert description == meta["tagline"], path.name


def test_domain_chip_on_a_project_page_opens_the_filtered_catalog(html: Path) -> None:
    chip = soup(html / "projects" / "sage.html").select_one(
        ".site-project-meta a.site-chip-link[href*=domain]"
    )
    assert chip["href"] == "index.html?domain=devtools"


def test_home_page_shows_the_featured_projects(html: Path) -> None:
    featured = [m["title"] for m in catalog_order(html) if m.get("featured")]
    assert 0 < len(featured) < 30
    section = soup(html / "index.html").select_one("section#featured-projects")
    assert card_titles(section) == featured
    hrefs = [a["href"] for a in section.select(".sd-card-title a")]
    assert all((html / href).is_file() for href in hrefs)
    assert section.select_one(".site-filter") is None


def test_filter_script_is_loaded_only_by_the_catalog(html: Path) -> None:
    def scripts(page: str) -> list[str]:
        return [
            s["src"] for s in soup(html / page).select("script[src]") if "catalog.js" in s["src"]
        ]

    assert len(scripts("projects/index.html")) == 1
    assert scripts("index.html") == []
    assert scripts("projects/sage.html") == []
    assert (html / "_static" / "catalog.js").is_file()
    assert not (ROOT / "_static" / "catalog.js").exists()


def posts_referring_to_projects() -> dict[str, list[str]]:
    """slug -> posts (docnames) whose source uses {project}`slug`."""
    refs: dict[str, list[str]] = {}
    for post in sorted((ROOT / "blog").glob("*.md")):
        for slug in re.findall(r"\{project\}`([^`]+)`", post.read_text(encoding="utf-8")):
            refs.setdefault(slug, []).append(f"blog/{post.stem}")
    return refs


def test_posts_referring_to_a_project_are_listed_on_its_page_newest_first(html: Path) -> None:
    refs = posts_referring_to_projects()
    if not refs:
        pytest.skip("no post refers to a project yet")
    for slug, posts in refs.items():
        section = soup(html / "projects" / f"{slug}.html").select_one(
            "section#writing-about-this-project"
        )
        assert section is not None, slug
        assert (
            section.select_one("h2").get_text(strip=True).rstrip("#")
            == "Writing about this project"
        )
        listed = [a["href"] for a in section.select("li a")]
        dates = {p: str(front_matter(ROOT / f"{p}.md")["date"]) for p in posts}
        newest_first = sorted(posts, key=lambda p: dates[p], reverse=True)
        assert listed == [f"../{p}.html" for p in newest_first]
        for link, post in zip(section.select("li a"), newest_first, strict=True):
            title = soup(html / f"{post}.html").select_one("h1").get_text(strip=True).rstrip("#")
            assert link.get_text() == title
    unreferenced = [p.stem for p in PROJECT_FILES if p.stem not in refs]
    assert (
        soup(html / "projects" / f"{unreferenced[0]}.html").select_one(
            "#writing-about-this-project"
        )
        is None
    )


def test_project_role_renders_the_project_title_as_a_link(html: Path) -> None:
    refs = posts_referring_to_projects()
    if not refs:
        pytest.skip("no post refers to a project yet")
    slug, posts = next(iter(refs.items()))
    page = soup(html / f"{posts[0]}.html")
    links = [a for a in page.select("article a") if a.get("href") == f"../projects/{slug}.html"]
    assert [a.get_text() for a in links] == [
        front_matter(ROOT / "projects" / f"{slug}.md")["title"]
    ]


# ---------------------------------------------------------------- in the browser


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    yield page
    context.close()


def visible_cards(page) -> list[str]:
    return page.locator(".site-card-col:visible .sd-card-title").all_inner_texts()


def test_filter_by_domain_in_place_and_in_the_url(page, server, html: Path) -> None:
    payments = [m["title"] for m in catalog_order(html) if "payments" in m["domains"]]
    page.goto(server + "projects/index.html")
    count = page.locator(".site-filter-count")
    assert count.inner_text() == "Showing 30 of 30 projects"
    assert count.get_attribute("aria-live") == "polite"
    assert len(visible_cards(page)) == 30

    chip = page.get_by_role("button", name=re.compile(r"^payments\b"))
    chip.click()
    assert visible_cards(page) == payments
    assert chip.get_attribute("aria-pressed") == "true"
    assert page.url.endswith("projects/index.html?domain=payments")
    assert count.inner_text() == f"Showing {len(payments)} of 30 projects"

    page.reload()
    assert visible_cards(page) == payments
    assert (
        page.get_by_role("button", name=re.compile(r"^payments\b")).get_attribute("aria-pressed")
        == "true"
    )

    page.locator('.site-filter-group:has(#site-filter-domain) button[data-value=""]').click()
    assert len(visible_cards(page)) == 30
    assert "domain=" not in page.url
    assert count.inner_text() == "Showing 30 of 30 projects"
    assert page.errors == []


def test_filter_by_kind_with_the_keyboard_and_clear(page, server, html: Path) -> None:
    open_source = [m["title"] for m in catalog_order(html) if m["kind"] == "open-source"]
    page.goto(server + "projects/index.html?kind=open-source")
    assert visible_cards(page) == open_source
    devtools = [
        m["title"]
        for m in catalog_order(html)
        if m["kind"] == "open-source" and "devtools" in m["domains"]
    ]
    page.get_by_role("button", name=re.compile(r"^devtools\b")).focus()
    page.keyboard.press("Enter")
    assert visible_cards(page) == devtools
    assert "domain=devtools" in page.url and "kind=open-source" in page.url
    clear = page.get_by_role("button", name="Clear filters")
    clear.focus()
    page.keyboard.press("Space")
    assert len(visible_cards(page)) == 30
    assert not clear.is_visible()
    assert page.url.endswith("projects/index.html")


def test_catalog_without_javascript_shows_all_30_cards(browser, server) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "projects/index.html?domain=payments")
    assert len(visible_cards(page)) == 30
    assert not page.locator(".site-filter").is_visible()
    context.close()


def test_catalog_fits_a_phone(browser, server) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(server + "projects/index.html?domain=devtools")
    assert page.locator(".site-filter").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    context.close()


# ---------------------------------------------------------------- the schema on its own


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"colour": "red"}, "colour: unknown key; allowed keys are title, tagline, kind"),
        ({"domain": ["crm"]}, "domain: unknown key (did you mean 'domains'?)"),
        (
            {"kind": "library"},
            "kind: 'library' is not allowed; use one of product, open-source, venture",
        ),
        (
            {"domains": ["fintech"]},
            "domains: 'fintech' is not allowed; use any of payments, lending",
        ),
        ({"tagline": None}, "tagline: missing; add one line of text in quotes"),
        (
            {"links": [{"name": "x", "url": "javascript:alert(1)"}]},
            "links[0].url: 'javascript:alert(1)' is not allowed",
        ),
        ({"featured": "yes"}, "featured: must be true or false"),
        ({"order": "3"}, "order: must be a whole number"),
    ],
)
def test_schema_names_the_field_and_what_is_allowed(change: dict, expected: str) -> None:
    meta = front_matter(ROOT / "projects" / "sage.md")
    assert validate_project(meta) == []
    meta = {k: v for k, v in {**meta, **change}.items() if v is not None}
    messages = validate_project(meta)
    assert len(messages) == 1 and messages[0].startswith(expected), messages


# ---------------------------------------------------------------- small fixture sites


def post_page(title: str, date: str, body: str) -> str:
    return f'---\ntitle: "{title}"\ndate: "{date}"\n---\n\n{body}\n'


def catalog_site(dest: Path, pages: dict[str, str]) -> Path:
    """A home page with the featured cards, the catalog, and ``pages``."""
    home = {
        "index.md": "# Home\n\n## Featured\n\n```{featured-projects}\n```\n",
        "projects/index.md": "# Projects\n\n```{project-catalog}\n```\n",
    }
    chapters = [
        {"file": "projects/index", "sections": [{"glob": "projects/*"}]},
        {"glob": "notes/*"},
    ]
    return small_site(dest, {**home, **pages}, chapters)


NOTEBOOK = json.dumps(
    {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Dup"]}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
)
BAD_PAGES = {
    "projects/unknown-key.md": project("Unknown key", colour="red"),
    "projects/bad-kind.md": project("Bad kind", kind="library"),
    "projects/bad-domain.md": project("Bad domain", domains=["fintech"]),
    "projects/no-tagline.md": project("No tagline").replace(
        "tagline: No tagline in one line\n", ""
    ),
    "projects/ftp-link.md": project(
        "FTP link", links=[{"name": "Files", "url": "ftp://example.com/x"}]
    ),
    "projects/broken-yaml.md": "---\ntitle: Broken\ntagline: Sagas: the pattern\n---\n\n## What\n",
    "projects/bad-alias.md": "---\ntitle: *name\n---\n\n## What\n",
    "projects/date-order.md": project("Date order").replace("order: 1\n", "order: 2018-13-45\n"),
    "projects/dup.md": project("Dup"),
    "projects/dup.ipynb": NOTEBOOK,
    "projects/twin-a.md": project("Twin"),
    "projects/twin-b.md": project("twin "),
    "notes/post.md": post_page("A post", "2020-01-01", "About {project}`twinn-a`."),
}
#: file -> the one line its mistake must produce (after "<file>[:line]: ERROR: ").
BAD_LINES = {
    "projects/unknown-key.md": "colour: unknown key; allowed keys are title, tagline, kind",
    "projects/bad-kind.md": "kind: 'library' is not allowed; use one of product, open-source,",
    "projects/bad-domain.md": "domains: 'fintech' is not allowed; use any of payments, lending,",
    "projects/no-tagline.md": "tagline: missing; add one line of text in quotes",
    "projects/ftp-link.md": "links[0].url: 'ftp://example.com/x' is not allowed; use an http://",
    "projects/broken-yaml.md": "front matter: not valid YAML (mapping values are not allowed here)",
    "projects/bad-alias.md": "front matter: not valid YAML (found undefined alias 'name')",
    "projects/date-order.md": "order: must be a whole number, e.g. 7 (lower comes first)",
    "projects/dup.md": "slug: 'dup' is also used by projects/dup.ipynb; keep one file per project",
    "projects/twin-b.md": "title: 'twin ' is already the title of projects/twin-a.md; give each",
    "notes/post.md": "{project}`twinn-a`: no such project (did you mean twin-a?); use the file",
}


def test_bad_front_matter_stops_any_build_with_one_line_per_mistake(tmp_path: Path) -> None:
    src = catalog_site(tmp_path / "src", BAD_PAGES)
    build = jupyter_book(src, strict=False)
    assert build.returncode != 0
    assert "Traceback" not in build.output
    reported = [line for line in build.output.splitlines() if "ERROR" in line or "WARNING" in line]
    for name, message in BAD_LINES.items():
        lines = [line for line in reported if line.startswith(f"{src / name}:")]
        assert len(lines) == 1, (name, reported)
        assert re.match(
            rf"{re.escape(str(src / name))}(:\d+)?: ERROR: {re.escape(message)}", lines[0]
        ), lines[0]
    assert len(reported) == len(BAD_LINES), reported
    assert f"{src / 'projects/broken-yaml.md'}:3: ERROR" in build.output
    # Sources stay as they were: no generated files, nothing rewritten.
    assert (src / "projects/broken-yaml.md").read_text(encoding="utf-8") == BAD_PAGES[
        "projects/broken-yaml.md"
    ]
    assert sorted(p.name for p in (src / "projects").iterdir()) == sorted(
        Path(n).name for n in [*BAD_PAGES, "projects/index.md"] if n.startswith("projects/")
    )


def test_small_site_escapes_text_and_follows_edits_in_incremental_builds(tmp_path: Path) -> None:
    title = "Alpha <b>&</b> co"
    src = catalog_site(
        tmp_path / "src",
        {
            "projects/alpha.md": project(title, featured=True, order=2),
            "projects/beta.md": project("Beta", kind="open-source", domains=["devtools"], order=1),
            "notes/old.md": post_page("Old note", "2019-05-01", "See {project}`alpha`."),
            "notes/new.md": post_page("New note", "2021-02-03", "See {project}`alpha`."),
        },
    )
    out = tmp_path / "out"
    first = jupyter_book(src, strict=False, out=out)
    assert first.returncode == 0, first.output[-3000:]
    assert "WARNING" not in first.output
    raw = (first.html / "projects/index.html").read_text(encoding="utf-8")
    assert "Alpha &lt;b&gt;&amp;&lt;/b&gt; co" in raw and "<b>&" not in raw
    catalog = soup(first.html / "projects/index.html")
    assert card_titles(catalog) == [title, "Beta"]  # featured first
    assert card_titles(soup(first.html / "index.html")) == [title]
    alpha = soup(first.html / "projects/alpha.html")
    assert [a.get_text() for a in alpha.select("#writing-about-this-project li a")] == [
        "New note",
        "Old note",
    ]
    assert [
        a.get_text() for a in soup(first.html / "notes/old.html").select("a[href$='alpha.html']")
    ] == [title]

    # Edit one project's tagline and title, move a note from alpha to beta, build again.
    alpha_src = src / "projects/alpha.md"
    text = alpha_src.read_text().replace(f"{title} in one line", "Edited tagline")
    alpha_src.write_text(text.replace(f"title: {title}\n", "title: Alpha renamed\n"))
    (src / "notes/old.md").write_text(post_page("Old note", "2019-05-01", "See {project}`beta`."))
    second = jupyter_book(src, strict=False, out=out)
    assert second.returncode == 0, second.output[-3000:]
    assert [
        a.get_text() for a in soup(second.html / "notes/new.html").select("a[href$='alpha.html']")
    ] == ["Alpha renamed"]
    taglines = [
        p.get_text()
        for p in soup(second.html / "projects/index.html").select("p.sd-card-text:not(.site-chips)")
    ]
    assert taglines == ["Edited tagline", "Beta in one line"]
    alpha = soup(second.html / "projects/alpha.html")
    beta = soup(second.html / "projects/beta.html")
    assert [a.get_text() for a in alpha.select("#writing-about-this-project li a")] == ["New note"]
    assert [a.get_text() for a in beta.select("#writing-about-this-project li a")] == ["Old note"]
    # Incremental: read again were the two edited pages, the catalogs and the note naming alpha.
    assert "0 added, 5 changed, 0 removed" in second.output


# ------------------------------------------------- in this process: what the extension renders

#: Projects whose catalog order, panels and lists of writing are known from their values alone.
PROJECTS = {
    "projects/alpha.md": project(
        "Alpha",
        domains=["payments", "devtools"],
        stack=["Elixir", "PostgreSQL"],
        role="Lead engineer",
        links=[{"name": "Repository", "url": "https://example.com/alpha"}],
        order=2,
    ),
    "projects/beta.md": project("Beta", kind="open-source", domains=[], featured=True, order=5),
    "projects/gamma.md": project("Gamma", kind="venture", domains=["security"], order=2),
    "projects/delta.md": project("Delta", featured=True, order=1),
    "notes/old.md": post_page("Old note", "2019-05-01", "See {project}`alpha`."),
    "notes/new.md": post_page(
        "New note", "2021-02-03", "See {project}`alpha` and {project}`beta`."
    ),
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML of a small catalog site, built in this process."""
    with sphinx_app(catalog_site(tmp_path_factory.mktemp("catalog") / "src", PROJECTS)) as app:
        app.build()
        assert app.statuscode == 0, app.warning.getvalue()
        assert not app.warning.getvalue(), app.warning.getvalue()
        return Path(app.outdir)


def test_catalog_order_is_featured_then_order_then_title(rendered: Path) -> None:
    catalog = card_titles(soup(rendered / "projects/index.html"))
    assert catalog == ["Delta", "Beta", "Alpha", "Gamma"]
    assert card_titles(soup(rendered / "index.html")) == ["Delta", "Beta"]


def panel_fields(page: BeautifulSoup) -> dict[str, str]:
    panel = page.select_one("article .site-project-meta")
    return {
        dt.get_text(strip=True).rstrip(":"): dd.get_text(" ", strip=True)
        for dt, dd in zip(panel.select("dt"), panel.select("dd"), strict=True)
    }


def test_the_panel_shows_the_fields_a_project_has(rendered: Path) -> None:
    alpha = soup(rendered / "projects/alpha.html")
    assert panel_fields(alpha) == {
        "Kind": "product",
        "Domains": "payments devtools",
        "Stack": "Elixir, PostgreSQL",
        "Role": "Lead engineer",
        "Links": "Repository",
    }
    link = alpha.select_one(".site-project-meta a[href^=http]")
    assert link["href"] == "https://example.com/alpha"
    assert panel_fields(soup(rendered / "projects/beta.html")) == {"Kind": "open-source"}


def test_lists_of_writing_are_newest_first_and_only_where_referred_to(rendered: Path) -> None:
    def writing(slug: str) -> list[str]:
        page = soup(rendered / f"projects/{slug}.html")
        return [a.get_text() for a in page.select("#writing-about-this-project li a")]

    assert writing("alpha") == ["New note", "Old note"]
    assert writing("beta") == ["New note"]
    assert writing("gamma") == []
    links = soup(rendered / "notes/new.html").select("article a[href^='../projects/']")
    assert [a.get_text() for a in links] == ["Alpha", "Beta"]
