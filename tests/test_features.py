"""Posts are real notebooks: math, citations, margin notes, numbered figures and glue.

A small site with two fixture posts that use every feature, a MyST text notebook and a
``.ipynb`` notebook (tests/fixtures/features), is built once for this module and read as a
reader gets it: the HTML, the feed, and Chromium at a desktop's and a phone's width. A second
small site holds one author mistake per page; its plain build must fail with one located line
per mistake, no traceback, and the sources untouched.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dryga_site.authoring.serve import serving
from helpers import (
    AXE,
    VIEWPORTS,
    Build,
    jupyter_book,
    missing_tool,
    post,
    small_site,
    soup,
    tree_hashes,
)

FIXTURES = Path(__file__).parent / "fixtures" / "features"
POSTS = {"notebook-features": "md", "jupyter-features": "ipynb"}
INDEX = "# Fixture site\n\nTwo posts that use every notebook feature.\n"


@pytest.fixture(scope="module")
def features(tmp_path_factory: pytest.TempPathFactory) -> Build:
    pages = {"index.md": INDEX}
    for path in FIXTURES.iterdir():
        pages[f"blog/{path.name}"] = path.read_text(encoding="utf-8")
    src = small_site(tmp_path_factory.mktemp("features") / "src", pages, [{"glob": "blog/*"}])
    return jupyter_book(src)


@pytest.fixture(scope="module")
def html(features: Build) -> Path:
    assert features.returncode == 0, features.output[-4000:]
    return features.html


def page_of(html: Path, slug: str):
    return soup(html / "blog" / f"{slug}.html")


def test_the_strict_build_is_clean(features: Build) -> None:
    assert features.returncode == 0, features.output[-4000:]
    assert not re.search(r"Traceback|ERROR|WARNING", features.output), features.output[-4000:]


@pytest.mark.parametrize("slug", POSTS)
def test_math_is_mathml_with_numbered_equations_and_working_links(html: Path, slug: str) -> None:
    page = page_of(html, slug)
    article = page.select_one("article")
    assert article.select("p math:not([display])"), "inline math in the prose"
    assert "$" not in article.get_text(), "no TeX left as raw text"
    blocks = article.select("div.math")
    assert len(blocks) >= 3
    numbers = [block.select_one(".eqno").get_text().removesuffix("#") for block in blocks]
    assert numbers == [f"({n})" for n in range(1, len(blocks) + 1)]
    for block in blocks:
        assert block.select_one("math[display=block] > *"), block
    links = article.select('a.reference[href^="#equation-"]')
    assert links
    for link in links:
        target = page.find(id=link["href"][1:])
        assert target is not None and "math" in target["class"]
        assert link.get_text() == target.select_one(".eqno").get_text().removesuffix("#")


def test_no_page_loads_a_math_engine(html: Path) -> None:
    for path in html.rglob("*.html"):
        assets = re.findall(r"<(?:script|link)[^>]*>", path.read_text(encoding="utf-8"))
        assert not re.search(r"mathjax|katex", " ".join(assets), re.I), path
    assert not list(html.rglob("*mathjax*")) and not list(html.rglob("*katex*"))


@pytest.mark.parametrize("slug", POSTS)
def test_cited_works_are_listed_at_the_end_of_the_post(html: Path, slug: str) -> None:
    page = page_of(html, slug)
    article = page.select_one("article")
    references = article.select("section.site-references")
    assert len(references) == 1 and references[0].select_one("h2").get_text() == "References#"
    assert article.select("section")[-1] is references[0], "the list ends the post"
    entry = references[0].select_one('[id="footcite-garcia-molina-1987-sagas"]')
    text = " ".join(entry.get_text().split())
    assert "Hector Garcia-Molina and Kenneth Salem. Sagas." in text
    assert "Proceedings of the 1987 ACM SIGMOD International Conference" in text
    mark = article.select_one('a.footnote-reference[href="#footcite-garcia-molina-1987-sagas"]')
    assert mark.get_text() == "[1]"
    assert page.select_one('nav a[href="#references"]'), "the outline lists it"
    assert not soup(html / "index.html").select(".site-references"), "only citing pages list"


def test_the_feed_carries_the_citation_mark_but_not_the_list(html: Path) -> None:
    feed = (html / "blog" / "atom.xml").read_text(encoding="utf-8")
    assert feed.count("<entry>") == len(POSTS)
    assert "notebook-features.html#footcite-garcia-molina-1987-sagas" in feed
    assert "Kenneth Salem" not in feed and "References" not in feed


@pytest.mark.parametrize(
    ("slug", "figure", "value"),
    [
        ("notebook-features", "fig-squares", "42"),
        ("jupyter-features", "fig-growth", "42"),
    ],
)
def test_numbered_figures_and_glued_values(html: Path, slug: str, figure: str, value: str) -> None:
    page = page_of(html, slug)
    link = page.select_one(f'article a[href="#{figure}"]')
    assert link.get_text() == "Fig. 1"
    shown = page.find(id=figure)
    assert shown.name == "figure"
    assert shown.select_one("img")["alt"]
    assert (html / "blog" / shown.select_one("img")["src"]).is_file()
    assert shown.select_one("figcaption .caption-number").get_text().strip() == "Fig. 1"
    assert [v.get_text() for v in page.select("article p .pasted-text")] == [value]


# -- in Chromium -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_server(html: Path):
    with serving(html) as url:
        yield url


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.evaluate(
        "e => { const b = e.getBoundingClientRect(); "
        "return {left: b.left, right: b.right, top: b.top, bottom: b.bottom}; }"
    )


@pytest.mark.parametrize("slug", POSTS)
def test_margin_note_beside_the_text_on_desktops_and_inline_on_phones(
    browser, fixture_server: str, slug: str
) -> None:
    for width, height in VIEWPORTS.values():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(f"{fixture_server}blog/{slug}.html", wait_until="load")
        note = page.get_by_role("complementary", name=re.compile("margin", re.I))
        assert note.count() == 1, "an <aside> named for screen readers"
        box, text = _box(page, "aside.margin"), _box(page, "article")
        after = _box(page, "aside.margin + p")  # the paragraph written after the note
        if width >= 1200:
            assert box["left"] > (text["left"] + text["right"]) / 2, "in the right margin"
            assert box["top"] < after["bottom"] and after["top"] < box["bottom"], "beside it"
            line = page.locator("aside.margin + p").evaluate(
                "p => { const r = document.createRange(); r.selectNodeContents(p); "
                "return r.getClientRects()[0].right; }"
            )
            assert line <= box["left"], "the text flows beside the note, not under it"
        else:
            assert abs(box["left"] - text["left"]) < 2 and abs(box["right"] - text["right"]) < 2
            assert box["bottom"] <= after["top"], "inline, before the next paragraph"
        context.close()


def test_posts_request_nothing_from_other_hosts(browser, fixture_server: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    for slug in POSTS:
        page.goto(f"{fixture_server}blog/{slug}.html", wait_until="networkidle")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # lazy images
        page.wait_for_load_state("networkidle")
    context.close()
    assert [url for url in requested if not url.startswith((fixture_server, "data:"))] == []
    assert errors == []


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_axe_finds_no_violations_on_the_feature_posts(
    browser, fixture_server: str, width: str, mode: str
) -> None:
    if not AXE.is_file():
        missing_tool("axe-core")
    w, h = VIEWPORTS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, color_scheme=mode)
    page = context.new_page()
    found = {}
    for slug in POSTS:
        page.goto(f"{fixture_server}blog/{slug}.html", wait_until="load")
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        for violation in result["violations"]:
            targets = [n["target"] for n in violation["nodes"]][:3]
            found.setdefault(slug, []).append(f"{violation['id']}: {violation['help']} {targets}")
    context.close()
    assert found == {}


# -- author mistakes ---------------------------------------------------------------------------


def mistaken_post(title: str, body: str) -> str:
    front = 'date: "2020-01-04"\ntags: [testing]\nauthor: Andrew Dryga\n'
    return post(title, front, body, notebook=False, lead=False)


#: Page -> (its text, the text on the line at fault, the start of the message).
MISTAKES = {
    "unknown-key.md": (
        mistaken_post("Unknown key", "A claim {cite}`no-such-work-1999`.\n"),
        "{cite}`no-such-work-1999`",
        'unknown citation key "no-such-work-1999": add an entry with that key to references.bib',
    ),
    "broken-tex.md": (
        mistaken_post("Broken TeX", "Some text.\n\n$$\nx = \\frac{1}{2\n$$\n"),
        "\\frac{1}{2",
        "broken TeX in math",
    ),
    "missing-label.md": (
        mistaken_post("Missing label", "As {eq}`no-such-equation` shows.\n"),
        "{eq}`no-such-equation`",
        '{eq} refers to "no-such-equation", but no equation has that label',
    ),
}


@pytest.fixture(scope="module")
def mistakes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Build, dict, dict]:
    pages = {"index.md": INDEX, **{f"blog/{name}": text for name, (text, *_) in MISTAKES.items()}}
    src = small_site(tmp_path_factory.mktemp("mistakes") / "src", pages, [{"glob": "blog/*"}])
    before = tree_hashes(src)
    build = jupyter_book(src, strict=False)  # what an author runs: it must fail too
    return build, before, tree_hashes(src)


def test_mistakes_stop_the_build_with_sources_untouched(mistakes) -> None:
    build, before, after = mistakes
    assert build.returncode != 0
    assert "Traceback" not in build.output
    assert after == before


@pytest.mark.parametrize("name", MISTAKES)
def test_each_mistake_is_one_located_line(mistakes, name: str) -> None:
    build = mistakes[0]
    text, at_fault, message = MISTAKES[name]
    line = next(n for n, words in enumerate(text.splitlines(), 1) if at_fault in words)
    lines = [text for text in build.output.splitlines() if name in text]
    assert len(lines) == 1, "\n".join(lines)
    assert f"blog/{name}:{line}: " in lines[0] and message in lines[0], lines[0]


def test_a_broken_bibtex_file_is_one_located_line_and_the_build_goes_on(tmp_path: Path) -> None:
    """sphinxcontrib-bibtex would stop with a traceback; the author gets the file and line."""
    cites = mistaken_post("Cites", "A claim {cite}`garcia-molina-1987-sagas`.\n")
    src = small_site(tmp_path / "src", {"index.md": INDEX, "blog/cites.md": cites}, [])
    bib = src / "references.bib"
    bib.write_text(bib.read_text() + "@article{broken,\n  title = {Unclosed\n")
    line = len(bib.read_text().splitlines())  # its last line, where pybtex meets the end
    build = jupyter_book(src, strict=False)
    assert build.returncode != 0
    assert "Traceback" not in build.output
    lines = [text for text in build.output.splitlines() if "ERROR" in text or "WARNING" in text]
    assert lines == [
        f"{bib}:{line}: ERROR: not valid BibTeX (syntax error in line {line}: "
        "premature end of file); fix this entry so the works it lists can be cited"
    ]
