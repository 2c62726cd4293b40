"""Real notebooks publish as their authors wrote them: any nbformat 4 notebook, in any JSON
layout, with its front matter in any of its three places, and one title.

The first part calls ``core/`` in-process (what the build's ``source-read`` and ``check``
both call): fast, no build. The second builds one small site, once for the module, holding
the synthetic notebooks written here and real ones by other people (the corpus in
``tests/fixtures/notebooks/``), strictly, and reads it as a reader would.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from dryga_site.authoring.cli import main
from dryga_site.core import nbjson
from dryga_site.core.frontmatter import FrontMatterError
from dryga_site.core.notebook import quarto_front_matter
from dryga_site.core.pages import read_file, read_page
from dryga_site.core.titles import one_title
from helpers import ROOT, Build, jupyter_book, offline_env, small_site, soup, tree_hashes

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
    old = {"worksheets": [{"cells": []}]} if version == 3 else {"cells": []}  # as each has
    text = json.dumps({"metadata": {}, "nbformat": version, "nbformat_minor": 0, **old}, indent=1)
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


def test_attachments_quoted_as_code_stay_code() -> None:
    data = base64.b64encode(png()).decode()
    text = (
        "Refer to it as `attachment:`, like this:\n\n    ![logo](attachment:logo.png)\n\n"
        "```\n![logo](attachment:logo.png)\n```\n\n![logo](attachment:logo.png)\n"
    )
    cell = markdown(text, attachments={"logo.png": {"image/png": data}})
    page = read_page("blog/a.ipynb", notebook([cell], title="A", **POST))
    assert page.problems == []
    shown = built(page.source).cells[0].source
    assert shown.count("(attachment:logo.png)") == 2 and shown.count("data:image/png") == 1


def test_code_in_a_language_sphinx_does_not_know_shows_as_plain_text() -> None:
    text = "```RAW\n---\n```\n\n```python\n1\n```\n\n```{note}\nA note.\n```\n"
    page = read_page("blog/f.ipynb", notebook([markdown(text)], title="F", **POST))
    assert built(page.source).cells[0].source == text.replace("```RAW", "```text")


@pytest.mark.parametrize(
    ("kernelspec", "language_info", "runs_on"),
    [
        ({"name": "conda-base-py", "language": "python", "display_name": "Py"}, None, "python3"),
        ({"name": "py39", "display_name": "Py"}, {"name": "python"}, "python3"),
        ({"name": "ir", "language": "R", "display_name": "R"}, {"name": "R"}, "ir"),
    ],
)
def test_a_python_kernel_of_any_name_runs_on_the_sites_python(
    kernelspec: dict, language_info: dict | None, runs_on: str
) -> None:
    text = notebook([markdown("Lead."), code("!pip list")], title="K", **POST)
    nb = json.loads(text)
    nb["metadata"]["kernelspec"] = kernelspec
    if language_info:
        nb["metadata"]["language_info"] = language_info
    metadata = built(read_page("blog/k.ipynb", json.dumps(nb)).source).metadata
    assert metadata.kernelspec.name == runs_on
    if runs_on == "python3" and language_info:  # `!pip` and `%time` coloured as IPython's
        assert metadata.language_info.pygments_lexer == "ipython3"


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


# ------------------------------------------------------------------ one small site, built once

#: Real notebooks by other people (tests/fixtures/notebooks/ on the corpus branch: SOURCES.md
#: there names each one's author, source and licence). The files are not in git: they are
#: found in $DRYGA_CORPUS, ../shared/corpus/notebooks or tests/fixtures/notebooks, their bytes
#: checked, and the tests that need them skip when they are absent.
#: file -> (SHA-256, what its author adds to publish it here, the title its page shows).
#: Those whose code cannot run here (packages, Python 3.12, 80 s) are frozen.
DAY = {"blogpost": True, "date": "2024-01-15"}
FROZEN = {**DAY, "freeze": True}
REAL: dict[str, tuple[str, dict[str, Any], str]] = {
    "wittmann-blogging-with-jupyter.ipynb": (
        "49465393e5deb9928359b666daae7b038eed6885e466232123713ddfe76a13ee",
        {},  # Quarto's raw cell gives its front matter
        "Creating a Blog Post using a Jupyter Notebook",
    ),
    "wittmann-matrix-multiplication.ipynb": (
        "1a7f27798afcce1c2aafc1fd41f6a4f4862939d8fde9a57dfa50c1ab8eb21490",
        {"freeze": True},
        "Matrix Multiplication",
    ),
    "pytudes-stable-matching.ipynb": (
        "e3355e43c26afa1e914d1cdf096c2b4d3abb62f56e3a2bdf9f17110db01cb970",
        FROZEN,
        "The Stable Matching Problem",
    ),
    "pytudes-differentiation.ipynb": (
        "3e2f25e799208cf28c8cecc7c0a2ca47e6137d5ea5b909c299438f07a9886215",
        DAY,
        "Symbolic Math: Differentiation Program",
    ),
    "pytudes-rational-pi.ipynb": (
        "f77254c8030363f16cb846ab58bb8ed0170ffaa5236f374dbedaf8c3ebbf8a8d",
        FROZEN,
        "Fractions approximating π",
    ),
    "jupyter-markdown-cells.ipynb": (
        "21c27aabbd9ce89397929b28dc73b3f42ce47783239aa5f8d1a6853db65ba050",
        DAY,
        "Markdown Cells",
    ),
    "jupyterlite-renderers.ipynb": (
        "9094fd728191b1be42ca775baed963d59780862801d551cbc31f3ff0129153b8",
        FROZEN,  # runs, but its output crashes nbclient (corpus-failures.md, 7: not ours)
        "JupyterLab Renderers",
    ),
    "colab-github-demo.ipynb": (
        "b5934f2b4d6e27a597af72da9572727745e2e58f971aaf69a5f4e20badd043ef",
        DAY,
        "Using Google Colab with GitHub",
    ),
    "probml-jax-md-bubble-raft.ipynb": (
        "d9425eb6faad1f103fb598b6458a9a6c3ce937f2d30dbd98ba88d03faba8ac68",
        FROZEN,
        "Parallel simulation of a bubble raft",
    ),
    "vscode-python-export-2019.ipynb": (
        "c6cf985ec43e064f80ede94ff38f85a859029da77b3d7286aab4a35c8e9e9f0c",
        {**FROZEN, "title": "Exported from VS Code"},  # no H1 to take a title from
        "Exported from VS Code",
    ),
}
#: Pictures the real posts name beside them (their blogs have them; stand-ins here).
REAL_PICTURES = ("jupyter_logo.png", "khan-matrix-dimensions.png")


def corpus() -> Path | None:
    """The folder holding the real notebooks, byte for byte as published (None: not here)."""
    folders = [os.environ.get("DRYGA_CORPUS", ""), ROOT.parent / "shared/corpus/notebooks"]
    for folder in [*folders, ROOT / "tests/fixtures/notebooks"]:
        found = Path(folder)
        if folder and all(
            (found / name).is_file()
            and hashlib.sha256((found / name).read_bytes()).hexdigest() == sha
            for name, (sha, _, _) in REAL.items()
        ):
            return found
    return None


def with_front_matter(text: str, values: dict[str, Any]) -> str:
    """``text`` with ``values`` added atop the notebook's metadata, every other byte kept."""
    at = text.index("{") + 1
    while True:
        key, after = json.decoder.scanstring(text, text.index('"', at) + 1)
        start = text.index(":", after) + 1
        start += len(text[start:]) - len(text[start:].lstrip())
        if key == "metadata":
            comma = "," if values and text[start + 1 :].lstrip()[:1] != "}" else ""
            return text[: start + 1] + json.dumps(values)[1:-1] + comma + text[start + 1 :]
        _, end = json.JSONDecoder().raw_decode(text, start)
        at = text.index(",", end) + 1


TEXT_NOTEBOOK = (
    "jupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
    "kernelspec:\n  name: python3\n  display_name: Python 3\n"
)
QUARTO_POST = (
    '---\ntitle: "A Quarto Post"\nauthor: "Quinn Arto"\ndate: 2022-10-18\n'
    'description: "What a Quarto post says of itself."\ncategories: [Data Science, python]\n'
    'image: "card.png"\nimage-alt: "A red dot"\n---'
)
#: Synthetic posts: what each shows is asserted below.
GOOD = {
    **{
        f"blog/minor-{minor}.ipynb": notebook(
            [markdown(lines(f"# Minor {minor}\n\nThe lead of 4.{minor}.\n")), code("print(4)")],
            minor,
            **POST,
        )
        for minor in (0, 1, 2, 4)
    },
    "blog/compact.ipynb": notebook(
        [markdown(FRONT.replace("2024-02-30", "2024-02-03").replace("a/b", "compact")), code("1")],
        minor=4,
        layout="compact",
    ),
    "blog/attached.ipynb": notebook(
        [
            markdown(
                "A pasted picture: ![a red dot](attachment:image.png)\n",
                attachments={"image.png": {"image/png": base64.b64encode(png()).decode()}},
            ),
            code("1"),
        ],
        minor=4,
        title="Attached",
        **POST,
    ),
    "blog/raw-cells.ipynb": notebook(
        [
            markdown("The lead."),
            raw('<p class="from-a-raw-cell">Raw HTML</p>', raw_mimetype="text/html"),
            raw("\\LaTeX{} for the PDF", format="text/latex"),
        ],
        title="Raw cells",
        **POST,
    ),
    "blog/quarto.ipynb": notebook(
        [raw(lines(QUARTO_POST)), markdown("The lead of a Quarto post.\n\n## A part\n"), code("1")],
        minor=4,
    ),
    "blog/unmarked.ipynb": notebook(
        [markdown("# Dropped In\n\nA notebook whose metadata never says blogpost.\n")],
        date="2024-03-04",
    ),
    "blog/same-title.ipynb": notebook(
        [markdown("# The Same Title\n\nThe lead.\n\n## A part\n"), code("1")],
        title="The same title",
        **POST,
    ),
    "blog/other-title.ipynb": notebook(
        [markdown("# Setup\n\nThe lead.\n\n# Analysis\n\n## Detail\n"), code("1")],
        title="The Front Matter Wins",
        **POST,
    ),
    "blog/dated-cell.ipynb": notebook(
        [markdown("---\ntitle: Dated cell\nblogpost: true\ndate: 2024-03-02\n---\nLead.\n")],
    ),
    "blog/dated-text.md": (
        f"---\ntitle: Dated text\nblogpost: true\ndate: 2024-03-01\n{TEXT_NOTEBOOK}---\n\n"
        "The lead.\n\n```{code-cell} ipython3\nprint(2 + 2)\n```\n"
    ),
    "blog/h1-text.md": (
        "---\nblogpost: true\ndate: 2024-03-03\n---\n\n# A Title In The Body\n\nThe lead.\n\n"
        "# A section\n\n### Deeper\n"
    ),
    "dated-page.md": f"---\ntitle: A page\ndate: 2024-03-01\n{TEXT_NOTEBOOK}---\n\n"
    "```{code-cell} ipython3\n1\n```\n",
}
LATIN = "---\ntitle: Café\n---\n\n# Café\n".encode("latin-1")
#: Inputs the site cannot build: file -> the one line each must give (its start).
BAD = {
    "blog/v3.ipynb": json.dumps(
        {"metadata": {}, "nbformat": 3, "nbformat_minor": 0, "worksheets": []}, indent=1
    ),
    "blog/v5.ipynb": json.dumps({"cells": [], "metadata": {}, "nbformat": 5}, indent=1),
    "blog/quarto-extra.ipynb": notebook(
        [raw(lines('---\ntitle: "Q"\ndate: 2022-10-18\nformat: html\n---')), markdown("Lead.")]
    ),
}
BAD_LINES = {
    "blog/v3.ipynb:3": "nbformat 3 (a notebook from IPython 3 or older): the site reads",
    "blog/v5.ipynb:4": "nbformat 5: the site reads nbformat 4 (4.0 to 4.5)",
    "blog/quarto-extra.ipynb:": "cell 1: format: not read by this site from a Quarto cell",
    "blog/latin.md:2": "not UTF-8 (byte 15, 0xE9); save the file as UTF-8",
    "latin-page.md:2": "not UTF-8 (byte 15, 0xE9); save the file as UTF-8",
    "projects/latin.md:2": "not UTF-8 (byte 15, 0xE9); save the file as UTF-8",
}


@dataclass(frozen=True)
class Site:
    build: Build
    before: dict[str, str]
    real: bool


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The synthetic posts, the bad inputs and the real notebooks, in one site, built once."""
    root = tmp_path_factory.mktemp("notebooks")
    pages = {"index.md": "# Home\n\n```{postlist} 40\n```\n", **GOOD, **BAD}
    pages["latin-page.md"] = pages["projects/latin.md"] = ""
    folder = corpus()
    for name, (_, front, _) in REAL.items() if folder else ():
        pages[f"blog/{name}"] = with_front_matter((folder / name).read_text("utf-8"), front)
    chapters = [{"glob": "blog/*"}, {"file": "dated-page"}, {"file": "latin-page"}]
    small_site(root, pages, [*chapters, {"glob": "projects/*"}])
    for name in ("blog/latin.md", "latin-page.md", "projects/latin.md"):
        (root / name).write_bytes(LATIN)
    for picture in ("card.png", *REAL_PICTURES):
        (root / "blog" / picture).write_bytes(png())
    before = tree_hashes(root)
    env = offline_env(root.parent / f"{root.name}-network.log", root, ROOT)
    return Site(jupyter_book(root, env=env), before, folder is not None)


def page(site: Site, name: str) -> BeautifulSoup:
    return soup(site.build.html / name)


def test_bad_input_is_one_located_line_each_and_nothing_else(site: Site) -> None:
    build = site.build
    assert build.returncode != 0
    assert "Traceback" not in build.output and "Exception" not in build.output
    lines_out = [line for line in build.output.splitlines() if re.search("WARNING|ERROR", line)]
    found = sorted(line.replace(f"{build.src}/", "") for line in lines_out)
    want = sorted(BAD_LINES)
    assert len(found) == len(want), "\n".join(found)
    for line, where in zip(found, want, strict=True):
        assert line.startswith(where) and BAD_LINES[where] in line, line
    assert tree_hashes(build.src) == site.before  # the sources are untouched


def test_every_page_has_exactly_one_h1(site: Site) -> None:
    pages = sorted(p for p in site.build.html.rglob("*.html") if "_static" not in p.parts)
    assert len(pages) > 20
    for path in pages:
        assert len(soup(path).select("h1")) == 1, path.relative_to(site.build.html)


def test_every_nbformat_4_minor_builds_runs_and_downloads(site: Site) -> None:
    for minor in (0, 1, 2, 4):
        doc = page(site, f"blog/minor-{minor}.html")
        assert doc.h1.get_text().rstrip("#") == f"Minor {minor}"  # its H1 is its title
        assert "4" in doc.select_one(".cell_output").get_text()  # its code ran
        download = site.build.html / f"blog/minor-{minor}.ipynb"
        nb = nbformat.read(download, as_version=4)
        nbformat.validate(nb)
        assert nb.nbformat_minor == 5
        assert [c.source for c in nb.cells if c.cell_type == "markdown"] == [
            f"# Minor {minor}",
            f"The lead of 4.{minor}.\n",
        ]  # the title once


def test_compact_json_and_unquoted_dates_build(site: Site) -> None:
    assert page(site, "blog/compact.html").h1.get_text().rstrip("#") == "Compact"
    for slug, day in [("dated-text", "2024-03-01"), ("dated-cell", "2024-03-02")]:
        assert page(site, f"blog/{slug}.html").select_one(".post-meta time")["datetime"] == day
    assert "4" in page(site, "blog/dated-text.html").select_one(".cell_output").get_text()
    assert page(site, "dated-page.html").h1.get_text().rstrip("#") == "A page"


def test_pasted_pictures_show_and_raw_cells_show_as_on_the_web(site: Site) -> None:
    picture = page(site, "blog/attached.html").select_one("article img")
    assert picture["src"].startswith("data:image/png;base64,") and picture["alt"] == "a red dot"
    raw_page = page(site, "blog/raw-cells.html")
    assert raw_page.select_one("p.from-a-raw-cell").get_text() == "Raw HTML"
    assert "LaTeX" not in raw_page.select_one("article").get_text()


def test_a_quarto_post_shows_its_front_matter(site: Site) -> None:
    doc = page(site, "blog/quarto.html")
    assert doc.h1.get_text().rstrip("#") == "A Quarto Post"
    assert [a.get_text() for a in doc.select(".post-tags a")] == ["data-science", "python"]
    assert "A Quarto Post" in page(site, "blog/tag/data-science.html").get_text()
    assert doc.select_one(".post-line__by").get_text() == "By Quinn Arto"
    description = doc.select_one('meta[name="description"]')["content"]
    assert description == "What a Quarto post says of itself."
    card = doc.select_one('meta[property="og:image"]')["content"]
    assert card == "https://andrewdryga.readthedocs.io/blog/card.png"
    assert (site.build.html / "blog/card.png").read_bytes() == png()
    assert doc.select_one('meta[property="og:image:alt"]')["content"] == "A red dot"
    assert not page(site, "blog/minor-0.html").select_one(".post-line__by")  # the site's own


def test_a_notebook_in_the_blog_is_a_post_without_saying_blogpost(site: Site) -> None:
    listed = [a.get_text(strip=True) for a in page(site, "blog.html").select("article a, li a")]
    assert "Dropped In" in listed
    doc = page(site, "blog/unmarked.html")
    assert doc.select_one(".post-meta time")["datetime"] == "2024-03-04"


def outline(doc: BeautifulSoup) -> list[str]:
    """The page's "on this page" contents."""
    return [a.get_text(" ", strip=True) for a in doc.select("nav.page-toc a, .page-toc a")]


def test_one_title_on_the_page_and_in_its_contents(site: Site) -> None:
    same = page(site, "blog/same-title.html")
    assert same.h1.get_text().rstrip("#") == "The same title"
    assert outline(same) == ["A part"]
    other = page(site, "blog/other-title.html")
    assert other.h1.get_text().rstrip("#") == "The Front Matter Wins"
    assert [h.get_text().rstrip("#") for h in other.select("h2")] == ["Setup", "Analysis"]
    assert outline(other) == ["Setup", "Analysis", "Detail"]
    text_post = page(site, "blog/h1-text.html")
    assert text_post.h1.get_text().rstrip("#") == "A Title In The Body"
    assert outline(text_post) == ["A section", "Deeper"]


def test_check_names_each_file_that_is_not_utf8_once(site: Site) -> None:
    result = CliRunner().invoke(main, ["--root", str(site.build.src), "check", "--no-build"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    latin = [line for line in result.output.splitlines() if "not UTF-8" in line]
    assert latin == [
        f"{name}:2: not UTF-8 (byte 15, 0xE9); save the file as UTF-8 "
        "(in VS Code: Save with Encoding, UTF-8)"
        for name in ("blog/latin.md", "projects/latin.md")
    ]


needs_corpus = pytest.mark.skipif(
    corpus() is None,
    reason="the real notebooks are not here: set DRYGA_CORPUS to their folder "
    "(see tests/fixtures/notebooks/SOURCES.md on the corpus branch)",
)


@needs_corpus
def test_real_notebooks_publish_with_one_title_and_a_valid_download(site: Site) -> None:
    for name, (_, _, title) in REAL.items():
        slug = name.removesuffix(".ipynb")
        doc = page(site, f"blog/{slug}.html")
        assert doc.h1.get_text().rstrip("#") == title, slug
        assert title not in outline(doc), slug
        assert not doc.select(".system-message, .problematic"), slug
        nbformat.validate(nbformat.read(site.build.html / f"blog/{slug}.ipynb", as_version=4))


@needs_corpus
def test_real_notebooks_keep_what_their_authors_wrote(site: Site) -> None:
    quarto = page(site, "blog/wittmann-blogging-with-jupyter.html")
    assert [a.get_text() for a in quarto.select(".post-tags a")] == [
        "blogging",
        "quarto",
        "jupyter",
    ]
    assert quarto.select_one(".post-line__by").get_text() == "By Christian Wittmann"
    assert quarto.select_one(".post-meta time")["datetime"] == "2022-10-18"
    assert quarto.select_one(".cell_output img")  # its plot, run by this build
    pasted = page(site, "blog/jupyter-markdown-cells.html").select("article img")
    assert any(img["src"].startswith("data:image/jpeg;base64,") for img in pasted)
    sections = page(site, "blog/pytudes-stable-matching.html").select("h2")
    assert [h.get_text().rstrip("#") for h in sections][:2] == [
        "Gale-Shapley Matching Algorithm",
        "Preference Arrays",
    ]  # the author's other H1s, under the title
