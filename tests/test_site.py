"""The built site as a reader and a search engine meet it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlparse

import yaml

from helpers import ROOT, Build, jupyter_book, log_problems, small_site, soup

BASE_URL = "https://andrewdryga.readthedocs.io/"


def toc_docnames() -> list[str]:
    """Every page the table of contents names, with its globs expanded."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                names.append(entry["file"])
            if "glob" in entry:
                for path in sorted(ROOT.glob(entry["glob"] + ".*")):
                    if path.suffix in {".md", ".ipynb"}:
                        names.append(path.relative_to(ROOT).with_suffix("").as_posix())
            walk(entry.get("sections", []))

    walk(toc.get("chapters", []))
    return list(dict.fromkeys(names))


def test_strict_build_has_no_warnings(site: Build) -> None:
    assert site.returncode == 0, site.output[-4000:]
    assert log_problems(site) == [], site.output[-4000:]


def test_every_toc_page_is_built(html: Path) -> None:
    names = toc_docnames()
    assert len(names) >= 5
    missing = [n for n in names if not (html / f"{n}.html").is_file()]
    assert not missing


def test_navbar_links_resolve(html: Path) -> None:
    for page in [html / "index.html", html / "about.html"]:
        nav = soup(page).select_one("nav.site-nav")
        labels = [a.get_text(strip=True) for a in nav.select("a")]
        assert labels == ["Projects", "Blog", "About"]
        for a in nav.select("a"):
            href = a["href"]
            target = page if href == "#" else (page.parent / href).resolve()
            assert target.is_file(), f"{page.name}: {href}"


def test_navbar_marks_the_current_section(html: Path) -> None:
    nav = soup(html / "about.html").select_one("nav.site-nav")
    current = nav.select("a[aria-current=page]")
    assert [a.get_text(strip=True) for a in current] == ["About"]


def test_pages_have_titles_descriptions_and_canonical_urls(html: Path) -> None:
    page = soup(html / "about.html")
    assert page.title.get_text().startswith("About")
    description = page.select_one('meta[name="description"]')
    assert description and len(description["content"]) > 40
    canonical = page.select_one('link[rel="canonical"]')
    assert canonical["href"] == BASE_URL + "about.html"


def test_opengraph_tags(html: Path) -> None:
    page = soup(html / "about.html")

    def og(prop: str) -> str:
        return page.select_one(f'meta[property="og:{prop}"]')["content"]

    assert og("site_name") == "Andrew Dryga"
    assert og("title") == "About"
    assert og("url") == BASE_URL + "about.html"
    assert og("description")
    image = og("image")
    assert image.startswith(BASE_URL)
    assert (html / image.removeprefix(BASE_URL)).is_file()
    assert og("image:alt")


def test_sitemap_lists_pages_with_absolute_urls(html: Path) -> None:
    text = (html / "sitemap.xml").read_text(encoding="utf-8")
    urls = re.findall(r"<loc>([^<]+)</loc>", text)
    assert BASE_URL + "index.html" in urls
    assert BASE_URL + "about.html" in urls
    unlisted = ("404.html", "search.html", "genindex.html", "blog/drafts.html")
    assert not [u for u in urls if u.endswith(unlisted)]
    assert all(u.startswith(BASE_URL) for u in urls)


def test_robots_txt_points_at_the_sitemap(html: Path) -> None:
    text = (html / "robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in text
    assert f"Sitemap: {BASE_URL}sitemap.xml" in text


def test_404_page_uses_absolute_links(html: Path) -> None:
    page = soup(html / "404.html")
    assert "Page not found" in page.title.get_text()
    hrefs = [a["href"] for a in page.select("a[href]") if not a["href"].startswith(("#", "http"))]
    srcs = [s["src"] for s in page.select("script[src]")]
    css = [link["href"] for link in page.select('link[rel="stylesheet"]')]
    for url in hrefs + srcs + css:
        assert url.startswith("/"), url


def test_favicon_is_linked(html: Path) -> None:
    icon = soup(html / "index.html").select_one('link[rel="icon"]')
    assert icon is not None
    assert (html / urlparse(urljoin("http://x/", icon["href"])).path.lstrip("/")).is_file()


def test_no_book_theme_leftovers(html: Path) -> None:
    text = (html / "index.html").read_text(encoding="utf-8")
    assert "sphinx-book-theme" not in text
    assert "thebe" not in text.lower()


def test_search_index_finds_a_word_from_a_post(html: Path) -> None:
    raw = (html / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(raw[raw.index("(") + 1 : raw.rindex(")")])
    docnames = index["docnames"]
    hits = index["terms"].get("compens")  # stem of "compensation", from the Sage post
    hits = [hits] if isinstance(hits, int) else hits or []
    assert any(docnames[i].startswith("blog/") for i in hits)


def test_a_broken_reference_fails_even_a_plain_build(tmp_path: Path) -> None:
    """``jupyter-book build .`` as an author types it: a broken link must not publish."""
    pages = {
        "index.md": "# Home\n\nSee [the notes](notes.md).\n",
        "about.md": "# About\n\nText.\n",
    }
    src = small_site(tmp_path / "src", pages, [{"file": "about"}])
    build = jupyter_book(src, strict=False)
    assert build.returncode != 0
    assert (
        "index.md:3: WARNING: 'myst' cross-reference target not found: 'notes.md'" in build.output
    )
    assert "Traceback" not in build.output
    again = jupyter_book(src, strict=False)  # nothing changed: the page must not slip through
    assert again.returncode != 0
    assert "index.md:3: WARNING: 'myst' cross-reference target not found" in again.output


def test_a_style_edit_reaches_an_incremental_build(tmp_path: Path) -> None:
    pages = {"index.md": "# Home\n\nText.\n", "about.md": "# About\n\nText.\n"}
    src = small_site(tmp_path / "src", pages, [{"file": "about"}])
    assert jupyter_book(src).returncode == 0
    css = src / "_static" / "site.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.site-test-marker { color: red; }\n")
    again = jupyter_book(src)
    assert again.returncode == 0, again.output[-2000:]
    assert ".site-test-marker" in (again.html / "_static" / "site.css").read_text()


def test_projects_and_posts_link_back_to_their_lists(html: Path) -> None:
    for page, target in [
        ("projects/sage.html", "projects/index.html"),
        ("blog/introducing-sage.html", "blog.html"),
    ]:
        back = soup(html / page).select_one(".site-back a")
        assert back is not None, page
        assert (html / page).parent.joinpath(back["href"]).resolve() == (html / target).resolve()
    assert soup(html / "about.html").select_one(".site-back") is None
