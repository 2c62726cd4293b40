"""Notebooks publish as their authors wrote them: leads, alt text, and the bytes of outputs.

One strict build of a small site with the real configuration (module-scoped) holds:

- ``blog/stable-matching.ipynb``: a notebook shaped like Peter Norvig's "The Stable Matching
  Problem" in the corpus of real notebooks (it cannot be committed here): it opens with a
  byline ``<div>``, its ``# The Stable Matching Problem`` repeats its title (docutils notes
  "Duplicate implicit target name", which the blog listed as its excerpt), and it draws three
  plots.
- ``blog/bytes.md``: cells printing a bell, backspaces, a NUL, colours and ``\\r`` progress.
- ``blog/image-first.md``, ``blog/described.md``, ``blog/headings-only.md``: posts that do not
  open with their lead, and descriptions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import feedparser
import nbformat
import pytest
from docutils import nodes
from lxml import etree

from dryga_site.authoring.check import alt_notes, check_site
from dryga_site.extension.seo import lead_paragraphs
from dryga_site.notebooks.outputs import terminal_text
from helpers import NOTEBOOK_FRONT_MATTER, Build, jupyter_book, small_site, soup

#: The notebook's opening cell, as a real one opens: a byline ``<div>``, an H1 that repeats
#: the post's title, then the lead.
OPENING = (
    '<div style="text-align: right"><i>A. Writer<br>April 2020</i></div>\n\n'
    "# The Stable Matching Problem\n\n"
    "Two groups of the same size want to pair off so that no two people would rather "
    "leave their partners for each other. The **[algorithm]"
    "(https://en.wikipedia.org/wiki/Stable_marriage_problem)** finds such pairs in rounds: "
    "one side proposes, the other holds the best offer so far, and no one is left out when "
    "the rounds end."
)
HELPERS = """import random
import matplotlib.pyplot as plt


def show(N=25, c=0.5, repeat=100, bins=20):
    \"\"\"Two overlapping histograms of made-up mean utilities.\"\"\"
    rng = random.Random(N * 1000 + int(c * 10))
    proposers = [sum(rng.random() for _ in range(N)) / N + c / 4 for _ in range(repeat)]
    acceptors = [sum(rng.random() for _ in range(N)) / N for _ in range(repeat)]
    plt.hist(proposers, bins=bins, alpha=0.5)
    plt.hist(acceptors, bins=bins, alpha=0.5)
    plt.show()"""
#: Its plots: (new source, cell metadata).
PLOTS = [
    ("show(c=0.0, repeat=200)", {}),
    ("show(c=0.5, repeat=200)", {"mystnb": {"image": {"alt": "Two overlapping histograms"}}}),
    ("show(c=0.5, N=50, repeat=100)", {"mystnb": {"figure": {"caption": "Fifty actors"}}}),
]
#: The lead of the notebook: the first paragraph after its byline and title.
LEAD = "Two groups of the same size want to pair off so that no two people would rather"
#: Characters no page or feed may carry: C0 controls but tab and newline, and DEL.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def stable_matching() -> str:
    """A notebook shaped like the real ones the corpus holds (a byline, its title again as an
    H1, a second H1 section, plots), with front matter in its metadata."""
    cells = [
        nbformat.v4.new_markdown_cell(OPENING),
        nbformat.v4.new_code_cell(HELPERS),
        nbformat.v4.new_markdown_cell(
            "# Histograms of Utility\n\nThe function `show` draws two overlapping histograms."
        ),
    ]
    for source, metadata in PLOTS:
        cells.append(nbformat.v4.new_code_cell(source, metadata=metadata))
    for number, kept in enumerate(cells):
        kept.id = f"cell-{number}"
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata.update(
        kernelspec={"name": "python3", "display_name": "Python 3", "language": "python"},
        blogpost=True,
        title="The Stable Matching Problem",
        date="2024-03-05",
        tags=["testing"],
    )
    return nbformat.writes(notebook)


def text_post(title: str, day: int, body: str, front: str = "", notebook: bool = False) -> str:
    return (
        f'---\ntitle: {title}\nblogpost: true\ndate: "2024-03-0{day}"\ntags: [testing]\n'
        f"{front}{NOTEBOOK_FRONT_MATTER if notebook else ''}---\n\n{body}"
    )


def cell(source: str) -> str:
    return f"\n```{{code-cell}} ipython3\n{source}\n```\n"


BYTES = text_post(
    "Bytes",
    4,
    "The lead paragraph of the bytes post.\n"
    + cell(
        "import time\nfor percent in range(0, 101, 25):\n"
        '    print(f"\\rDownloading: {percent:3d}%", end="", flush=True)\n'
        "    time.sleep(0.02)\n"
        'print("\\rDownloading: done")'
    )
    + cell(
        'print("ding\\x07 dong")\nprint("teh\\x08\\x08he end")\n'
        'print("nul\\x00 byte and \\x1b[32mgreen\\x1b[0m")'
    )
    + cell(
        "from IPython.display import display\n"
        'display({"text/plain": "step 1/3\\rstep 2/3\\rstep 3/3"}, raw=True)\n'
        'display({"text/html": "<b>html\\x07 bell</b>"}, raw=True)'
    ),
    notebook=True,
)
IMAGE_FIRST = text_post(
    "Image first",
    3,
    "![A diagram of the matching](../_static/og-card.png)\n\n## Background\n\n**Background**\n\n"
    "*By A. Writer, March 2024*\n\n- a list item is not a lead\n\n"
    "> A quoted epigraph is not a lead.\n\nThe lead paragraph of the image-first post.\n",
)
DESCRIBED = text_post(
    "Described",
    2,
    "The lead paragraph of the described post.\n",
    'description: "A description written for search engines."\n',
)
BARE = text_post("Bare", 1, "## Setup\n\n```python\nx = 1\n```\n\n## Result\n\n- a list\n")
HEADINGS_ONLY = text_post(
    "Headings only",
    1,
    "## Setup\n\n```python\nx = 1\n```\n\n## Setup\n\n```python\ny = 2\n```\n",
    'description: "Only headings and code here."\n',
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Build:
    pages = {
        "index.md": "# Home\n\n```{postlist} 10\n:excerpts:\n```\n",
        "blog/stable-matching.ipynb": stable_matching(),
        "blog/bytes.md": BYTES,
        "blog/image-first.md": IMAGE_FIRST,
        "blog/described.md": DESCRIBED,
        "blog/headings-only.md": HEADINGS_ONLY,
        "blog/bare.md": BARE,
    }
    root = small_site(tmp_path_factory.mktemp("outputs"), pages, [{"glob": "blog/*"}])
    build = jupyter_book(root)
    assert build.returncode == 0, build.output[-3000:]
    return build


#: What the lists and the feed show of each post: its lead, or its description without one.
EXCERPTS = {
    "The Stable Matching Problem": LEAD,
    "Bytes": "The lead paragraph of the bytes post.",
    "Image first": "The lead paragraph of the image-first post.",
    "Described": "The lead paragraph of the described post.",
    "Headings only": "Only headings and code here.",
    "Bare": "",  # neither a paragraph of prose nor a description: nothing rather than a heading
}


def pages(html: Path) -> list[Path]:
    return [p for p in sorted(html.rglob("*.html")) if "_static" not in p.parts]


def listed(page: Path) -> dict[str, str]:
    """Each listed post's title and excerpt, on the blog's lists or the home page's postlist."""
    doc = soup(page)
    items = doc.select(".post-list__item") or doc.select("li.ablog-post")
    shown = {}
    for item in items:
        title = item.select_one(".post-list__title, .ablog-post-title a").get_text(strip=True)
        excerpt = item.select_one(".post-excerpt, .ablog-post-excerpt")
        shown[title] = " ".join(excerpt.get_text(" ", strip=True).split()) if excerpt else ""
    return shown


def meta_descriptions(page: Path) -> tuple[str, str]:
    doc = soup(page)
    name = doc.select_one('meta[name="description"]')["content"]
    return name, doc.select_one('meta[property="og:description"]')["content"]


# Clean excerpts ----------------------------------------------------------------------------


def test_no_page_and_no_feed_entry_shows_a_docutils_note(built: Build) -> None:
    for page in [*pages(built.html), built.html / "blog/atom.xml"]:
        text = page.read_text(encoding="utf-8")
        for note in ("Duplicate implicit target", "system-message", "System Message"):
            assert note not in text, f"{page.relative_to(built.html)} shows {note!r}"


@pytest.mark.parametrize("page", ["blog.html", "index.html", "blog/tag/testing.html"])
def test_lists_show_each_posts_first_real_paragraph(built: Build, page: str) -> None:
    shown = listed(built.html / page)
    assert shown.keys() == EXCERPTS.keys()
    for title, lead in EXCERPTS.items():
        assert shown[title].startswith(lead) and (lead or not shown[title]), (
            f"{page}: {title!r} is listed with {shown[title]!r}"
        )
    assert "A. Writer" not in str(shown)  # the notebook's byline <div>


def test_the_feed_summarises_each_post_with_its_lead(built: Build) -> None:
    atom = "{http://www.w3.org/2005/Atom}"
    entries = etree.parse(str(built.html / "blog/atom.xml")).getroot().iter(f"{atom}entry")
    summaries = {
        e.findtext(f"{atom}title"): " ".join(e.findtext(f"{atom}summary", "").split())
        for e in entries
    }
    assert summaries.keys() == EXCERPTS.keys()
    for title, lead in EXCERPTS.items():
        assert summaries[title].startswith(lead) and (lead or not summaries[title]), title


def test_search_engines_get_the_description_else_the_lead(built: Build) -> None:
    described = meta_descriptions(built.html / "blog/described.html")
    assert described == ("A description written for search engines.",) * 2
    name, og = meta_descriptions(built.html / "blog/stable-matching.html")
    assert name == og and name.startswith(LEAD) and len(name) <= 200 and name.endswith("…")
    name, og = meta_descriptions(built.html / "blog/image-first.html")
    assert name == og == "The lead paragraph of the image-first post."
    name, og = meta_descriptions(built.html / "blog/bare.html")  # no description, no prose
    assert name == og == "Bare"  # its title, not its headings


# Accessible outputs ------------------------------------------------------------------------


def test_output_images_have_alt_text_and_never_a_path(built: Build) -> None:
    images = soup(built.html / "blog/stable-matching.html").select("img")
    # The author's alt (cell metadata), the figure's caption, or made up: the plot without
    # either comes from the second code cell on the page.
    assert [img["alt"] for img in images] == [
        "Plot from code cell 2",
        "Two overlapping histograms",
        "Fifty actors",
    ]
    for page in pages(built.html):
        for img in soup(page).select("img"):
            alt = img.get("alt", "")
            assert "_images" not in alt and not re.search(r"\.(png|jpe?g|svg|gif)$", alt), (
                f"{page.relative_to(built.html)}: alt {alt!r}"
            )


def test_check_notes_output_images_without_their_authors_alt(built: Build) -> None:
    note = (
        'blog/stable-matching.ipynb: an output image has no alt text, so readers hear "Plot '
        "from code cell 2\"; describe it in the cell's metadata (mystnb: image: alt: ...) or "
        "give it a figure caption"
    )
    assert alt_notes(built.html, built.src) == [note]
    said: list[str] = []
    problems = check_site(built.src, external=False, build=False, say=said.append)
    assert note in said  # information, not a problem
    assert not [p for p in problems if "alt" in p.message]


# Bytes in outputs --------------------------------------------------------------------------


def test_control_characters_in_outputs_are_folded_on_the_page(built: Build) -> None:
    page = built.html / "blog/bytes.html"
    assert not CONTROL.search(page.read_text(encoding="utf-8"))
    outputs = [o.get_text().strip() for o in soup(page).select(".cell_output")]
    assert outputs == [
        "Downloading: done",  # printed in five messages, each rewriting the line with \r
        "ding dong\nthe end\nnul byte and green",
        "step 3/3\n\n\nhtml bell",
    ]
    green = soup(page).select(".cell_output span.-Color-Green")
    assert [span.get_text() for span in green] == ["green"]  # colour codes still colour


def test_the_feed_parses_and_shows_the_folded_outputs(built: Build) -> None:
    path = built.html / "blog/atom.xml"
    etree.parse(str(path))  # lxml: every character is XML's
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.bozo_exception
    entry = next(e for e in feed.entries if e.title == "Bytes")
    content = entry.content[0].value
    assert not CONTROL.search(content)
    for shown in ("Downloading: done", "ding dong", "the end", "step 3/3", "html bell"):
        assert shown in content
    assert "Downloading:  25%" not in content


# Fast: the rules themselves ----------------------------------------------------------------

#: Outputs stored in two notebooks of the corpus (their sources and licences are noted
#: there): ``fastpages-fastlinkcheck.ipynb``, a fastprogress bar cleared with spaces at its
#: end, and ``probml-jax-md-bubble-raft.ipynb``, pip's bar (its middle states left out).
FASTLINKCHECK = (
    "\u2588\r\r |--------------------| 0.00% [0/2 00:00<00:00]\r\r |\u2588\u2588\u2588\u2588"
    "\u2588\u2588\u2588\u2588\u2588\u2588----------| 50.00% [1/2 00:00<00:00]\r\r |"
    + "\u2588" * 20
    + "| 100.00% [2/2 00:00<00:00]\r\r"
    + " " * 49
    + "\rNo broken links found!\n"
)
PIP = (
    "\x1b[?25l\r\x1b[K     |\u2588\u258f" + " " * 30 + "| 10 kB 21.7 MB/s eta 0:00:01"
    "\r\x1b[K     |" + "\u2588" * 32 + "| 284 kB 5.4 MB/s \n"
    "\x1b[?25h  Building wheel for jax-md (setup.py) ... \x1b[?25l\x1b[?25hdone\n"
)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (FASTLINKCHECK, "No broken links found!\n"),
        (
            PIP,
            "     |" + "\u2588" * 32 + "| 284 kB 5.4 MB/s\n"
            "  Building wheel for jax-md (setup.py) ... done\n",
        ),
        ("0%\r50%\r100%\rdone\n", "done\n"),  # print(..., end="\r"), then a shorter last word
        ("one\r\ntwo\r\n", "one\ntwo\n"),  # \r\n is a newline
        ("ding\x07 dong\x00!", "ding dong!"),
        ("teh\x08\x08he", "the"),  # backspace moves back; what follows overwrites
        ("form\x0cfeed\x1b]0;title\x07 and \x1b[1Aup", "formfeed and up"),
        ("\x1b[31mred\x1b[0m plain\n", "\x1b[31mred\x1b[0m plain\n"),  # colours stay
        ("tab\tstays\n", "tab\tstays\n"),
    ],
)
def test_terminal_text_shows_what_a_terminal_shows(raw: str, shown: str) -> None:
    assert terminal_text(raw) == shown
    assert not CONTROL.search(terminal_text(raw, colours=False))


def fake_channel() -> Any:
    from dryga_site.notebooks.sandbox import FencedIOPub

    channel = FencedIOPub.__new__(FencedIOPub)  # no socket: only its rewriting is used
    channel.printed, channel.rules, channel.waiting, channel.ready = {}, [], {}, []
    return channel


def message(kind: str, **content: str) -> dict:
    return {
        "header": {"msg_type": kind},
        "parent_header": {"msg_id": "cell-1"},
        "msg_type": kind,
        "content": content,
    }


@pytest.mark.parametrize(
    ("chunks", "shown"),
    [
        (
            ["\rLoading 0%", "\rLoading 50%", "\rLoading 100%", "\n", "next"],
            ["Loading 100%\n", "next"],
        ),
        (["0%\r", "50%\r", "100%\r", "done\n"], ["done\n"]),  # print(..., end="\r")
        (["a", "b\nc", "d\n"], ["ab\n", "cd\n"]),
    ],
)
def test_the_kernels_output_channel_passes_printed_text_in_whole_lines(
    chunks: list[str], shown: list[str]
) -> None:
    """Each message is an output of its own, which myst-nb ends with a newline: a bar
    printed in many messages showed every state on its own line."""
    channel = fake_channel()
    received = [channel.whole_lines(message("stream", name="stdout", text=c)) for c in chunks]
    idle = message("status", execution_state="idle")
    received += [channel.whole_lines(idle), *channel.ready]
    assert [m["content"]["text"] for m in received if m["msg_type"] == "stream"] == shown
    assert received[-1] is idle  # what waited came out before the kernel went idle


def test_the_lead_is_the_first_paragraph_of_prose() -> None:
    """A docutils note, an image, a bold or italic line, a byline ``<div>`` and anything in
    a list or a quote come before the lead; none is taken."""

    def para(*children: nodes.Node) -> nodes.paragraph:
        return nodes.paragraph("", "", *children)

    lead = para(nodes.Text("The "), nodes.strong("", "lead"), nodes.Text(" paragraph."))
    section = nodes.section(
        "",
        nodes.title("", "Title"),
        nodes.system_message("", para(nodes.Text("Duplicate implicit target name: x.")), level=1),
        para(nodes.image(uri="a.png", alt="A diagram")),
        para(nodes.strong("", "Background")),
        para(nodes.emphasis("", "By A. Writer")),
        para(nodes.raw("", '<div class="byline">', format="html"), nodes.Text("By A. Writer")),
        nodes.bullet_list("", nodes.list_item("", para(nodes.Text("An item.")))),
        nodes.block_quote("", para(nodes.Text("A quote."))),
        lead,
        para(nodes.Text("The second paragraph.")),
    )
    assert lead_paragraphs(section) == [lead]
    assert [p.astext() for p in lead_paragraphs(section, 2)] == [
        "The lead paragraph.",
        "The second paragraph.",
    ]


def test_a_display_of_json_as_text_becomes_text_the_notebook_can_hold() -> None:
    """JupyterLite's renderers demo displays a dict as ``text/plain``: nbclient would refuse
    the output and stop the build."""
    feature = {"type": "Feature", "properties": {"name": "Dinagat Islands"}}
    data = {"application/geo+json": feature, "text/plain": feature, "text/html": ["<b>", "x</b>"]}
    shown = fake_channel().rewrite(message("display_data", data=data, metadata={}))
    assert shown["content"]["data"]["application/geo+json"] == feature
    assert json.loads(shown["content"]["data"]["text/plain"]) == feature
    assert shown["content"]["data"]["text/html"] == ["<b>", "x</b>"]
