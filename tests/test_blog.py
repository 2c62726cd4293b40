"""The blog as readers and authors meet it: lists, dates, feed, notebooks and bad input.

The real site comes from the session build; the failure cases build two small sites in temp
dirs that reuse the real configuration and templates: one that must fail (a raising cell,
an endless cell, impossible dates) and one that must pass strictly (an unquoted date, drafts).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import feedparser
import nbformat
import pytest
from bs4 import BeautifulSoup
from nbclient import NotebookClient

from helpers import ROOT, Fixture, cell, fixture_site, front_matter, jupyter_book, post, soup

BASE_URL = "https://andrewdryga.readthedocs.io/"
#: The posts newest first: by year, and within a year in the order the old site listed them.
NEWEST_FIRST = [
    "real-10x-engineer",
    "introducing-sage",
    "national-health-service",
    "blockchain-properties",
    "sensitive-file-uploads",
    "run-stale-tests",
    "runtime-configuration-migrations",
    "p2p-lending-platform",
]


POSTS = {path.stem: front_matter(path) for path in sorted((ROOT / "blog").glob("*.md"))}
CODE_POSTS = [
    slug for slug in NEWEST_FIRST if "{code-cell}" in (ROOT / f"blog/{slug}.md").read_text()
]


def invented_dates(day: date) -> list[str]:
    """Every way a template could print the day and month of an approximate date."""
    formats = ["%B %-d, %Y", "%Y-%m-%d", "%d %B %Y", "%-d %B %Y", "%b %-d, %Y", "%d/%m/%Y"]
    return [day.strftime(fmt) for fmt in formats]


def resolve(page: Path, href: str) -> Path:
    return (page.parent / urlparse(href).path).resolve()


def text_outputs(cell: nbformat.NotebookNode) -> str:
    """A code cell's printed and displayed text, as a reader sees it."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "text/plain" in output.get("data", {}) and "image/png" not in output.data:
            parts.append(output.data["text/plain"])
    return "".join(parts).strip()


# The real site ------------------------------------------------------------------------------


def test_the_eight_posts_are_listed_newest_first(html: Path) -> None:
    assert sorted(POSTS) == sorted(NEWEST_FIRST)
    index = soup(html / "blog.html")
    links = [a["href"] for a in index.select(".post-list__title a")]
    assert links == [f"blog/{slug}.html" for slug in NEWEST_FIRST]
    assert index.select_one("h1").get_text(strip=True) == "Blog"
    for item in index.select(".post-list__item"):
        assert re.fullmatch(r"\d+ min read", item.select(".post-line span")[-1].get_text())
        assert item.select(".post-tags a")
        assert len(item.select_one(".post-excerpt").get_text(strip=True)) > 60


def test_sort_dates_agree_with_the_order() -> None:
    dates = [date.fromisoformat(POSTS[slug]["date"]) for slug in NEWEST_FIRST]
    assert dates == sorted(dates, reverse=True)
    known = [slug for slug in NEWEST_FIRST if not POSTS[slug]["date_approximate"]]
    assert known == ["p2p-lending-platform"]


def test_approximate_dates_show_the_year_alone_everywhere(html: Path) -> None:
    pages = [html / "index.html", html / "blog.html", *html.glob("blog/**/*.html")]
    for slug, meta in POSTS.items():
        day = date.fromisoformat(meta["date"])
        shown = soup(html / f"blog/{slug}.html").select_one(".post-meta time")
        if meta["date_approximate"]:
            assert (shown.get_text(), shown["datetime"]) == (str(day.year), str(day.year))
            for page in pages:
                text = page.read_text(encoding="utf-8")
                leaks = [d for d in invented_dates(day) if d in text]
                assert not leaks, f"{page.relative_to(html)} shows {leaks} for {slug}"
        else:
            assert (shown.get_text(), shown["datetime"]) == ("July 9, 2017", "2017-07-09")


def test_post_pages_have_header_tags_projects_and_neighbours(html: Path) -> None:
    for position, slug in enumerate(NEWEST_FIRST):
        page = html / f"blog/{slug}.html"
        doc = soup(page)
        assert doc.select_one(".site-command")["data-command"] == f"cat ./blog/{slug}"
        assert doc.select_one("h1").find_next_sibling() is doc.select_one(".post-meta")
        assert re.fullmatch(r"\d+ min read", doc.select(".post-line span")[-1].get_text())
        tags = doc.select(".post-tags a")
        assert [a.get_text() for a in tags] == POSTS[slug]["tags"]
        for tag in tags:
            listed = soup(resolve(page, tag["href"])).select(".post-list__title a")
            assert f"../{slug}.html" in [a["href"] for a in listed]
        related = doc.select("#related-projects a.reference")
        assert related and all(resolve(page, a["href"]).is_file() for a in related)
        assert all("/projects/" in str(resolve(page, a["href"])) for a in related)
        newer, older = doc.select_one(".post-nav__newer"), doc.select_one(".post-nav__older")
        expected_newer = NEWEST_FIRST[position - 1] if position else None
        expected_older = NEWEST_FIRST[position + 1] if position + 1 < len(NEWEST_FIRST) else None
        assert (newer["href"] if newer else None) == (expected_newer and f"{expected_newer}.html")
        assert (older["href"] if older else None) == (expected_older and f"{expected_older}.html")


def test_home_page_shows_the_latest_three_posts(html: Path) -> None:
    section = soup(html / "index.html").select_one("#latest-posts")
    titles = section.select(".ablog-post-title")
    assert [t.a["href"] for t in titles] == [f"blog/{s}.html" for s in NEWEST_FIRST[:3]]
    assert titles[0].get_text().endswith(" · 2026")
    assert len(section.select(".ablog-post-excerpt")) == 3
    assert section.select_one('a[href="blog.html"]')


def test_archive_groups_posts_by_year(html: Path) -> None:
    archive = soup(html / "blog/archive.html")
    assert archive.select_one("h1").get_text() == "Archive"
    years = [h.get_text() for h in archive.select("h2")]
    assert years == ["2026", "2018", "2017"]
    listed = [a["href"] for a in archive.select(".post-list a")]
    assert listed == [f"{slug}.html" for slug in NEWEST_FIRST]
    assert (html / "blog/2018.html").is_file()


def test_generated_lists_are_valid_html(html: Path) -> None:
    pages = [html / "blog.html", *html.glob("blog/*.html"), *html.glob("blog/*/*.html")]
    generated = [p for p in pages if not (ROOT / p.relative_to(html)).with_suffix(".md").exists()]
    assert {"tag.html", "archive.html", "2017.html", "elixir.html"} <= {p.name for p in generated}
    for page in generated:
        doc = soup(page)
        for ul in doc.select("ul, ol"):
            children = [c.name for c in ul.find_all(recursive=False)]
            assert set(children) <= {"li"}, f"{page.relative_to(html)}: {children}"
        ids = [el["id"] for el in doc.select("[id]")]
        assert len(ids) == len(set(ids)), f"{page.relative_to(html)} repeats an id"
        assert not doc.select("p p, p div"), f"{page.relative_to(html)} nests blocks in a p"


def test_feed_has_every_post_in_full_with_absolute_links(html: Path) -> None:
    feed = feedparser.parse((html / "blog/atom.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Andrew Dryga's blog"
    entries = feed.entries
    assert [e.link for e in entries] == [f"{BASE_URL}blog/{slug}.html" for slug in NEWEST_FIRST]
    for entry, slug in zip(entries, NEWEST_FIRST, strict=True):
        page = soup(html / f"blog/{slug}.html")
        assert entry.title == POSTS[slug]["title"] == page.h1.get_text().rstrip("#")
        assert entry.updated_parsed.tm_year == date.fromisoformat(POSTS[slug]["date"]).year
        content = BeautifulSoup(entry.content[0].value, "html.parser")
        # Full text: the last section, not only the lead paragraph.
        assert "Related projects" in content.get_text()
        assert len(content.get_text()) > 0.8 * len(page.select_one("article").get_text())
        urls = [a["href"] for a in content.select("a[href]")]
        urls += [img["src"] for img in content.select("img[src]")]
        assert urls and all(u.startswith(BASE_URL) for u in urls), slug
        for url in urls:
            assert (html / urlparse(url).path.lstrip("/")).is_file(), url


def test_feed_is_linked_from_every_page_and_the_navbar(html: Path) -> None:
    feed = (html / "blog/atom.xml").resolve()
    pages = [p for p in html.rglob("*.html") if p.relative_to(html).parts[0] != "_static"]
    assert len(pages) > 40
    for page in pages:
        doc = soup(page)
        links = doc.select('head link[rel="alternate"][type="application/atom+xml"]')
        assert len(links) == 1, page.relative_to(html)
        if page.name == "404.html":  # its links are absolute, to work at any depth
            continue
        assert resolve(page, links[0]["href"]) == feed, page.relative_to(html)
        icon = doc.select_one(".navbar-header-items__end a.feed-link")
        assert icon and icon["aria-label"] and icon.svg, page.relative_to(html)
        assert resolve(page, icon["href"]) == feed


def test_code_posts_show_outputs_and_when_and_how_they_ran(html: Path) -> None:
    assert len(CODE_POSTS) >= 7
    for slug in NEWEST_FIRST:
        doc = soup(html / f"blog/{slug}.html")
        run = doc.select_one(".post-run")
        if slug not in CODE_POSTS:
            assert run is None and not (html / f"blog/{slug}.ipynb").exists()
            continue
        outputs = doc.select(".cell_output")
        assert outputs, slug
        for output in outputs:  # printed text, or a chart with a description
            assert output.get_text(strip=True) or output.select_one("img[alt]")["alt"], slug
        notebook = nbformat.read(html / f"blog/{slug}.ipynb", as_version=4)
        python = notebook.metadata.language_info.version
        assert re.fullmatch(
            rf"Outputs generated on [A-Z][a-z]+ \d{{1,2}}, \d{{4}} with Python {python}\. "
            r"Download as notebook \(\.ipynb\)",
            " ".join(run.get_text().split()),
        ), run.get_text()
        assert run.select_one("a[download]")["href"] == f"{slug}.ipynb"


@pytest.mark.parametrize("slug", CODE_POSTS)
def test_downloaded_notebook_reproduces_the_page_in_a_fresh_kernel(
    html: Path, slug: str, tmp_path: Path
) -> None:
    shipped = nbformat.read(html / f"blog/{slug}.ipynb", as_version=4)
    nbformat.validate(shipped)
    assert set(shipped.metadata) <= {"kernelspec", "language_info"}
    assert shipped.cells[0].source == f"# {POSTS[slug]['title']}"
    page = soup(html / f"blog/{slug}.html").select(".cell_output pre")
    shipped_outputs = [text_outputs(c) for c in shipped.cells if c.cell_type == "code"]
    assert " ".join(shipped_outputs).split() == " ".join(p.get_text() for p in page).split()

    fresh = nbformat.from_dict(shipped)
    for code in fresh.cells:
        if code.cell_type == "code":
            code.outputs = []
    client = NotebookClient(fresh, timeout=60, resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    assert [text_outputs(c) for c in fresh.cells if c.cell_type == "code"] == shipped_outputs


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    return fixture_site(
        tmp_path_factory.mktemp("broken"),
        {
            "boom": post("Boom", 'date: "2020-01-02"\n', cell('print("before")') + cell("1 / 0")),
            "endless": post(
                "Endless",
                'date: "2020-01-03"\nmystnb:\n  execution_timeout: 2\n',
                cell("while True:\n    pass"),
            ),
            "impossible": post("Impossible", "date: 2018-13-45\n", cell('print("fine")')),
            "untitled": '---\nblogpost: true\ndate: "2020-01-04"\n---\n\nLead.\n\n## Part\n',
            "unclosed": post("Unclosed", "tags: [a, b\n", cell('print("fine")') + "\n# Intro\n"),
        },
    )


def problem_lines(build: Any, post: str) -> list[str]:
    return [
        line
        for line in build.output.splitlines()
        if f"blog/{post}" in line and re.search(r"(WARNING|ERROR):", line)
    ]


def test_a_raising_cell_fails_the_build_naming_the_post(broken: Fixture) -> None:
    assert broken.build.returncode != 0
    assert "Traceback" not in broken.build.output
    [line] = problem_lines(broken.build, "boom.md")  # not myst-nb's two notes besides
    assert re.search(
        r"blog/boom\.md:\d+: ERROR: a code cell failed with ZeroDivisionError: division by zero; "
        r"fix it so the post runs top to bottom \(its traceback: _build/html/reports/blog/boom"
        r"\.err\.log\)",
        line,
    )
    page = (broken.build.html / "blog/boom.html").read_text(encoding="utf-8")
    assert "ZeroDivisionError" not in page and "Traceback" not in page


def test_an_endless_cell_times_out_naming_the_post(broken: Fixture) -> None:
    assert "Traceback" not in broken.build.output
    [line] = problem_lines(broken.build, "endless.md")
    assert re.search(r"blog/endless\.md:\d+: ERROR: a code cell was still running after 2 s", line)


def test_an_impossible_date_fails_naming_the_file_and_field(broken: Fixture) -> None:
    assert re.search(
        r"blog/impossible\.md:4: ERROR: date: '2018-13-45' is not a real date",
        broken.build.output,
    )


def test_a_post_without_a_title_is_one_line(broken: Fixture) -> None:
    lines = [line for line in broken.build.output.splitlines() if "blog/untitled.md" in line]
    assert len(lines) == 1, lines  # not one warning per heading
    assert "ERROR: title: missing" in lines[0]


def test_front_matter_that_is_not_yaml_is_one_line(broken: Fixture) -> None:
    lines = [line for line in broken.build.output.splitlines() if "blog/unclosed.md" in line]
    assert len(lines) == 1, lines  # not a cascade of heading and code-cell warnings
    assert re.search(r"blog/unclosed\.md:\d+: ERROR: front matter: not valid YAML", lines[0])


def test_the_broken_build_left_its_sources_alone(broken: Fixture) -> None:
    for slug, text in broken.sources.items():
        assert (broken.build.src / f"blog/{slug}.md").read_text(encoding="utf-8") == text


@pytest.fixture(scope="module")
def drafts(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    return fixture_site(
        tmp_path_factory.mktemp("drafts"),
        {
            "unquoted": post(
                "Unquoted", "date: 2018-01-15\ntags: [shared]\n", cell('print("ran fine")')
            ),
            "secret": post(
                "Secret",
                'date: "2019-05-05"\ndraft: true\ntags: [shared, hidden]\n',
                notebook=False,
            ),
            "undated": post("Undated", "tags: [shared, hidden]\n", notebook=False),
        },
        "strict",
    )


def test_an_unquoted_date_builds(drafts: Fixture) -> None:
    assert drafts.build.returncode == 0, drafts.build.output[-3000:]
    page = soup(drafts.build.html / "blog/unquoted.html")
    assert page.select_one(".post-meta time")["datetime"] == "2018-01-15"
    assert "ran fine" in page.select_one(".cell_output").get_text()
    assert (drafts.build.src / "blog/unquoted.md").read_text() == drafts.sources["unquoted"]


def test_drafts_stay_out_of_lists_tags_and_the_feed(drafts: Fixture) -> None:
    html = drafts.build.html
    feed = feedparser.parse((html / "blog/atom.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["Unquoted"]
    for page in ["blog.html", "blog/archive.html", "blog/tag.html", "blog/tag/shared.html"]:
        text = soup(html / page).select_one("article").get_text()
        assert "Unquoted" in text, page
        assert "Secret" not in text and "Undated" not in text, page
    assert not (html / "blog/tag/hidden.html").exists()
    assert "Secret" not in (html / "blog/drafts.html").read_text()
    for slug in ("secret", "undated"):
        page = soup(html / f"blog/{slug}.html")
        assert page.select_one('meta[name="robots"]')["content"] == "noindex"
        assert page.select_one(".post-line span").get_text() == "Draft"
    sitemap = (html / "sitemap.xml").read_text(encoding="utf-8")
    assert "blog/unquoted.html" in sitemap
    assert "blog/secret.html" not in sitemap and "blog/undated.html" not in sitemap
    search = (html / "searchindex.js").read_text(encoding="utf-8")
    assert "Unquoted" in search and "Secret" not in search


def test_a_new_post_updates_its_neighbour_and_the_home_list(tmp_path: Path) -> None:
    older = post("Older", 'date: "2020-02-03"\n', notebook=False)
    site = fixture_site(tmp_path, {"older": older}, "strict").build.src
    (site / "blog/newer.md").write_text(post("Newer", 'date: "2024-02-03"\n', notebook=False))
    build = jupyter_book(site)
    assert build.returncode == 0, build.output[-3000:]
    assert "updating environment: 1 added" in build.output  # an incremental build
    newer_link = soup(build.html / "blog/older.html").select_one(".post-nav__newer")
    assert newer_link["href"] == "newer.html"
    home = soup(build.html / "index.html").select(".postlist a")
    assert [a["href"] for a in home] == ["blog/newer.html", "blog/older.html"]
