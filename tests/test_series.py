"""Series of posts: "Part N of M" with every part linked, the previous and next part at the end,
a series page, and drafts counted nowhere until published.

One strict build of a small site: a series of three posts whose second part is a draft, and a
post outside the series.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dryga_site.authoring.check import front_matter_problems
from dryga_site.authoring.cli import main
from helpers import Fixture, fixture_site, post, soup

SERIES = "Sagas in practice"
FRONT = f'series: "{SERIES}"\n'


@pytest.fixture(scope="module")
def saga(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    posts = {
        "s-one": post("One", f'date: "2020-01-01"\n{FRONT}series_part: 1\n', notebook=False),
        "s-two": post(
            "Two", f'date: "2020-02-01"\ndraft: true\n{FRONT}series_part: 2\n', notebook=False
        ),
        "s-three": post("Three", f'date: "2020-03-01"\n{FRONT}series_part: 3\n', notebook=False),
        "other": post("Other", 'date: "2020-04-01"\n', notebook=False),
    }
    return fixture_site(tmp_path_factory.mktemp("series"), posts, "strict")


@pytest.fixture(scope="module")
def html(saga: Fixture) -> Path:
    assert saga.build.returncode == 0, saga.build.output[-3000:]
    return saga.build.html


def test_each_published_part_says_which_part_it_is_and_links_every_part(html: Path) -> None:
    one, three = soup(html / "blog/s-one.html"), soup(html / "blog/s-three.html")
    assert one.select_one(".post-series__title").get_text(" ", strip=True) == (
        f"Part 1 of 2 of {SERIES}"
    )
    assert three.select_one(".post-series__title").get_text(" ", strip=True) == (
        f"Part 2 of 2 of {SERIES}"
    )
    parts = one.select(".post-series__parts li")
    assert [li.get_text(strip=True) for li in parts] == ["One", "Three"]
    assert parts[0].select_one("[aria-current=page]") is not None  # this part: not a link
    assert parts[1].a["href"] == "s-three.html"
    # the series box sits under the title, before the post's text
    body = str(one.select_one("article"))
    assert body.index("post-series") < body.index("The lead paragraph of One")


def test_parts_link_their_previous_and_next_part_at_the_end(html: Path) -> None:
    one, three = soup(html / "blog/s-one.html"), soup(html / "blog/s-three.html")
    assert one.select_one(".post-series-nav__prev") is None
    assert one.select_one(".post-series-nav__next")["href"] == "s-three.html"
    assert "Three" in one.select_one(".post-series-nav__next").get_text()
    assert three.select_one(".post-series-nav__prev")["href"] == "s-one.html"
    assert three.select_one(".post-series-nav__next") is None


def test_the_series_page_lists_its_published_parts_and_each_part_links_it(html: Path) -> None:
    page = soup(html / "blog/series/sagas-in-practice.html")
    assert page.h1.get_text(strip=True) == SERIES
    assert [a.get_text() for a in page.select(".post-series__parts a")] == ["One", "Three"]
    for slug in ("s-one", "s-three"):
        link = soup(html / f"blog/{slug}.html").select_one(".post-series__title a")
        assert link["href"] == "series/sagas-in-practice.html"


def test_a_draft_part_is_counted_nowhere(html: Path) -> None:
    draft = soup(html / "blog/s-two.html")
    assert draft.select_one(".post-series") is None
    assert draft.select_one(".post-series-nav") is None
    for page in ("blog/series/sagas-in-practice.html", "blog/s-one.html", "blog/s-three.html"):
        assert "Two" not in soup(html / page).select_one(".post-series__parts").get_text()
    assert soup(html / "blog/other.html").select_one(".post-series") is None


def test_check_reports_the_gap_the_draft_leaves(saga: Fixture) -> None:
    result = CliRunner().invoke(main, ["--root", str(saga.build.src), "check", "--no-build"])
    three = saga.build.src / "blog/s-three.md"
    line = next(n for n, t in enumerate(three.read_text().splitlines(), 1) if "series_part" in t)
    assert (
        f"blog/s-three.md:{line}: series_part: 3, but no published part 2; "
        "renumber the parts, or publish the missing one"
    ) in result.output.splitlines()
    assert "s-one.md" not in result.output


def test_a_duplicate_part_and_bad_values_are_one_located_line_each(tmp_path: Path) -> None:
    (tmp_path / "blog").mkdir()
    (tmp_path / "_config.yml").write_text("title: x\n", encoding="utf-8")
    pages = {
        "a": post("A", f'date: "2020-01-01"\n{FRONT}series_part: 1\n', notebook=False),
        "b": post("B", f'date: "2020-01-02"\n{FRONT}series_part: 1\n', notebook=False),
        "c": post("C", 'date: "2020-01-03"\nseries: [not, text]\n', notebook=False),
        "d": post("D", f'date: "2020-01-04"\n{FRONT}series_part: -2\n', notebook=False),
    }
    for slug, text in pages.items():
        (tmp_path / "blog" / f"{slug}.md").write_text(text, encoding="utf-8")
    problems = [str(p) for p in front_matter_problems(tmp_path)]
    assert problems == [
        "blog/c.md:5: series: must be one line of text in quotes",
        "blog/d.md:6: series_part: -2 is not a whole number from 1, e.g. 2",
    ]
    result = CliRunner().invoke(main, ["--root", str(tmp_path), "check", "--no-build"])
    assert "blog/b.md:6: series_part: 1 is also the part of blog/a.md" in result.output
