"""Drafts and scheduled posts stay off every published page; edits rebuild what a clean build
would; ablog's private parts the adapter relies on are still there.

Two small fixture sites with the real configuration and templates: one with a draft, a
scheduled post and a page linking to both; one edited between builds and compared with a
clean build of the same sources.
"""

from __future__ import annotations

import inspect
import json
import pickle
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import ablog.blog
import ablog.post
import feedparser
import nbformat
import pytest
from click.testing import CliRunner
from docutils import nodes
from docutils.utils import new_document
from sphinx.events import EventManager

from dryga_site.authoring.check import read_sources, scheduled_notes
from dryga_site.authoring.cli import main
from dryga_site.authoring.new import notebook_post as notebook_text
from dryga_site.blog import ablog_adapter
from dryga_site.blog.listings import feed_copy
from dryga_site.core import posts
from dryga_site.core.pages import Folders
from dryga_site.extension.shared import NOT_IN_FEED
from helpers import ROOT, Build, Fixture, fixture_site, jupyter_book, post, small_site, soup

DUE = "2099-01-05"
#: The fixture's published posts; the .ipynb one is listed like the others.
NEWEST_FIRST = ["d-last", "f-notebook", "a-first", "e-linker"]
STAMP = re.compile(rb'Outputs generated on <time datetime="[^"]*">[^<]*</time>')


# ablog's private parts, used by dryga_site/blog/ablog_adapter.py only -----------------------------


def test_ablog_still_has_the_cut_off_day_and_the_shared_blog_state() -> None:
    assert isinstance(ablog.blog.TOMORROW, datetime)
    assert ablog.blog.TOMORROW.time() == datetime.min.time()
    assert isinstance(vars(ablog.blog.Blog)["_dict"], dict)
    assert "self.__dict__ = self._dict" in inspect.getsource(ablog.blog.Blog.__init__)
    assert "TOMORROW" in inspect.getsource(ablog.blog.Blog.register)


def test_ablog_still_wraps_excerpts_and_writes_pages_from_these_handlers() -> None:
    assert "ablog-post-excerpt" in inspect.getsource(ablog.blog.Post.to_html)
    wrapped = '<p class="ablog-post-excerpt"><p>Lead.</p>\n</p>\n'
    assert ablog_adapter.excerpt_inside(wrapped) == "<p>Lead.</p>\n"
    for name in ablog_adapter.ABLOG_PAGE_WRITERS:
        assert inspect.isgeneratorfunction(getattr(ablog.post, name)), name
    source = inspect.getsource(ablog.setup)
    assert all(
        f'"html-collect-pages", {name}' in source for name in ablog_adapter.ABLOG_PAGE_WRITERS
    )


def test_sphinx_listeners_can_still_be_found_and_disconnected() -> None:
    events = EventManager(None)  # type: ignore[arg-type]
    events.add("html-collect-pages")  # an html builder event
    listener_id = events.connect("html-collect-pages", ablog.post.generate_atom_feeds, 500)
    (listener,) = events.listeners["html-collect-pages"]
    assert (listener.id, listener.handler) == (listener_id, ablog.post.generate_atom_feeds)


def test_parts_marked_not_in_feed_are_left_out_of_the_feed_copy() -> None:
    doctree = new_document("post")
    kept = nodes.paragraph("", "Kept.")
    left_out = nodes.section("", nodes.title("", "References"))
    left_out[NOT_IN_FEED] = True
    doctree += [kept, left_out]
    assert feed_copy(doctree).astext() == "Kept."


def test_a_post_dated_after_today_is_scheduled() -> None:
    today = date(2026, 3, 4)
    assert posts.state_of({"date": "2026-03-04"}, today) == "published"
    assert posts.state_of({"date": "2026-03-05"}, today) == "scheduled"
    assert posts.state_of({"date": "2026-02-01", "draft": "true"}, today) == "draft"
    assert posts.state_of({"date": "2026-02-01", "draft": True}, today) == "draft"
    assert posts.state_of({}, today) == "draft"
    assert posts.is_listed({"date": "2026-03-04"}, today)
    assert not posts.is_listed({"date": "2026-03-05"}, today, show_drafts=True)
    assert posts.is_listed({"date": "2026-02-01", "draft": True}, today, show_drafts=True)
    assert not posts.is_listed({"draft": True}, today, show_drafts=True)  # no date to list by


def test_ablog_publishes_by_the_same_day_as_the_posts_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ablog lists posts dated before its cut-off; each build sets it from the one clock."""
    monkeypatch.setattr(ablog.blog, "TOMORROW", None)
    monkeypatch.setattr(ablog.blog.Blog, "_dict", {"posts": ["left by another build"]})
    ablog_adapter.start_build(None)  # type: ignore[arg-type]
    tomorrow = posts.today() + timedelta(days=1)
    assert ablog.blog.TOMORROW == datetime.combine(tomorrow, datetime.min.time())
    assert ablog.blog.Blog._dict == {}


# Drafts and scheduled posts ------------------------------------------------------------------


@pytest.fixture(scope="module")
def hidden(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    """Posts in table-of-contents order: a draft and a scheduled post between two published;
    the hidden two write about a project, whose page must not list them."""
    about_sage = "\nIt builds on {project}`sage`.\n"
    posts = {
        "a-first": post("First", 'date: "2020-01-01"\ntags: [shared]\n', notebook=False),
        "b-secret": post(
            "Secret",
            'date: "2020-06-01"\ndraft: true\ntags: [shared, sketch]\n',
            about_sage,
            notebook=False,
        ),
        "c-future": post(
            "Future", f'date: "{DUE}"\ntags: [shared, later]\n', about_sage, notebook=False
        ),
        "d-last": post("Last", 'date: "2021-01-01"\ntags: [shared]\n', notebook=False),
        "e-linker": post(
            "Linker",
            'date: "2019-05-05"\ntags: [shared]\n',
            "\nSee [the sketch](b-secret.md).\n\nAnd {doc}`c-future`.\n",
            notebook=False,
        ),
    }
    pages = {f"blog/{slug}.md": text for slug, text in posts.items()}
    pages["blog/f-notebook.ipynb"] = notebook_post()
    pages["index.md"] = "# Home\n\n```{postlist} 3\n```\n"
    pages["projects/sage.md"] = (ROOT / "projects/sage.md").read_text(encoding="utf-8")
    root = tmp_path_factory.mktemp("hidden")
    small_site(root, pages, [{"glob": "projects/*"}, {"glob": "blog/*"}])
    return Fixture(jupyter_book(root, strict=False), posts)


def notebook_post() -> str:
    """A published post written as a Jupyter notebook: its front matter is the metadata."""
    notebook = nbformat.from_dict(json.loads(notebook_text("Notebook", ["shared"], date.today())))
    notebook.metadata.update(
        draft=False, date="2020-03-03", tags=["shared", "notebooks"], description="A notebook."
    )
    notebook.cells = [notebook.cells[0]]  # its lead; no code to run
    return nbformat.writes(notebook)


def published_pages(html: Path) -> list[Path]:
    """Every page a reader can reach from the site, except the one that links to hidden posts."""
    hidden = {"b-secret.html", "c-future.html", "e-linker.html", "drafts.html"}
    return [p for p in html.rglob("*.html") if p.name not in hidden and "_static" not in p.parts]


def test_links_from_a_published_page_to_hidden_posts_are_one_line_each(hidden: Fixture) -> None:
    build = hidden.build
    assert build.returncode != 0 and "Traceback" not in build.output
    errors = [line for line in build.output.splitlines() if "ERROR" in line]
    assert len(errors) == 2, errors
    linker = r"blog/e-linker\.md:\d+: ERROR: links to blog/"
    assert re.search(linker + r"b-secret\.md, which is a draft", errors[0])
    assert re.search(linker + rf"c-future\.md, which is scheduled for {DUE}", errors[1])


def test_hidden_posts_appear_on_no_published_page(hidden: Fixture) -> None:
    html = hidden.build.html
    pages = published_pages(html)
    assert {"index.html", "blog.html", "archive.html", "shared.html", "sage.html"} <= {
        p.name for p in pages
    }
    extras = [html / "sitemap.xml", html / "searchindex.js"]
    for page in pages + extras:
        text = page.read_text(encoding="utf-8")
        for leak in ("b-secret", "c-future", "Secret", "Future"):
            assert leak not in text, f"{page.relative_to(html)} shows {leak}"
    assert not soup(html / "projects/sage.html").select(".site-backlinks")
    assert not (html / "blog/tag/later.html").exists()
    assert not (html / "blog/tag/sketch.html").exists()
    listed = [a["href"] for a in soup(html / "blog.html").select(".post-list__title a")]
    assert listed == [f"blog/{slug}.html" for slug in NEWEST_FIRST]
    feed = feedparser.parse((html / "blog/atom.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["Last", "Notebook", "First", "Linker"]
    for entry in feed.entries[:3]:  # the linker's own text is the error reported above
        assert "b-secret" not in str(entry) and "c-future" not in str(entry)


def test_next_and_prev_skip_hidden_posts(hidden: Fixture) -> None:
    html = hidden.build.html
    first, last = soup(html / "blog/a-first.html"), soup(html / "blog/d-last.html")
    assert first.select_one('link[rel="next"]')["href"] == "d-last.html"
    assert last.select_one('link[rel="prev"]')["href"] == "a-first.html"
    for position, slug in enumerate(NEWEST_FIRST):
        page = soup(html / f"blog/{slug}.html")
        newer, older = page.select_one(".post-nav__newer"), page.select_one(".post-nav__older")
        expected_newer = NEWEST_FIRST[position - 1] + ".html" if position else None
        expected_older = NEWEST_FIRST[position + 1 :][:1]
        assert (newer["href"] if newer else None) == expected_newer, slug
        older_href = [older["href"]] if older else []
        assert older_href == [f"{s}.html" for s in expected_older], slug


def test_a_notebook_post_is_tagged_and_listed_like_the_others(hidden: Fixture) -> None:
    html = hidden.build.html
    tagged = soup(html / "blog/tag/notebooks.html").select(".post-list__title a")
    assert [a["href"] for a in tagged] == ["../f-notebook.html"]
    shared = soup(html / "blog/tag/shared.html").select(".post-list__title a")
    assert "../f-notebook.html" in [a["href"] for a in shared]
    page = soup(html / "blog/f-notebook.html")
    assert page.select_one(".post-meta time")["datetime"] == "2020-03-03"
    assert [a.get_text() for a in page.select(".post-tags a")] == ["shared", "notebooks"]


def test_hidden_posts_are_built_for_their_author_and_say_what_they_are(hidden: Fixture) -> None:
    html = hidden.build.html
    future, secret = soup(html / "blog/c-future.html"), soup(html / "blog/b-secret.html")
    assert future.select_one(".post-line span").get_text() == "Scheduled for January 5, 2099"
    assert future.select_one(".post-line time")["datetime"] == DUE
    assert secret.select_one(".post-line span").get_text() == "Draft"
    for page in (future, secret):
        assert page.select_one('meta[name="robots"]')["content"] == "noindex"
        assert not page.select(".post-nav")


def test_check_says_which_posts_are_scheduled(hidden: Fixture) -> None:
    result = CliRunner().invoke(main, ["--root", str(hidden.build.src), "check", "--no-build"])
    assert f"blog/c-future.md: scheduled for {DUE}" in result.output.splitlines()
    assert "b-secret.md: scheduled" not in result.output  # a draft is not scheduled
    pages = read_sources(hidden.build.src, Folders())
    notes = scheduled_notes(pages, on=date(2099, 1, 5))
    assert notes == []  # due today: published


def test_the_feed_is_dated_by_its_newest_entry(hidden: Fixture) -> None:
    feed = feedparser.parse((hidden.build.html / "blog/atom.xml").read_bytes())
    assert feed.feed.updated == max(e.updated for e in feed.entries)


def test_the_environment_keeps_no_copy_of_each_post(hidden: Fixture) -> None:
    pickled = hidden.build.src / "_build/.doctrees/environment.pickle"
    env = pickle.loads(pickled.read_bytes())
    records = [record for records in env.ablog_posts.values() for record in records]
    assert len(records) == 6
    for record in records:
        assert {"date", "update", "excerpt", "doctree", "section", "title"} <= set(record)
        assert record["doctree"] is None and record["excerpt"]


# Edits rebuild exactly what a clean build would ---------------------------------------------


def outputs(build: Build) -> dict[str, bytes]:
    return {
        p.relative_to(build.html).as_posix(): STAMP.sub(b"", p.read_bytes())
        for p in build.html.rglob("*")
        if p.is_file() and p.name != ".buildinfo"
    }


def test_an_edited_post_rebuilds_to_what_a_clean_build_gives(tmp_path: Path) -> None:
    posts = {
        f"p{n}": post(f"Post {n}", f'date: "202{n}-03-04"\ntags: [t{n % 2}]\n', notebook=False)
        for n in range(4)
    }
    site = fixture_site(tmp_path / "site", posts, "strict").build.src
    edited = {
        "blog/p1.md": posts["p1"] + "\nA sentence added at the end.\n",
        "blog/p2.md": posts["p2"].replace("The lead paragraph", "The new lead paragraph"),
    }
    for name, text in edited.items():
        (site / name).write_text(text, encoding="utf-8")
    incremental = jupyter_book(site)
    assert incremental.returncode == 0, incremental.output[-3000:]
    assert re.search(r"updating environment: 0 added, [23] changed", incremental.output)
    clean = jupyter_book(site, out=tmp_path / "clean")
    assert clean.returncode == 0, clean.output[-3000:]
    mine, theirs = outputs(incremental), outputs(clean)
    assert sorted(mine) == sorted(theirs)
    assert [name for name in mine if mine[name] != theirs[name]] == []
    excerpts = soup(incremental.html / "blog.html").select(".post-excerpt")
    assert "The new lead paragraph of Post 2." in [e.get_text(strip=True) for e in excerpts]
