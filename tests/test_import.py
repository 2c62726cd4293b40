"""``python -m dryga_site import``: notebooks from JupyterLab, Quarto and fastpages become
posts that build strictly, the originals untouched; bad input is one line.

The notebooks are small ones written here in each tool's layout (the corpus of real notebooks
was not in main when these were written).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import ROOT, Build, jupyter_book, small_site, soup, tree_hashes


def code(source: str, outputs: list | None = None) -> dict:
    return {
        "cell_type": "code",
        "execution_count": 1 if outputs else None,
        "metadata": {},
        "outputs": outputs or [],
        "source": source,
    }


def markdown(source: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def notebook(cells: list[dict], minor: int, **metadata: object) -> str:
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    meta = {"kernelspec": kernel, **metadata}
    return json.dumps({"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": minor})


QUARTO = notebook(
    [
        {
            "cell_type": "raw",
            "metadata": {},
            "source": "---\ntitle: Quarto Post\ndate: 2023-05-04\ndescription: A Quarto post."
            "\ncategories: [Data Science, python]\nformat: html\n---\n",
        },
        markdown("Some prose from Quarto."),
        code("print('from quarto')"),
    ],
    minor=4,
)
FASTPAGES = notebook(
    [
        markdown(
            "# A Fastpages Post\n> What it is about.\n\n- toc: true\n- badges: true\n"
            "- categories: [jupyter, Deep Learning]\n"
        ),
        markdown("Prose after the header; [results below](#Training-Results).\n"),
        code("train()", [{"output_type": "stream", "name": "stdout", "text": "loss 0.1\n"}]),
        markdown("## Training Results\n\nThe loss fell."),
    ],
    minor=2,
)
PLAIN = notebook(
    [markdown("# Plain JupyterLab\n\nA first paragraph."), code("print(2 + 2)")], minor=5
)


def run_import(src: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(ROOT), "PATH": str(Path(sys.executable).parent)}
    return subprocess.run(
        [sys.executable, "-m", "dryga_site", "import", *args],
        cwd=src,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Build, dict[str, str], Path]:
    base = tmp_path_factory.mktemp("import")
    src = small_site(base / "src", {"index.md": "# Home\n"}, [{"glob": "blog/*"}])
    downloads = base / "downloads"
    downloads.mkdir()
    (downloads / "quarto.ipynb").write_text(QUARTO)
    (downloads / "2020-02-20-fastpages.ipynb").write_text(FASTPAGES)
    (downloads / "Untitled.ipynb").write_text(PLAIN)
    originals = tree_hashes(downloads)
    said = {
        "quarto": run_import(src, str(downloads / "quarto.ipynb")),
        "fastpages": run_import(src, str(downloads / "2020-02-20-fastpages.ipynb"), "--freeze"),
        "plain": run_import(src, str(downloads / "Untitled.ipynb")),
    }
    for name, ran in said.items():
        assert ran.returncode == 0, f"{name}: {ran.stdout}{ran.stderr}"
    assert tree_hashes(downloads) == originals, "import changed an original"
    return jupyter_book(src), {k: v.stdout for k, v in said.items()}, downloads


def test_imported_posts_build_strictly(site: tuple[Build, dict[str, str], Path]) -> None:
    build, _, _ = site
    assert build.returncode == 0, build.output[-3000:]
    for slug in ("quarto-post", "a-fastpages-post", "plain-jupyterlab"):
        page = soup(build.html / f"blog/{slug}.html")
        assert len(page.select("h1")) == 1, slug


def test_quarto_front_matter_is_taken(site: tuple[Build, dict[str, str], Path]) -> None:
    build, said, _ = site
    meta = nbformat.read(build.src / "blog/quarto-post.ipynb", as_version=4).metadata
    assert meta["title"] == "Quarto Post" and meta["date"] == "2023-05-04"
    assert meta["tags"] == ["data-science", "python"]
    assert meta["description"] == "A Quarto post." and meta["draft"] is True
    assert "from the Quarto raw cell" in said["quarto"]
    assert "left out: format" in said["quarto"]
    assert "from quarto" in soup(build.html / "blog/quarto-post.html").get_text()


def test_fastpages_header_and_file_date(site: tuple[Build, dict[str, str], Path]) -> None:
    build, said, _ = site
    meta = nbformat.read(build.src / "blog/a-fastpages-post.ipynb", as_version=4).metadata
    assert meta["title"] == "A Fastpages Post" and meta["description"] == "What it is about."
    assert meta["date"] == "2020-02-20" and meta["tags"] == ["jupyter", "deep-learning"]
    assert meta["freeze"] is True
    page = soup(build.html / "blog/a-fastpages-post.html")
    assert "loss 0.1" in page.get_text()  # the saved output of a frozen import
    assert "> What it is about" not in page.get_text()
    assert "from its file name" in said["fastpages"]
    link = page.find("a", string="results below")
    assert link["href"] == "#training-results" and page.find(id="training-results")


def test_jekyll_markup_is_reported_with_its_cells() -> None:
    from dryga_site.authoring.imports import Imported, _markup

    cells = [
        markdown("# Title\n\n![chart]({{ site.baseurl }}/images/chart.png)"),
        code("x = '{{ site.baseurl }}'"),
        markdown("{% include youtube.html content='x' %}"),
        markdown("## Видео туториал\n\n[back](#Видео-туториал)"),
        markdown(
            "```liquid\n{{ page.title }}\n```\n\n## Part\n\n### Sub\n\n#### Deep\n\n[deep](#Deep)"
        ),
        markdown("Title: {{ page.title }}"),
    ]
    report = Imported(Path())
    _markup(cells, "Title", report)
    assert report.check == [
        "Markdown cell(s) 1, 3, 6: Jekyll's {{ site.baseurl }} or {% ... %} (fastpages), which the "
        "build stops on; link files by a path relative to the post and keep them beside it"
    ]
    assert cells[3]["source"].endswith("[back](#видео-туториал)")
    assert cells[4]["source"].endswith("[deep](#Deep)")  # level 4 even after renumbering
    assert report.took == ["1 link(s) to headings, pointed at this site's anchors"]


def test_a_plain_notebook_takes_its_heading_and_file_date(
    site: tuple[Build, dict[str, str], Path],
) -> None:
    build, said, _ = site
    meta = nbformat.read(build.src / "blog/plain-jupyterlab.ipynb", as_version=4).metadata
    assert meta["title"] == "Plain JupyterLab" and "freeze" not in meta
    assert "(the file's date)" in said["plain"]
    assert "Check date" in said["plain"] and "Check freeze" in said["plain"]


def test_import_refuses_to_overwrite(site: tuple[Build, dict[str, str], Path]) -> None:
    build, _, downloads = site
    before = (build.src / "blog/quarto-post.ipynb").read_bytes()
    ran = run_import(build.src, str(downloads / "quarto.ipynb"))
    assert ran.returncode == 1
    assert ran.stdout.strip().splitlines() == [
        "blog/quarto-post.ipynb already exists: nothing was written; "
        "import with --slug NAME for another name"
    ]
    assert (build.src / "blog/quarto-post.ipynb").read_bytes() == before


@pytest.mark.parametrize(
    "name, content",
    [("notes.txt", "just text\n"), ("data.json", '{"a": 1}'), ("bytes.ipynb", "\udcff")],
)
def test_a_file_that_is_not_a_notebook_is_one_line(
    site: tuple[Build, dict[str, str], Path], name: str, content: str
) -> None:
    build, _, downloads = site
    path = downloads / name
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    ran = run_import(build.src, str(path))
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    (line,) = ran.stdout.strip().splitlines()
    assert "not a" in line and "notebook" in line
    assert not list((build.src / "blog").glob(f"{Path(name).stem}*"))
