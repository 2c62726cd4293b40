"""Frozen posts and data files, end to end: what a reader sees and what an author is told.

Two small sites share the real configuration: one that must build strictly (a frozen
``.ipynb`` with hostile and interactive stored outputs, a frozen text post whose record the
``freeze`` command wrote, a post reading data files beside it) and one whose every post is
one located error (no record, changed code, a write to a data file, a missing data file).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import ROOT, Build, cell, jupyter_book, post, small_site, soup, tree_hashes

HOSTILE = (
    '<b>bold words</b><script>alert(1)</script><img src="https://evil.example/x.png" '
    'onerror="alert(2)"><iframe src="https://evil.example/"></iframe><style>p{}</style>'
)
WIDGET = {"model_id": "abc", "version_major": 2, "version_minor": 0}
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJ"
    "RU5ErkJggg=="
)


def frozen_ipynb() -> str:
    """A frozen notebook whose stored outputs came from a GPU machine, some of them hostile."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "blogpost": True,
        "title": "Frozen notebook",
        "date": "2024-03-01",
        "freeze": True,
    }
    trained = nbformat.v4.new_code_cell("import torch\nprint('trained')", execution_count=1)
    trained.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="trained on a GPU\n"),
        nbformat.v4.new_output("display_data", data={"text/html": HOSTILE, "text/plain": "x"}),
    ]
    widget = nbformat.v4.new_code_cell("slider", execution_count=2)
    widget.outputs = [
        nbformat.v4.new_output(
            "execute_result",
            execution_count=2,
            data={
                "application/vnd.jupyter.widget-view+json": WIDGET,
                "text/plain": "IntSlider(value=3)",
            },
        )
    ]
    chart = nbformat.v4.new_code_cell("fig.show()", execution_count=3)
    chart.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "application/javascript": "window.evil = 1",
                "text/html": "<div id='plot'></div><script>Plotly.newPlot('plot')</script>",
                "image/png": PNG,
            },
        )
    ]
    notebook.cells = [
        nbformat.v4.new_markdown_cell("Stored outputs from a run on a GPU."),
        trained,
        widget,
        chart,
    ]
    return nbformat.writes(notebook)


def freeze(src: Path, name: str) -> subprocess.CompletedProcess[str]:
    """``python -m dryga_site freeze name`` in the site ``src``, as an author runs it."""
    env = {"PYTHONPATH": f"{ROOT}", "PATH": str(Path(sys.executable).parent)}
    return subprocess.run(
        [sys.executable, "-m", "dryga_site", "freeze", name],
        cwd=src,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Build:
    src = tmp_path_factory.mktemp("frozen") / "src"
    reads = "print(open('sales.csv').read())\nprint(open('data-post/data/x.csv').read())"
    small_site(
        src,
        {
            "index.md": "# Home\n",
            "blog/frozen-notebook.ipynb": frozen_ipynb(),
            "blog/frozen-text.md": post(
                "Frozen text", "date: 2024-03-02\nfreeze: true\n", cell("print('answer', 6 * 7)")
            ),
            "blog/data-post.md": post("Data post", "date: 2024-03-03\n", cell(reads)),
            "blog/sales.csv": "month,sales\njan,3\n",
            "blog/data-post/data/x.csv": "a,b\n1,2\n",
            "blog/data-post/data/notes.md": "# Notes, not a page\n",
            "blog/data-post/data/old.ipynb": nbformat.writes(nbformat.v4.new_notebook()),
        },
        [{"glob": "blog/*"}],
    )
    ran = freeze(src, "blog/frozen-text.md")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "_freeze/blog/frozen-text.json" in ran.stdout
    before = tree_hashes(src)
    build = jupyter_book(src)
    assert tree_hashes(src) == before, "the build changed the sources"
    return build


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> tuple[Build, dict[str, str]]:
    src = tmp_path_factory.mktemp("frozen-bad") / "src"
    changed = post("Changed", "date: 2024-03-02\nfreeze: true\n", cell("print(1)") + cell("2"))
    small_site(
        src,
        {
            "index.md": "# Home\n",
            "blog/no-record.md": post("No record", "date: 2024-03-02\nfreeze: true\n", cell("1")),
            "blog/changed.md": changed,
            "blog/writes.md": post(
                "Writes", "date: 2024-03-03\n", cell("open('sales.csv', 'a').write('feb,4')")
            ),
            "blog/missing.md": post("Missing", "date: 2024-03-03\n", cell("open('nothing.csv')")),
            "blog/sales.csv": "month,sales\njan,3\n",
        },
        [{"glob": "blog/*"}],
    )
    assert freeze(src, "blog/changed.md").returncode == 0
    edited = (src / "blog/changed.md").read_text().replace("\n2\n", "\n3\n")
    (src / "blog/changed.md").write_text(edited)
    before = tree_hashes(src)
    build = jupyter_book(src, strict=False)
    assert tree_hashes(src) == before, "the build changed the sources"
    return build, {"changed": edited}


def outputs(html: Path, slug: str) -> str:
    return "\n".join(str(o) for o in soup(html / f"blog/{slug}.html").select(".cell_output"))


# Frozen .ipynb -------------------------------------------------------------------------------


def test_a_frozen_notebook_publishes_its_stored_outputs(good: Build) -> None:
    assert good.returncode == 0, good.output[-3000:]
    shown = outputs(good.html, "frozen-notebook")
    assert "trained on a GPU" in shown
    assert "bold words" in shown
    assert "Executing notebook" not in good.output.split("frozen-notebook")[-1].split("\n")[0]


def test_stored_markup_is_cleaned(good: Build) -> None:
    page = (good.html / "blog/frozen-notebook.html").read_text(encoding="utf-8")
    shown = outputs(good.html, "frozen-notebook")
    for hostile in ("<script", "onerror", "evil.example", "<iframe", "<style", "window.evil"):
        assert hostile not in shown
    assert "evil.example" not in page and "Plotly.newPlot" not in page


def test_interactive_outputs_fall_back_with_a_note(good: Build) -> None:
    page = soup(good.html / "blog/frozen-notebook.html")
    cells = page.select(".cell_output")
    assert "IntSlider(value=3)" in cells[1].get_text()
    assert cells[2].select_one("img")  # the plot's PNG, not its script
    notes = page.select(".output-interactive-note")
    assert len(notes) == 3  # the scripted HTML, the widget and the plot
    assert "was interactive" in notes[0].get_text()


def test_the_stamp_says_the_outputs_were_not_run_by_the_build(good: Build) -> None:
    for slug in ("frozen-notebook", "frozen-text"):
        stamp = soup(good.html / f"blog/{slug}.html").select_one(".post-run").get_text(" ")
        assert stamp.startswith("Outputs saved with the notebook; not run by this build.")
        assert "generated" not in stamp
    stamp = soup(good.html / "blog/data-post.html").select_one(".post-run").get_text()
    assert stamp.startswith("Outputs generated on")


def test_a_frozen_post_offers_a_valid_cleaned_download(good: Build) -> None:
    for slug in ("frozen-notebook", "frozen-text"):
        page = soup(good.html / f"blog/{slug}.html")
        assert page.select_one(".post-run a[download]")["href"] == f"{slug}.ipynb"
        notebook = nbformat.read(good.html / f"blog/{slug}.ipynb", as_version=4)
        nbformat.validate(notebook)
        text = nbformat.writes(notebook)
        assert "<script" not in text and "evil.example" not in text


# Frozen text post ------------------------------------------------------------------------------


def test_a_frozen_text_post_publishes_its_record_without_running(good: Build) -> None:
    assert "answer 42" in outputs(good.html, "frozen-text")
    record = good.src / "_freeze/blog/frozen-text.json"
    assert '"answer 42\\n"' in record.read_text()
    ran = re.findall(r"blog/([\w-]+)\.\w+: Executing notebook", good.output)
    assert ran == ["data-post"]  # the frozen posts started no kernel


def test_frozen_problems_are_one_located_line_each(bad: tuple[Build, dict[str, str]]) -> None:
    build, sources = bad
    assert build.returncode != 0
    assert "Traceback" not in build.output
    errors = [line for line in build.output.splitlines() if "ERROR" in line or "WARNING" in line]
    assert len(errors) == 4, "\n".join(errors)
    no_record = next(e for e in errors if "no-record.md" in e)
    assert re.search(r"no-record\.md:5: ERROR: `freeze: true` but no record", no_record)
    assert "python -m dryga_site freeze blog/no-record.md" in no_record
    changed = next(e for e in errors if "changed.md" in e)
    line = sources["changed"].splitlines().index("```{code-cell} ipython3", 20) + 1
    assert f"changed.md:{line}: ERROR: its code changed since its outputs were frozen" in changed
    assert "run `python -m dryga_site freeze blog/changed.md` again" in changed


# Data files -------------------------------------------------------------------------------------


def test_a_post_reads_data_files_beside_it(good: Build) -> None:
    shown = outputs(good.html, "data-post")
    assert "jan,3" in shown and "a,b" in shown
    assert not (good.html / "blog/data-post/data/notes.html").exists()
    assert not (good.html / "blog/data-post/data/old.html").exists()


def test_writing_to_a_data_file_is_one_error(bad: tuple[Build, dict[str, str]]) -> None:
    build, _ = bad
    (line,) = [e for e in build.output.splitlines() if "writes.md" in e and "ERROR" in e]
    assert "ERROR: its code wrote to the data file blog/sales.csv" in line
    assert (build.src / "blog/sales.csv").read_text() == "month,sales\njan,3\n"


def test_a_missing_data_file_says_where_data_files_go(bad: tuple[Build, dict[str, str]]) -> None:
    build, _ = bad
    (line,) = [e for e in build.output.splitlines() if "missing.md" in e and "ERROR" in e]
    assert "FileNotFoundError" in line and "keep data files beside the post" in line


# Cleaning, without a build ----------------------------------------------------------------------


def test_clean_html_keeps_text_and_inline_images_only() -> None:
    from dryga_site.notebooks.stored import clean_html

    inline = f'<img src="data:image/png;base64,{PNG}" alt="dot">'
    cleaned = clean_html(HOSTILE + inline + '<a href="https://example.com">a link</a>')
    assert "bold words" in cleaned and 'alt="dot"' in cleaned and "a link" in cleaned
    for hostile in ("<script", "onerror", "evil.example", "<iframe", "<style"):
        assert hostile not in cleaned


def test_stored_markdown_never_reaches_the_myst_parser() -> None:
    from dryga_site.notebooks.stored import clean_outputs

    raw = "```{raw} html\n<script>alert(1)</script>\n```\n"
    (output,) = clean_outputs(
        [{"output_type": "display_data", "data": {"text/markdown": raw}, "metadata": {}}]
    )
    assert list(output["data"]) == ["text/html"]
    assert "<script" not in output["data"]["text/html"]


def test_myst_nb_still_takes_a_pages_settings_and_reader_as_frozen_config_gives_them() -> None:
    """Canary for the PRIVATE touch in ``notebooks/frozen.py``: myst-nb's parser reads its
    settings from ``env.mystnb_config``, and a custom reader keyed by a page's full path (by
    name, with keyword arguments) is the page's reader."""
    import inspect

    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_nb.sphinx_ import Parser
    from myst_parser.config.main import MdParserConfig

    from dryga_site.notebooks.frozen import READER

    assert "env.mystnb_config" in inspect.getsource(Parser.parse)
    stored = nbformat.v4.new_notebook()
    formats = {"/site/blog/x.md": (READER, {"notebook": stored}, False)}
    config = NbParserConfig().copy(execution_mode="off", custom_formats=formats)
    reader = create_nb_reader("/site/blog/x.md", MdParserConfig(), config, "---\n---\n")
    assert reader is not None and reader.read("anything") is stored
