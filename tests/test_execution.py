"""Code cells run in a fenced room: careless or hostile cells give one located line each,
leak nothing into the built site, and leave neither files nor processes behind."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest

from helpers import Build, cell, jupyter_book, post, small_site, tree_hashes

TOKEN = "fake-token-8c1f0e9a"
SLEEPER = "import subprocess\nsubprocess.Popen(['sleep', '3600'], start_new_session=True).pid"


def stored_notebook() -> str:
    """A committed .ipynb whose stored outputs hold a script and a widget with its state."""
    widget = {"model_id": "w1", "version_major": 2, "version_minor": 0}
    code = nbformat.v4.new_code_cell(
        "from IPython.display import display\n"
        "print('fresh from the build')\n"
        f"display({{'application/vnd.jupyter.widget-view+json': {widget!r},"
        " 'text/plain': 'IntSlider(value=3)'}, raw=True)",
        outputs=[
            nbformat.v4.new_output(
                "display_data", {"text/html": "<script>alert('stored')</script>"}
            ),
            nbformat.v4.new_output("stream", name="stdout", text="stale output\n"),
        ],
    )
    state = {
        "application/vnd.jupyter.widget-state+json": {
            "state": {"w1": {}},
            "version_major": 2,
            "version_minor": 0,
        }
    }
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Stored\n\nA notebook saved with its outputs."),
            code,
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "blogpost": True,
            "date": "2020-01-09",
            "widgets": state,
        },
    )
    return nbformat.writes(notebook)


@dataclass(frozen=True)
class Fenced:
    build: Build
    before: dict[str, str]
    after: dict[str, str]
    sleeper: int | None


@pytest.fixture(scope="module")
def fenced(tmp_path_factory: pytest.TempPathFactory) -> Fenced:
    root = tmp_path_factory.mktemp("fenced") / "src"
    posts = {
        "leak.md": post(
            "Leak",
            'date: "2020-01-02"\n',
            cell(
                "import os, sys, warnings\nprint(dict(os.environ))\nprint(os.getcwd())\n"
                "print(sys.executable)\nwarnings.warn('careful')"
            ),
        ),
        "loud.md": post(
            "Loud", 'date: "2020-01-03"\n', cell("print(('x' * 99 + '\\n') * 100_000)")
        ),
        "writer.md": post(
            "Writer",
            'date: "2020-01-04"\n',
            cell(f"open({str(root / 'blog' / 'planted.txt')!r}, 'w').write('x')"),
        ),
        "gluer.md": post(
            "Gluer",
            'date: "2020-01-10"\n',
            cell(
                "import os, sys\nfrom myst_nb import glue\n"
                "glue('where', (os.getcwd(), sys.prefix))\n"
                "glue('hidden', os.getcwd(), display=False)"
            )
            + "\nThe room: {glue:text}`where`, unseen: {glue:text}`hidden`.\n",
        ),
        "scribbler.md": post(
            "Scribbler",
            'date: "2020-01-09"\n',
            cell(f"open({str(root / '_build' / 'html' / 'planted.html')!r}, 'w').write('x')"),
        ),
        "killer.md": post("Killer", 'date: "2020-01-05"\n', cell("import os\nos._exit(1)")),
        "spawner.md": post("Spawner", 'date: "2020-01-06"\n', cell(SLEEPER)),
        "patient.md": post(
            "Patient", 'date: "2020-01-07"\nmystnb:\n  execution_timeout: 100000\n', cell("1")
        ),
        "unrun.md": post(
            "Unrun", 'date: "2020-01-08"\nmystnb:\n  execution_mode: "off"\n', cell("1")
        ),
    }
    pages = {"index.md": "# Home\n\nThe home page.\n"}
    pages.update({f"blog/{name}": text for name, text in posts.items()})
    pages["blog/stored.ipynb"] = stored_notebook()
    small_site(root, pages, [{"glob": "blog/*"}])
    stale = root / "_build/html"
    (stale / "reports/blog").mkdir(parents=True)
    (stale / "blog").mkdir()
    (stale / "reports/blog/old.err.log").write_text("Traceback: stale", encoding="utf-8")
    (stale / "blog/gone.ipynb").write_text("{}", encoding="utf-8")
    before = tree_hashes(root)
    build = jupyter_book(root, strict=False, env={"DRYGA_FAKE_TOKEN": TOKEN})
    (root.parent / "build.log").write_text(build.output, encoding="utf-8")  # for a failing test
    spawned = (build.html / "blog/spawner.html").read_text(encoding="utf-8")
    pid = re.search(r"<pre><span></span>(\d+)\s*</pre>", spawned)
    return Fenced(build, before, tree_hashes(root), int(pid[1]) if pid else None)


def lines_about(build: Build, post: str) -> list[str]:
    """The build's problems (errors and warnings) about one post."""
    return [
        line
        for line in build.output.splitlines()
        if f"blog/{post}" in line and re.search(r": (ERROR|WARNING):", line)
    ]


def built_files(build: Build) -> list[Path]:
    return [path for path in build.html.rglob("*") if path.is_file()]


def test_the_build_prints_no_traceback(fenced: Fenced) -> None:
    assert not re.search(r"Traceback|Exception|ERROR:tornado", fenced.build.output)


def test_cells_see_no_token_of_the_build(fenced: Fenced) -> None:
    page = (fenced.build.html / "blog/leak.html").read_text(encoding="utf-8")
    assert "'HOME': '~'" in page, "the cell ran and printed its environment"
    leaks = [path for path in built_files(fenced.build) if TOKEN.encode() in path.read_bytes()]
    assert leaks == []
    assert (fenced.build.html / "blog/leak.ipynb").is_file()


def test_no_absolute_path_of_the_build_machine_reaches_a_page(fenced: Fenced) -> None:
    page = (fenced.build.html / "blog/leak.html").read_text(encoding="utf-8")
    notebook = (fenced.build.html / "blog/leak.ipynb").read_text(encoding="utf-8")
    assert "&lt;cell&gt;:" in page and "UserWarning: careful" in page
    glued = (fenced.build.html / "blog/gluer.html").read_text(encoding="utf-8")
    assert '"pasted-text">(‘~’, ‘&lt;python&gt;’)</span>' in glued  # a value glued into prose
    assert 'unseen: <span class="pasted-text">~</span>' in glued  # glued, not displayed
    glued_notebook = (fenced.build.html / "blog/gluer.ipynb").read_text(encoding="utf-8")
    for text in (page, notebook, glued, glued_notebook):
        assert "ipykernel_" not in text and str(fenced.build.src) not in text
        assert os.path.dirname(os.__file__) not in text
        assert not re.search(r"/tmp/tmp\w+", text)


def test_a_loud_cell_is_capped_with_a_note_and_one_warning(fenced: Fenced) -> None:
    page = fenced.build.html / "blog/loud.html"
    assert 1_000_000 < page.stat().st_size < 1_300_000, "the page shows 1 MB of the 10 MB"
    note = "output cut: this cell printed more than 1,000,000 characters; the rest is not shown"
    assert note in page.read_text(encoding="utf-8")
    notebook = fenced.build.html / "blog/loud.ipynb"
    assert notebook.stat().st_size < 1_300_000 and note in notebook.read_text(encoding="utf-8")
    [line] = lines_about(fenced.build, "loud")
    assert re.search(r"blog/loud\.md:\d+: WARNING: a code cell printed more than 1,000,000", line)


def test_a_cell_that_writes_into_the_sources_fails_naming_the_files(fenced: Fenced) -> None:
    assert fenced.build.returncode != 0
    [line] = lines_about(fenced.build, "writer.md")
    assert "ERROR: its code changed the sources (blog/planted.txt); write only to" in line
    changed = {
        k
        for k in fenced.before.keys() | fenced.after.keys()
        if fenced.before.get(k) != fenced.after.get(k)
    }
    assert changed == {"blog/planted.txt"}, "no other post or build step touched the sources"


def test_a_cell_that_writes_into_the_built_site_fails_naming_the_file(fenced: Fenced) -> None:
    [line] = lines_about(fenced.build, "scribbler.md")
    assert (
        "ERROR: its code changed the built site (_build/html/planted.html); "
        "write only to the folder it runs in"
    ) in line


def test_a_dead_kernel_is_one_located_error(fenced: Fenced) -> None:
    [line] = lines_about(fenced.build, "killer")
    assert re.search(r"blog/killer\.md: ERROR: the kernel died while a code cell ran", line)


def test_processes_a_cell_started_end_with_the_build(fenced: Fenced) -> None:
    assert fenced.sleeper, "the cell printed the id of the process it started"
    assert not psutil.pid_exists(fenced.sleeper) or (
        psutil.Process(fenced.sleeper).status() == psutil.STATUS_ZOMBIE
    )


def test_a_post_cannot_raise_the_time_limit_or_skip_its_run(fenced: Fenced) -> None:
    [patient] = lines_about(fenced.build, "patient")
    assert re.search(
        r"blog/patient\.md:\d+: ERROR: `mystnb: execution_timeout: 100000` must be a whole "
        r"number of seconds from 1 to 60",
        patient,
    )
    [unrun] = lines_about(fenced.build, "unrun")
    assert "ERROR: `mystnb: execution_mode` is a site-wide setting" in unrun


def test_stored_outputs_and_widgets_are_not_published(fenced: Fenced) -> None:
    page = (fenced.build.html / "blog/stored.html").read_text(encoding="utf-8")
    assert "fresh from the build" in page and "IntSlider(value=3)" in page
    assert "stale output" not in page and "alert(" not in page
    assert not re.search(r"<script[^>]*widget-(view|state)\+json", page)
    assert not re.search(r"cdn\.|jsdelivr|unpkg|require(\.min)?\.js", page)


def test_artefacts_of_earlier_builds_are_not_published(fenced: Fenced) -> None:
    assert not (fenced.build.html / "reports/blog/old.err.log").exists()
    assert not (fenced.build.html / "blog/gone.ipynb").exists()


def test_named_folders_are_rewritten_even_inside_the_temporary_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A clone (and its venv) in /tmp: its paths read <site> and <python>, not ~/..."""
    import tempfile

    from dryga_site.notebooks.sandbox import machine_paths, neutral

    clone = os.path.join(tempfile.gettempdir(), "clone", "site")
    monkeypatch.setattr("sys.prefix", os.path.join(clone, ".venv"))
    rules = machine_paths(clone)
    text = f"{clone}/blog/x.md {clone}/.venv/bin/python {tempfile.gettempdir()}/tmpab12/out"
    assert neutral(text, rules) == "<site>/blog/x.md <python>/bin/python ~/out"
    # The other way round: the temporary folder inside the home folder (TMPDIR=~/rtmp).
    monkeypatch.setenv("HOME", "/home/author")
    monkeypatch.setattr(tempfile, "tempdir", "/home/author/rtmp")
    text = "/home/author/rtmp/tmpab12/out /home/author/notes.txt"
    assert neutral(text, machine_paths("/srv/site")) == "~/out ~/notes.txt"


def test_the_fence_stamps_the_site_only_when_a_kernel_starts(tmp_path: Path) -> None:
    """A page whose outputs come from the cache starts no kernel, and costs no hashing."""
    from dryga_site.notebooks.fence import Watch

    (tmp_path / "blog").mkdir()
    post = tmp_path / "blog" / "a.md"
    post.write_text("first", encoding="utf-8")
    watch = Watch(tmp_path, tmp_path / "_build" / "html", tmp_path / "report.log")
    post.write_text("changed without a kernel", encoding="utf-8")
    assert watch.sources is None and watch.changes() == []
    watch.kernel_started()
    post.write_text("changed while the kernel ran", encoding="utf-8")
    assert watch.changes() == [("the sources", "blog/a.md")]
