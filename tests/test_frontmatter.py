"""Front matter as authors write it: one reader, one post schema, one located line per mistake.

Most tests call the reader and the schema in-process (what the build's ``source-read`` and
``check`` both call). One small site carries many mistakes at once and two good notebook
posts, and is built once, strictly with --keep-going, so every mistake is reported together.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from dryga_site.authoring.check import front_matter_problems
from dryga_site.authoring.cli import main, notebook_post
from dryga_site.core import frontmatter
from dryga_site.core.frontmatter import FrontMatterError, read
from dryga_site.core.pages import read_page
from dryga_site.core.projects import validate_project, validate_slug
from helpers import Build, jupyter_book, small_site, soup, tree_hashes

GOOD = 'title: "A post"\nblogpost: true\ndate: "2021-03-04"\ntags: [elixir]\n'
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def md_post(front: str, body: str = "The lead paragraph.\n") -> str:
    return f"---\n{front}---\n\n{body}"


def notebook(metadata: dict, *cells: dict, kernelspec: bool = True) -> str:
    """A notebook's JSON as JupyterLab saves it (one-space indent, a line per source line)."""
    nb = nbformat.v4.new_notebook(
        metadata={**metadata, **({"kernelspec": KERNEL} if kernelspec else {})}
    )
    nb.cells = [nbformat.from_dict(c) for c in cells]
    for cell in nb.cells:
        cell["source"] = cell["source"].splitlines(keepends=True)
    return json.dumps(nb, indent=1) + "\n"


def markdown(source: str) -> dict:
    return {"cell_type": "markdown", "id": "md", "metadata": {}, "source": source}


def code(source: str) -> dict:
    return {
        "cell_type": "code",
        "id": "code",
        "metadata": {},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }


def problems(name: str, text: str) -> list[tuple[int, str]]:
    return read_page(name, text).problems


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


# ------------------------------------------------------------------------------ the reader


@pytest.mark.parametrize(
    "source",
    [
        "---\ntitle: a\n---\nbody\n",
        "---\ntitle: a\n...\nbody\n",
        "---\ntitle: a\n---   \nbody\n",
        "-----\ntitle: a\n---\n-----\nbody\n",
        "---\ntitle: a\nnote: '---'\n---\nbody\n",
    ],
    ids=["dashes", "dots", "trailing-spaces", "longer-opener", "dashes-in-a-value"],
)
def test_the_reader_ends_front_matter_where_myst_does(source: str) -> None:
    tokens = MarkdownIt().use(front_matter_plugin).parse(source)
    assert tokens[0].type == "front_matter"
    assert frontmatter.front_matter_text(source).rstrip("\n") == tokens[0].content.rstrip("\n")


def test_the_reader_gives_each_key_its_line_and_keeps_dates_as_text() -> None:
    front = read("---\ntitle: a\n# a comment\ndate: 2020-01-02\ntags:\n  - x\nlast: 1\n---\n")
    assert front.lines == {"title": 2, "date": 4, "tags": 5, "last": 7}
    assert front.data["date"] == "2020-01-02"


def test_aliases_are_refused_so_front_matter_cannot_explode() -> None:
    lines = ["---", "a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    with pytest.raises(FrontMatterError) as caught:
        read("\n".join([*lines, "---", ""]))
    assert caught.value.line == 3
    assert "found an alias (*name); write the value out instead" in str(caught.value)


def test_a_key_given_twice_is_one_located_line() -> None:
    with pytest.raises(FrontMatterError) as caught:
        read("---\ntitle: a\ndate: '2020-01-02'\ntitle: b\n---\n")
    assert (caught.value.line, str(caught.value)) == (
        4,
        "title: given twice (lines 2 and 4); keep one of the two",
    )
    text = md_post(GOOD + 'title: "Again"\n')
    assert problems("blog/twice.md", text) == [
        (6, "title: given twice (lines 2 and 6); keep one of the two")
    ]


# ------------------------------------------------------------------------ the post schema

#: A line that replaces GOOD's line with the same key (or comes after them), and the one
#: located message it must give. GOOD's keys are on lines 2 to 5.
MISTAKES = {
    "year-one": ("date: 0001-01-01", 4, "date: '0001-01-01' is not between 1990 and 2100"),
    "year-2150": ('date: "2150-06-01"', 4, "date: '2150-06-01' is not between 1990 and 2100"),
    "impossible": ("date: 2018-13-45", 4, "date: '2018-13-45' is not a real date; write it"),
    "a-number": ("date: 2018", 4, "date: 2018 is not a real date; write it as"),
    "control": ('title: "Tab\\there"', 2, "title: holds the invisible control character U+0009"),
    "bidi": ('title: "evil\\u202Etxt"', 2, "title: holds the invisible control character U+202E"),
    "tags-text": (
        "tags: elixir, Testing",
        5,
        "tags: must be a list, not text; write tags: [elixir, testing]",
    ),
    "tags-slash": (
        "tags: [ok, a/b]",
        5,
        "tags: 'a/b' is not a tag; use lower-case words joined by hyphens, e.g. a-b",
    ),
    "tags-dots": ("tags: [../etc]", 5, "tags: '../etc' is not a tag; use lower-case words joined"),
    "tags-bidi": ('tags: ["x\\u202Ey"]', 5, "tags: 'x\\u202ey' is not a tag"),
    "draft-text": ("draft: maybe", 6, "draft: must be true or false"),
    "no-title": ("title:", 1, 'title: missing; add a line like title: "Post title"'),
    "placeholder": (
        'description: "One sentence on what a reader takes away from this post."',
        6,
        "description: still the placeholder; sum the post up in one sentence",
    ),
}


@pytest.mark.parametrize("case", MISTAKES, ids=list(MISTAKES))
def test_each_mistake_in_a_post_is_one_located_line(case: str) -> None:
    replacement, line, message = MISTAKES[case]
    key = replacement.split(":", 1)[0]
    lines = [
        f"{replacement}\n" if old.startswith(f"{key}:") else old for old in GOOD.splitlines(True)
    ]
    lines += (
        [] if any(old.startswith(f"{key}:") for old in GOOD.splitlines()) else [f"{replacement}\n"]
    )
    text = md_post("".join(x for x in lines if x != "title:\n"))
    found = problems(f"blog/{case}.md", text)
    assert len(found) == 1, found
    assert found[0][0] == line, (text, found)
    assert found[0][1].startswith(message), found
    assert "\n" not in found[0][1]


def test_values_are_fixed_in_memory_on_the_same_lines() -> None:
    text = md_post(
        'title: "Zoned"\nblogpost: true\ndate: 2020-01-02T23:30:00-05:00  # evening in NY\n'
        "tags:\n  - Elixir\n  - elixir\n  - OTP\ndate_approximate: false\n"
    )
    page = read_page("blog/zoned.md", text)
    assert page.problems == []
    assert page.meta["date"].isoformat() == "2020-01-03"  # the day in UTC
    assert page.meta["tags"] == ["elixir", "otp"]  # case does not split a tag in two
    fixed = page.source.splitlines()
    assert len(fixed) == len(text.splitlines()) and fixed[9:] == text.splitlines()[9:]
    assert json.loads(fixed[1]) == {**page.meta, "date": "2020-01-03"}


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2020-01-02", "2020-01-02"),
        ("2020-01-02 22:30", "2020-01-02"),
        ("2020-01-02T22:30:00-05:00", "2020-01-03"),
        ("2020-01-02 22:30:00 -5", "2020-01-03"),
        ("2020-01-03T01:00:00+02:00", "2020-01-02"),
        ("2020-01-02T12:00:00Z", "2020-01-02"),
    ],
)
def test_a_date_with_a_time_zone_is_the_day_in_utc(written: str, day: str) -> None:
    page = read_page("blog/zoned.md", md_post(f"title: Zoned\nblogpost: true\ndate: {written}\n"))
    assert (page.problems, page.meta["date"].isoformat()) == ([], day)


def test_a_page_in_the_blog_is_a_post_unless_it_says_otherwise() -> None:
    text = '---\ntitle: "Dropped in"\ndate: 2024-03-01\n---\n\nThe lead.\n'
    post = read_page("blog/dropped.md", text)
    assert post.meta["blogpost"] is True and post.problems == []
    opted_out = read_page("blog/dropped.md", text.replace("date:", "blogpost: false\ndate:"))
    assert opted_out.meta["blogpost"] is False
    assert "blogpost" not in read_page("about.md", text).meta
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# My Title\n\nSome text."}]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = {"cells": cells, "nbformat": 4, "nbformat_minor": 5}
    notebook["metadata"] = {"kernelspec": kernel, "date": "2020-01-01"}
    unmarked = read_page("blog/unmarked.ipynb", json.dumps(notebook))
    assert unmarked.problems == [] and unmarked.meta["title"] == "My Title"
    assert "# My Title" not in unmarked.source  # the one title, taken from its H1


def test_an_empty_post_is_an_error() -> None:
    assert problems("blog/empty.md", "") == [
        (1, "the post is empty; write its front matter and text, or delete it")
    ]
    assert problems("blog/blank.md", md_post(GOOD, body="")) == [
        (1, "the post has no text: write it below the front matter")
    ]


def test_project_slugs_taglines_and_titles() -> None:
    assert validate_slug("sage") == []
    assert validate_slug("My Project") == [
        "slug: 'My Project' is not allowed in a file name; rename the file to my-project "
        "(lower-case letters, digits and hyphens)"
    ]
    meta = {
        "title": "Sage",
        "tagline": "Sagas\u2066 for Elixir",
        "kind": "open-source",
        "domains": [],
        "order": 1,
    }
    assert validate_project(meta) == [
        "tagline: holds the invisible control character U+2066; delete it"
    ]


# ----------------------------------------------------------------------- notebook posts


def test_a_notebook_reads_front_matter_from_its_metadata() -> None:
    meta = {"title": "Nb", "blogpost": True, "date": "2021-02-03", "tags": ["Data"]}
    page = read_page("blog/nb.ipynb", notebook(meta, markdown("Lead.")))
    assert page.problems == []
    built = json.loads(page.source)
    assert built["metadata"]["tags"] == ["data"] and built["metadata"]["kernelspec"] == KERNEL


def test_front_matter_in_the_first_cell_moves_into_the_metadata() -> None:
    cell = markdown('---\ntitle: "From the cell"\nblogpost: true\ndate: 2021-02-03\n---\nLead.\n')
    page = read_page("blog/cell.ipynb", notebook({}, cell, code("1 + 1")))
    assert page.problems == []
    built = json.loads(page.source)
    assert built["metadata"]["title"] == "From the cell"
    assert built["metadata"]["date"] == "2021-02-03"
    assert [c["source"] for c in built["cells"]] == ["Lead.\n", ["1 + 1"]]


def test_a_bad_value_in_a_notebook_names_its_line() -> None:
    text = notebook({"title": "Nb", "blogpost": True, "date": "2021-02-30"}, markdown("Lead."))
    assert problems("blog/nb.ipynb", text) == [
        (
            line_of(text, '"date"'),
            "date: '2021-02-30' is not a real date; write it as \"YYYY-MM-DD\"",
        )
    ]
    cell = markdown("---\ntitle: Cell\nblogpost: true\ntags: [a/b]\n---\nLead.\n")
    text = notebook({}, cell)
    assert problems("blog/cell.ipynb", text) == [
        (
            line_of(text, '"tags: [a/b]'),
            "cell 1: tags: 'a/b' is not a tag; use lower-case words joined by hyphens, e.g. a-b",
        )
    ]


def test_metadata_and_first_cell_that_disagree_are_one_line_per_key() -> None:
    cell = markdown('---\ntitle: "Cell"\ndate: "2021-02-04"\n---\nLead.\n')
    text = notebook({"title": "Cell", "blogpost": True, "date": "2021-02-03"}, cell)
    assert problems("blog/twice.ipynb", text) == [
        (
            line_of(text, 'date: \\"2021-02-04'),
            "cell 1: date: '2021-02-04' here but '2021-02-03' in the notebook's metadata; "
            "keep one of the two",
        )
    ]


def test_a_broken_notebook_is_one_line_and_builds_as_a_stub() -> None:
    text = notebook({"title": "Nb", "blogpost": True}, markdown("Lead."))
    broken = text.replace('"Lead."', '"Lead.')
    found = problems("blog/broken.ipynb", broken)
    assert found == [
        (
            line_of(broken, '"Lead.'),
            "not a valid notebook (Invalid control character, column 11); fix the JSON, "
            "or open the notebook in JupyterLab and save it again",
        )
    ]
    nbformat.validate(nbformat.reads(read_page("blog/broken.ipynb", broken).source, 4))
    no_kernel = notebook(
        {"title": "Nb", "blogpost": True}, markdown("Lead."), code("1"), kernelspec=False
    )
    assert problems("blog/nokernel.ipynb", no_kernel) == [
        (
            line_of(no_kernel, '"metadata": {'),
            "metadata: no kernelspec; pick a kernel in JupyterLab (Kernel > Change Kernel) "
            'and save, or add "kernelspec": {"name": "python3", "display_name": "Python 3"}',
        )
    ]


# --------------------------------------------------------------------------------- the CLI


def test_new_post_ipynb_writes_a_ready_draft_notebook(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("title: Test\n")
    result = CliRunner().invoke(
        main, ["--root", str(tmp_path), "new", "post", "--ipynb", "Numbers, Run", "--tags", "Data"]
    )
    assert result.exit_code == 0, result.output
    assert "blog/numbers-run.ipynb" in result.output
    path = tmp_path / "blog" / "numbers-run.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.metadata.kernelspec.name) == (4, "python3")
    assert nb.metadata.title == "Numbers, Run" and nb.metadata.draft is True
    assert nb.metadata.tags == ["data"] and nb.metadata.blogpost is True
    assert [c.cell_type for c in nb.cells] == ["markdown", "code"]
    assert front_matter_problems(tmp_path) == []


def test_check_reports_a_config_yaml_error_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("title: Test\nhtml:\n  baseurl: [oops\n")
    before = tree_hashes(tmp_path)
    result = CliRunner().invoke(main, ["--root", str(tmp_path), "check"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "_config.yml:4: not valid YAML (expected ',' or ']', but got '<stream end>'); fix this line"
    ]
    assert "Traceback" not in result.output and tree_hashes(tmp_path) == before


def test_check_reports_a_toc_yaml_error_in_one_line(tmp_path: Path) -> None:
    """Jupyter Book stops with a traceback on a broken _toc.yml; check says where it is."""
    (tmp_path / "_config.yml").write_text("title: Test\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: [x\n")
    result = CliRunner().invoke(main, ["--root", str(tmp_path), "check"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "_toc.yml:5: not valid YAML (expected ',' or ']', but got '<stream end>'); fix this line"
    ]


def test_check_validates_notebooks_too(tmp_path: Path) -> None:
    (tmp_path / "blog").mkdir()
    text = notebook({"title": "Nb", "blogpost": True, "date": "2021-02-03", "tags": "x"})
    (tmp_path / "blog" / "nb.ipynb").write_text(text)
    tags = line_of(text, '"tags"')
    assert [str(p) for p in front_matter_problems(tmp_path)] == [
        "blog/nb.ipynb:1: the post has no text: add a Markdown cell",
        f"blog/nb.ipynb:{tags}: tags: must be a list, not text; write tags: [x]",
    ]


# ------------------------------------------------------------- one small site, built once

BAD_POSTS = {
    "blog/year-one.md": md_post('title: "Year one"\nblogpost: true\ndate: 0001-01-01\n'),
    "blog/zoned.md": md_post(
        'title: "Zoned"\nblogpost: true\ndate: 2020-01-02T10:00:00+02:00\ntags: [Shared]\n'
    ),
    "blog/bidi.md": md_post('title: "evil\\u202Etxt"\nblogpost: true\ndate: "2020-01-03"\n'),
    "blog/slashed.md": md_post('title: "Slashed"\nblogpost: true\ntags: [../up, shared]\n'),
    "blog/twice.md": md_post('title: "Twice"\nblogpost: true\ntitle: "Again"\n'),
    "blog/empty.md": "",
    "blog/bad-date.ipynb": notebook(
        {"title": "Bad date", "blogpost": True, "date": "2021-02-30"}, markdown("Lead.")
    ),
    "blog/broken.ipynb": notebook({"title": "Broken"}, markdown("Lead.")).replace(
        '"Lead."', '"Lead.'
    ),
    "blog/no-kernel.ipynb": notebook(
        {"title": "No kernel", "blogpost": True, "date": "2021-02-04"},
        markdown("Lead."),
        code("1"),
        kernelspec=False,
    ),
    "blog/disagree.ipynb": notebook(
        {"title": "Disagree", "blogpost": True, "date": "2021-02-03"},
        markdown("---\ndate: 2021-02-05\n---\nLead.\n"),
    ),
    "projects/Bad Slug.md": (
        '---\ntitle: "Bad slug"\ntagline: "One line"\nkind: product\ndomains: []\norder: 1\n'
        "---\n\nText.\n"
    ),
}
#: file -> the start of the one line it must produce (after "<file>:<line>: ERROR: ").
BAD_LINES = {
    "blog/year-one.md": "date: '0001-01-01' is not between 1990 and 2100",
    "blog/bidi.md": "title: holds the invisible control character U+202E; delete it",
    "blog/slashed.md": "tags: '../up' is not a tag; use lower-case words joined by hyphens",
    "blog/twice.md": "title: given twice (lines 2 and 4); keep one of the two",
    "blog/empty.md": "the post is empty; write its front matter and text, or delete it",
    "blog/bad-date.ipynb": "date: '2021-02-30' is not a real date",
    "blog/broken.ipynb": "not a valid notebook (Invalid control character, column 11)",
    "blog/no-kernel.ipynb": "metadata: no kernelspec; pick a kernel in JupyterLab",
    "blog/disagree.ipynb": "cell 1: date: '2021-02-05' here but '2021-02-03' in the notebook's",
    "projects/Bad Slug.md": "slug: 'Bad Slug' is not allowed in a file name; rename the file to",
}
GOOD_POSTS = {
    "blog/meta-post.ipynb": notebook(
        {"title": "Metadata post", "blogpost": True, "date": "2021-05-06", "tags": ["Shared"]},
        markdown("The lead paragraph of a notebook post."),
        code("print(6 * 7)"),
    ),
    "blog/cell-post.ipynb": notebook(
        {},
        markdown(
            '---\ntitle: "Cell post"\nblogpost: true\ndate: 2021-05-07\ntags: [shared]\n---\n'
            "The lead paragraph, typed in JupyterLab.\n"
        ),
    ),
    "blog/new-draft.ipynb": notebook_post("A new draft", ["shared"], date(2021, 5, 8)),
}


@dataclass(frozen=True)
class Fixture:
    build: Build
    before: dict[str, str]


@pytest.fixture(scope="module")
def mistakes(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    pages = {"index.md": "# Home\n\n```{postlist} 3\n```\n", **BAD_POSTS, **GOOD_POSTS}
    src = small_site(
        tmp_path_factory.mktemp("mistakes"), pages, [{"glob": "blog/*"}, {"glob": "projects/*"}]
    )
    before = tree_hashes(src)
    return Fixture(jupyter_book(src), before)


def test_every_mistake_is_one_line_with_keep_going(mistakes: Fixture) -> None:
    build = mistakes.build
    assert build.returncode != 0
    assert "Traceback" not in build.output and "Exception" not in build.output
    # file -> the messages of its lines, cut to the expected length; any other line is a failure.
    located = re.compile(
        rf"{re.escape(str(build.src))}/(?P<name>[^:]+):\d+: ERROR: (?P<message>.*)"
    )
    found: dict[str | None, list[str]] = {}
    for line in build.output.splitlines():
        if match := located.fullmatch(line):
            message = match["message"][: len(BAD_LINES.get(match["name"], ""))]
            found.setdefault(match["name"], []).append(message)
        elif re.search(r"WARNING|ERROR", line):
            found.setdefault(None, []).append(line)
    assert found == {name: [message] for name, message in BAD_LINES.items()}
    assert tree_hashes(build.src) == mistakes.before  # nothing written into the sources


def test_notebook_posts_build_and_are_listed(mistakes: Fixture) -> None:
    html = mistakes.build.html
    listed = [a["href"] for a in soup(html / "blog.html").select(".post-list__title a")]
    assert "blog/meta-post.html" in listed and "blog/cell-post.html" in listed
    assert "blog/zoned.html" in listed  # a date with a time zone is a date
    for slug, title in [("meta-post", "Metadata post"), ("cell-post", "Cell post")]:
        page = soup(html / f"blog/{slug}.html")
        assert page.h1.get_text().rstrip("#") == title
        assert not page.find(string=re.compile("^---$|blogpost"))  # the block is not text
    assert "42" in soup(html / "blog/meta-post.html").select_one(".cell_output").get_text()
    tag = soup(html / "blog/tag/shared.html").get_text()
    assert "Zoned" in tag and "Metadata post" in tag and "Cell post" in tag
    assert not (html / "blog/tag/Shared.html").exists()
    # What `new post --ipynb` writes builds strictly: a draft, off the lists, its code run.
    assert "blog/new-draft.html" not in listed and "A new draft" not in tag
    draft = soup(html / "blog/new-draft.html")
    assert draft.h1.get_text().rstrip("#") == "A new draft"
    assert draft.select_one(".cell_output").get_text(strip=True) == "55"
