"""Real notebooks publish as their authors wrote them: any nbformat 4 notebook, in any JSON
layout, with its front matter in any of its three places, and one title.

The first part calls ``core/`` in-process (what the build's ``source-read`` and ``check``
both call): fast, no build. The second builds one small site, once for the module, holding
the synthetic notebooks written here and real ones by other people (the corpus in
``tests/fixtures/notebooks/``), strictly, and reads it as a reader would.
"""

from __future__ import annotations

import base64
import json
import random
import struct
import zlib
from pathlib import Path
from typing import Any

import nbformat
import pytest

from dryga_site.core import nbjson
from dryga_site.core.frontmatter import FrontMatterError
from dryga_site.core.notebook import quarto_front_matter
from dryga_site.core.pages import read_file, read_page
from dryga_site.core.titles import one_title

KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}
POST = {"blogpost": True, "date": "2024-03-01"}


def png() -> bytes:
    """A 1x1 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def markdown(source: str | list[str], **fields: Any) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source, **fields}


def raw(source: str | list[str], **metadata: Any) -> dict[str, Any]:
    return {"cell_type": "raw", "metadata": metadata, "source": source}


def code(source: str | list[str]) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "metadata": {},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }


def lines(text: str) -> list[str]:
    """A source as JupyterLab saves it: a list of lines."""
    return text.splitlines(keepends=True)


def notebook(cells: list[dict], minor: int = 5, layout: str = "lab", **metadata: Any) -> str:
    """A notebook's JSON: ``lab`` (one-space indent, as JupyterLab saves), ``compact`` (one
    line, as scripts write it) or ``wide`` (four spaces)."""
    if minor == 5:
        cells = [{"id": f"c{n}", **cell} for n, cell in enumerate(cells)]
    nb = {
        "cells": cells,
        "metadata": {"kernelspec": KERNEL, **metadata},
        "nbformat": 4,
        "nbformat_minor": minor,
    }
    if layout == "compact":
        return json.dumps(nb, separators=(",", ":"))
    return json.dumps(nb, indent=1 if layout == "lab" else 4) + "\n"


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def built(page_source: str) -> nbformat.NotebookNode:
    """The notebook the build reads, validated as nbformat 4.5."""
    nb = nbformat.reads(page_source, as_version=4)
    nbformat.validate(nb, version=4, version_minor=5)
    return nb


# --------------------------------------------------------------------- any valid notebook


@pytest.mark.parametrize("minor", [0, 1, 2, 3, 4, 5])
def test_every_nbformat_4_minor_reads_as_4_5_with_stable_ids(minor: int) -> None:
    text = notebook([markdown(lines("Lead.\n")), code("1 + 1")], minor, title="Old", **POST)
    page = read_page("blog/old.ipynb", text)
    assert page.problems == []
    nb = built(page.source)
    assert nb.nbformat_minor == 5
    ids = [cell.id for cell in nb.cells]
    assert len(set(ids)) == len(ids)
    assert read_page("blog/old.ipynb", text).source == page.source  # same every build


@pytest.mark.parametrize(
    ("version", "says"),
    [(3, "nbformat 3 (a notebook from IPython 3 or older)"), (5, "nbformat 5: the site reads")],
)
def test_a_notebook_the_site_cannot_read_is_one_located_line(version: int, says: str) -> None:
    text = json.dumps(
        {"metadata": {}, "nbformat": version, "nbformat_minor": 0, "worksheets": [], "cells": []},
        indent=1,
    )
    [(line, message)] = read_page("blog/v.ipynb", text).problems
    assert line == line_of(text, '"nbformat":')
    assert message.startswith(says)


def test_a_notebook_nbformat_refuses_is_one_line_at_the_wrong_value() -> None:
    wrong = code("1")
    wrong["outputs"] = [{"output_type": "stream", "text": "no name"}]
    text = notebook([markdown("Lead."), wrong], title="Wrong", **POST)
    [(line, message)] = read_page("blog/wrong.ipynb", text).problems
    assert line == line_of(text, '"output_type": "stream"') - 1  # where the output starts
    assert message.startswith("not a valid notebook: cells[1].outputs[0]: ")
    assert message.endswith("open the notebook in JupyterLab and save it again")


FRONT = '---\ntitle: "Compact"\nblogpost: true\ndate: "2024-02-30"\ntags: [a/b]\n---\nLead.\n'


@pytest.mark.parametrize(
    "source",
    [
        FRONT,
        lines(FRONT),
        [FRONT],
        [
            '---\ntitle: "Compact"\n',
            'blogpost: true\ndate: "2024-02-30"\ntags: [a/b]\n---\nLead.\n',
        ],
    ],
    ids=["string", "lines", "one-piece-list", "pieces"],
)
@pytest.mark.parametrize("layout", ["compact", "lab", "wide"])
def test_cell_front_matter_is_located_in_any_layout(source: Any, layout: str) -> None:
    text = notebook([markdown(source), code("1")], minor=4, layout=layout)
    found = read_page("blog/c.ipynb", text).problems
    assert [message for _, message in found] == [
        "cell 1: date: '2024-02-30' is not a real date; write it as \"YYYY-MM-DD\"",
        "cell 1: tags: 'a/b' is not a tag; use lower-case words joined by hyphens, e.g. a-b",
    ]
    for (line, _), fragment in zip(found, ["2024-02-30", "a/b"], strict=True):
        assert fragment in text.splitlines()[line - 1]


def test_json_line_never_raises_and_finds_what_is_there() -> None:
    """Fuzz: random notebooks in random layouts, asked for paths that exist and that do not."""
    rng = random.Random(18)
    words = ["a", "title", "---", "x\ny", '"q"', "ü", "[", "{", "\\"]
    for _ in range(300):
        cells = []
        for _ in range(rng.randint(0, 4)):
            text = "\n".join(rng.choices(words, k=rng.randint(0, 5)))
            source = rng.choice([text, lines(text), [text]])
            cells.append(rng.choice([markdown, code])(source))
        nb = {"cells": cells, "metadata": {"k": rng.choice([1, [1, 2], {"a": "b"}])}}
        text = json.dumps(nb, indent=rng.choice([None, 0, 1, 2, 4]))
        for _ in range(10):
            path = tuple(
                rng.choice(["cells", "metadata", "source", "k", "nope", 0, 1, 2, 7, -1])
                for _ in range(rng.randint(0, 5))
            )
            assert 1 <= nbjson.json_line(text, path) <= text.count("\n") + 1
        for number, cell in enumerate(cells):
            line = nbjson.json_line(text, ("cells", number, "source"))
            assert '"source"' in text.splitlines()[line - 1]
            written = nbjson.cell_text(cell).split("\n")
            at = rng.randint(1, len(written))  # a line of the cell: where is it in the file?
            shown = text.splitlines()[nbjson.source_line(text, cells, number, at) - 1]
            assert json.dumps(written[at - 1])[1:-1] in shown
    assert nbjson.json_line("not json {", ("cells", 3)) == 1
    assert nbjson.json_line('{"cells": [1, 2', ("cells", 5)) == 1


@pytest.mark.parametrize("as_list", [False, True])
def test_string_and_list_sources_build_alike(as_list: bool) -> None:
    text = "# Title from H1\n\nThe lead.\n"
    source = lines(text) if as_list else text
    page = read_page("blog/s.ipynb", notebook([markdown(source), code("1")], **POST))
    assert page.problems == [] and page.meta["title"] == "Title from H1"
    assert [cell.source for cell in built(page.source).cells] == ["The lead.\n", "1"]


def test_pasted_images_show_and_a_missing_one_is_one_line() -> None:
    data = base64.b64encode(png()).decode()
    cell = markdown(
        'A dot: ![a red dot](attachment:image.png) and <img src="attachment:image.png">\n',
        attachments={"image.png": {"image/png": data}},
    )
    page = read_page("blog/a.ipynb", notebook([cell, code("1")], title="A", **POST))
    assert page.problems == []
    [shown, _] = built(page.source).cells
    assert shown.source.count(f"data:image/png;base64,{data}") == 2
    assert "attachment:" not in shown.source and "attachments" not in shown
    missing = markdown("![gone](attachment:gone.png)\n", attachments={})
    text = notebook([missing], title="B", **POST)
    assert read_page("blog/b.ipynb", text).problems == [
        (
            line_of(text, "![gone]"),
            "cell 1: attachment:gone.png is not attached to the cell; paste the image into "
            "the cell again",
        )
    ]


def test_raw_cells_show_as_nbconvert_shows_them_on_a_web_page() -> None:
    cells = [
        markdown("Lead."),
        raw("<b>html</b>", raw_mimetype="text/html"),  # the classic Notebook's key
        raw("*md*", format="text/markdown"),
        raw("\\LaTeX", format="text/latex"),
        raw("no format"),
    ]
    page = read_page("blog/r.ipynb", notebook(cells, title="R", **POST))
    formats = [cell.metadata.get("format") for cell in built(page.source).cells[1:]]
    assert formats == ["text/html", "text/markdown", None, None]


# ---------------------------------------------------------- front matter where people put it

QUARTO = (
    '---\ntitle: "Matrix Multiplication"\nauthor: "Christian Wittmann"\ndate: 2022-10-28\n'
    'description: "What it is, in code."\ncategories: [math, Data Science]\n'
    'image: "card.png"\n---'
)


def test_quarto_front_matter_reads_a_raw_first_cell() -> None:
    cells = [raw(lines(QUARTO)), markdown("Lead.")]
    found = quarto_front_matter(cells)
    assert found is not None and found.index == 0
    assert found.block.data["date"] == "2022-10-28"  # dates stay as written
    assert found.block.data["categories"] == ["math", "Data Science"]
    assert found.block.lines["image"] == 7
    assert quarto_front_matter([markdown("---\ntitle: a\n---\n")]) is None
    assert quarto_front_matter([raw("plain raw text")]) is None
    assert quarto_front_matter([]) is None
    with pytest.raises(FrontMatterError) as caught:
        quarto_front_matter([raw("---\ntitle: [unclosed\n---\n")])
    assert caught.value.line == 3


def test_a_quarto_post_builds_with_quarto_meanings(tmp_path: Path) -> None:
    (tmp_path / "blog").mkdir()
    (tmp_path / "blog/card.png").write_bytes(png())
    text = notebook([raw(lines(QUARTO)), markdown("Lead."), code("1")], minor=4)
    page = read_page("blog/q.ipynb", text, root=tmp_path)
    assert page.problems == []
    meta = page.meta
    assert meta["blogpost"] is True and meta["title"] == "Matrix Multiplication"
    assert meta["tags"] == ["math", "data-science"] and "categories" not in meta
    assert meta["author"] == "Christian Wittmann"
    assert meta["description"] == "What it is, in code."
    assert meta["og:image"] == "card.png" and "image" not in meta  # ablog reads image as a number
    nb = built(page.source)
    assert [cell.cell_type for cell in nb.cells] == ["markdown", "code"]  # the raw cell is gone
    assert nb.metadata["tags"] == ["math", "data-science"]


def test_quarto_keys_the_site_does_not_read_are_one_line_naming_them() -> None:
    cell = raw(lines('---\ntitle: "Q"\nformat: html\ncode-fold: true\ndate: 2022-10-28\n---'))
    text = notebook([cell, markdown("Lead.")])
    assert read_page("blog/q.ipynb", text).problems == [
        (
            line_of(text, "format: html"),
            "cell 1: format, code-fold: not read by this site from a Quarto cell; delete them "
            "(it reads blogpost, title, date, draft, date_approximate, freeze, tags, "
            "description, author, image, image-alt, series, series_part, categories)",
        )
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"card.svg"', "image: 'card.svg' is not a picture link previews show; use a PNG, JPEG"),
        ('"https://x.org/c.png"', "image: 'https://x.org/c.png' is not a path from the post's"),
        ('"gone.png"', "image: blog/gone.png is not a file of the site; put the picture beside"),
        ("[1]", "image: must be the path of a picture beside the post"),
    ],
)
def test_a_wrong_image_is_one_line_at_its_key(tmp_path: Path, value: str, message: str) -> None:
    text = notebook([raw(lines(f'---\ntitle: "I"\nimage: {value}\n---')), markdown("Lead.")])
    [(line, found)] = read_page("blog/i.ipynb", text, root=tmp_path).problems
    assert line == line_of(text, "image: ") and found.startswith(f"cell 1: {message}")


def test_three_places_giving_a_key_two_ways_is_one_line_per_key() -> None:
    cells = [
        raw(lines('---\ntitle: "Raw"\ndate: 2022-10-28\n---')),
        markdown(lines('---\ntitle: "Raw"\ndate: 2022-10-29\n---\nLead.\n')),
    ]
    text = notebook(cells, title="Meta")
    assert read_page("blog/p.ipynb", text).problems == [
        (
            line_of(text, 'title: \\"Raw\\"'),
            "cell 1: title: 'Raw' here but 'Meta' in the notebook's metadata; keep one of the two",
        ),
        (
            line_of(text, "2022-10-29") - 1,
            "cell 2: title: 'Raw' here but 'Meta' in the notebook's metadata; keep one of the two",
        ),
        (
            line_of(text, "2022-10-29"),
            "cell 2: date: '2022-10-29' here but '2022-10-28' in cell 1; keep one of the two",
        ),
    ]


# ------------------------------------------------------------- dates, quoted or not, anywhere


def test_unquoted_dates_reach_the_build_as_text() -> None:
    """MyST, Jupytext and jupyter-cache read what the build hands on: no date objects."""
    jupytext = (
        "jupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n  name: python3\n"
    )
    for name, front in [
        ("blog/post.md", "title: Dated\nblogpost: true\ndate: 2024-03-01\n"),
        ("blog/not-a-post.md", "title: Dated\ndate: 2024-03-01\nupdated: 2024-03-02\n"),
        ("about.md", "title: About\ndate: 2024-03-01\nnested: {when: 2024-03-01}\n"),
    ]:
        text = f"---\n{front}{jupytext}---\n\nLead.\n\n```{{code-cell}} ipython3\n1\n```\n"
        page = read_page(name, text)
        assert page.problems == []
        handed_on = page.source.split("\n")[1]
        json.dumps(json.loads(handed_on))  # JSON all through: nothing that cannot be written
        assert '"date": "2024-03-01"' in handed_on
        assert page.source.count("\n") == text.count("\n")  # lines stay put


# --------------------------------------------------------------------------- one title

H1_CASES = {
    "no title: the H1 is the title": (
        None,
        ["# From H1\n\nLead.\n\n## Part\n"],
        "From H1",
        ["\n\nLead.\n\n## Part\n"],
    ),
    "same text: one heading": ("from *H1*", ["# From H1\n\nLead.\n"], "from *H1*", ["\n\nLead.\n"]),
    "different: the H1 is a section": (
        "Front",
        ["# Setup\n\nLead.\n\n## Sub\n"],
        "Front",
        ["## Setup\n\nLead.\n\n### Sub\n"],
    ),
    "sections in H1s move under the title": (
        None,
        ["# T\n", "# A\n\n## B\n\n# C\n"],
        "T",
        ["\n", "## A\n\n### B\n\n## C\n"],
    ),
    "no skipped levels": (
        "T",
        ["### deep\n\n###### deeper\n\n## up\n"],
        "T",
        ["## deep\n\n### deeper\n\n## up\n"],
    ),
    "fastpages quotes": (None, ['# "Quoted"\n'], "Quoted", ["\n"]),
    "fences hold no headings": (
        None,
        ["```\n# no\n```\n\n# Yes\n"],
        "Yes",
        ["```\n# no\n```\n\n\n"],
    ),
}


@pytest.mark.parametrize("case", list(H1_CASES))
def test_one_title(case: str) -> None:
    title, texts, want_title, want_texts = H1_CASES[case]
    settled = one_title(title, texts)
    assert (settled.title, settled.texts) == (want_title, want_texts)


def test_a_notebook_without_title_takes_its_h1_and_locates_it() -> None:
    cell = markdown(lines("# The Stable Matching Problem\n\nLead.\n\n# Preferences\n"))
    text = notebook([cell, code("1")], **POST)
    page = read_page("blog/m.ipynb", text)
    assert page.problems == [] and page.meta["title"] == "The Stable Matching Problem"
    assert built(page.source).cells[0].source == "Lead.\n\n## Preferences\n"
    bad = notebook([markdown(lines("# Bell \a here\n\nLead.\n"))], **POST)
    assert read_page("blog/m.ipynb", bad).problems == [
        (
            line_of(bad, "# Bell"),
            "cell 1: title: holds the invisible control character U+0007; delete it",
        )
    ]


def test_a_text_post_starting_with_its_title_shows_it_once() -> None:
    text = "---\nblogpost: true\ndate: 2024-03-01\n---\n\n# From The Body\n\nLead.\n"
    page = read_page("blog/t.md", text)
    assert page.problems == [] and page.meta["title"] == "From The Body"
    assert "# From The Body" not in page.source and page.source.count("\n") == text.count("\n")
    bad = text.replace("# From The Body", "# Bell \a")
    assert read_page("blog/t.md", bad).problems == [
        (6, "title: holds the invisible control character U+0007; delete it")
    ]


# ------------------------------------------------------------------------ not UTF-8


@pytest.mark.parametrize("name", ["blog/latin.md", "blog/latin.ipynb", "projects/latin.md"])
def test_a_file_that_is_not_utf8_is_one_line_naming_its_byte(tmp_path: Path, name: str) -> None:
    (tmp_path / name).parent.mkdir(parents=True)
    (tmp_path / name).write_bytes("---\ntitle: Café\n---\n".encode("latin-1"))
    page = read_file(tmp_path, name)
    assert page.problems == [
        (
            2,
            "not UTF-8 (byte 15, 0xE9); save the file as UTF-8 "
            "(in VS Code: Save with Encoding, UTF-8)",
        )
    ]
    assert page.source.isascii()
