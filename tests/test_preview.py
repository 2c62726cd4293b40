"""The preview as an author meets it: saves show up as a clean build would show them.

The warm builder (``dryga_site.authoring.preview``) is driven directly on small sites for the
equivalence and notebook tests; ``python -m dryga_site preview`` runs as a process for what
the terminal and the browser show on a broken save, and for a port already in use.
"""

from __future__ import annotations

import html
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from dryga_site.authoring.preview import PreviewBuilder
from helpers import NOTEBOOK_FRONT_MATTER, small_site, tree_hashes

CHAPTERS = [
    {"file": "projects/index", "sections": [{"glob": "projects/*"}]},
    {"glob": "blog/*"},
]
#: Build-time stamps, normalised before comparing two builds (see README).
STAMPS = [
    (re.compile(r"Outputs generated on [^<]*"), "Outputs generated on"),
]


def post(title: str, day: str, tags: str, body: str, extra: str = "") -> str:
    return (
        f'---\ntitle: "{title}"\nblogpost: true\ndate: "{day}"\ntags: [{tags}]\n'
        f'author: Andrew Dryga\ndescription: "About {title.lower()}."\n{extra}---\n\n{body}\n'
    )


def project(title: str, order: int) -> str:
    return (
        f'---\ntitle: "{title}"\ntagline: "{title} in one line"\nkind: product\n'
        f'domains: [payments]\nstack: []\nrole: ""\nlinks: []\nfeatured: true\n'
        f"order: {order}\n---\n\n## What it is\n\nA project.\n"
    )


PAGES = {
    "index.md": "# Home\n\n```{featured-projects}\n```\n\n```{postlist} 3\n:excerpts:\n```\n",
    "projects/index.md": "# Projects\n\n```{project-catalog}\n```\n",
    "projects/alpha.md": project("Alpha", 1),
    "projects/beta.md": project("Beta", 2),
    "blog/first.md": post("First post", "2019-01-02", "elixir", "Lead one.\n\n## Part\n\nText."),
    "blog/second.md": post(
        "Second post", "2020-03-04", "elixir, testing", "Lead two, on {project}`alpha`.\n"
    ),
    "blog/third.md": post(
        "Third post", "2021-05-06", "testing", "Lead three.\n\n## Part\n\nSee [](second.md).\n"
    ),
}


def edit(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def delete(path: Path) -> Path:
    path.unlink()
    return path


def create(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def output(html: Path) -> dict[str, str]:
    """Every page and feed of a build, with the build-time stamps normalised."""
    files = {}
    for path in sorted(html.rglob("*")):
        if path.suffix not in (".html", ".xml", ".js", ".ipynb") or "_static" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern, stamp in STAMPS:
            text = pattern.sub(stamp, text)
        files[path.relative_to(html).as_posix()] = text
    return files


def test_a_series_of_saves_gives_what_a_clean_build_gives(tmp_path: Path) -> None:
    src = small_site(tmp_path / "src", PAGES, CHAPTERS)
    blog = src / "blog"
    saves: list[Callable[[], Path]] = [
        lambda: edit(blog / "first.md", "Lead one.", "Lead one, reworded."),  # prose
        lambda: edit(blog / "third.md", "tags: [testing]", "tags: [devops, elixir]"),
        # third.md links to second.md in its body: its feed entry shows the new title too
        lambda: edit(blog / "second.md", 'title: "Second post"', 'title: "Second, renamed"'),
        lambda: create(blog / "fourth.md", post("Fourth post", "2020-07-08", "devops", "New.")),
        lambda: delete(blog / "first.md"),
        lambda: edit(src / "projects/alpha.md", 'title: "Alpha"', 'title: "Alpha, renamed"'),
    ]
    warm = PreviewBuilder(src, tmp_path / "warm")
    assert warm.build().problems == []
    made_ahead = []
    for save in saves:
        warm.prepare()  # as the preview does while the author reads
        outcome = warm.build([save()])
        assert outcome.problems == [], outcome.problems
        assert outcome.shown_after is not None  # the edited pages were served first
        made_ahead.append(outcome.made_ahead)
    # An edit of a page builds on the application made ahead; a new or deleted file does not.
    assert made_ahead == [True, True, True, False, False, True]
    served = output(warm.html)
    # What the edits must have reached, so the comparison below is not of two stale builds.
    assert "Second, renamed" in served["blog/third.html"]  # a neighbour's newer/older link
    assert "Second, renamed" in served["blog/tag/elixir.html"]
    assert "Alpha, renamed" in served["blog/second.html"]  # the post naming the project
    assert "Fourth post" in served["blog/atom.xml"]
    assert "blog/first.html" not in served
    assert "blog/tag/testing.html" in served and "Third post" not in served["blog/tag/testing.html"]

    clean = PreviewBuilder(src, tmp_path / "clean")
    assert clean.build().problems == []
    expected = output(clean.html)
    assert sorted(served) == sorted(expected)
    differing = [name for name in expected if served[name] != expected[name]]
    assert differing == []

    # A broken _config.yml is one located line too, and the pages stay as they were.
    config = edit(src / "_config.yml", "title: Andrew Dryga", "title: [Andrew Dryga")
    assert re.fullmatch(r"_config\.yml:\d+: not valid YAML .*", *warm.build([config]).problems)
    assert output(warm.html) == served


def test_prose_edits_reuse_the_run_and_code_edits_rerun_only_that_post(tmp_path: Path) -> None:
    cell = "```{code-cell} ipython3\nprint(6 * 7)\n```\n"
    pages = {
        **PAGES,
        "blog/code.md": post(
            "Code", "2022-01-01", "elixir", f"Lead.\n\n{cell}", NOTEBOOK_FRONT_MATTER
        ),
        "blog/other.md": post(
            "Other", "2022-02-02", "elixir", f"Lead.\n\n{cell}", NOTEBOOK_FRONT_MATTER
        ),
    }
    src = small_site(tmp_path / "src", pages, CHAPTERS)
    warm = PreviewBuilder(src, tmp_path / "out")
    first = warm.build()
    assert first.problems == []
    assert sorted(first.ran) == ["blog/code.md", "blog/other.md"]

    warm.prepare()
    prose = warm.build([edit(src / "blog/code.md", "Lead.", "Lead, reworded.")])
    assert prose.problems == [] and prose.ran == {}  # jupyter-cache keys on code alone
    assert prose.made_ahead
    assert "Lead, reworded." in (warm.html / "blog/code.html").read_text(encoding="utf-8")

    warm.prepare()
    code = warm.build([edit(src / "blog/code.md", "6 * 7", "6 * 8")])
    assert code.problems == [] and list(code.ran) == ["blog/code.md"] and code.made_ahead
    assert re.search(r"ran blog/code\.md's code in \d+\.\d\d s", code.line())
    assert "48" in (warm.html / "blog/code.html").read_text(encoding="utf-8")


def test_a_failing_cell_names_its_traceback_which_outlasts_the_next_app(tmp_path: Path) -> None:
    cell = "```{code-cell} ipython3\n1 / 0\n```\n"
    code = post("Code", "2022-01-01", "elixir", f"Lead.\n\n{cell}", NOTEBOOK_FRONT_MATTER)
    src = small_site(tmp_path / "src", {**PAGES, "blog/code.md": code}, CHAPTERS)
    warm = PreviewBuilder(src, tmp_path / "out")
    [problem] = warm.build().problems
    report = re.search(r"\(its traceback: (.+)\)$", problem)
    assert problem.startswith("blog/code.md:") and report, problem
    warm.prepare()  # as the preview does right after a build, while the author reads
    assert "ZeroDivisionError" in (src / report[1]).read_text(encoding="utf-8")
    warm.discard_ready()


def test_a_build_folder_elsewhere_through_a_link_is_served(tmp_path: Path) -> None:
    src = small_site(tmp_path / "src", PAGES, CHAPTERS)
    (tmp_path / "elsewhere").mkdir()
    (src / "_build").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    warm = PreviewBuilder(src, src / "_build" / "preview")
    assert warm.build().problems == []
    saved = warm.build([edit(src / "blog/first.md", "Lead one.", "Lead one, saved.")])
    assert saved.problems == [] and saved.shown_after is not None
    assert "Lead one, saved." in (warm.html / "blog/first.html").read_text(encoding="utf-8")


def test_editors_own_files_are_not_saves() -> None:
    from sphinx_autobuild.filter import IgnoreFilter

    from dryga_site.authoring.preview import IGNORED

    ignored = IgnoreFilter([Path("/site/_build")], IGNORED)
    editors = ["x.md.swp", "x.md~", "4913", ".#x.md", "#x.md#", "x.md___jb_tmp___"]
    assert all(ignored(f"/site/blog/{name}") for name in editors)
    assert not any(ignored(f"/site/{name}") for name in ["blog/x.md", "blog/x.ipynb", "_toc.yml"])


def test_an_edit_of_the_extension_asks_for_a_restart_and_builds_nothing(tmp_path: Path) -> None:
    from dryga_site.authoring.preview import EXTENSION

    src = small_site(tmp_path / "src", PAGES, CHAPTERS)
    warm = PreviewBuilder(src, tmp_path / "out")
    lines: list[str] = []
    outcome = warm.save([EXTENSION / "catalog.py"], log=lines.append)
    assert len(lines) == 1 and lines[0].endswith(
        "catalog.py changed: the preview still runs the code it started with; "
        "stop it (Ctrl+C) and start it again to use the change"
    )
    assert not outcome.reload_again and not (tmp_path / "out").exists()


# ------------------------------------------------------------ the preview process


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def _wait_for_line(log: Path, pattern: str, process: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        found = re.search(pattern, log.read_text(), re.MULTILINE)
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no line matching {pattern!r} in:\n{log.read_text()}")


def test_a_broken_save_keeps_the_last_good_page_and_shows_its_error(tmp_path: Path) -> None:
    src = small_site(tmp_path / "src", PAGES, CHAPTERS)
    before = tree_hashes(src)
    log = tmp_path / "preview.log"
    cmd = [sys.executable, "-m", "dryga_site", "--root", str(src), "preview", "--port", "0"]
    with log.open("w") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = _wait_for_line(log, r"http://127\.0\.0\.1:\d+/", process, timeout=60)
        _wait_for_line(log, r"^Watching for saves", process, timeout=300)
        good = _fetch(base + "blog/first.html")
        assert "Lead one." in good and 'id="preview-error"' not in good

        post_path = src / "blog/first.md"  # one save: new prose and a broken date
        text = post_path.read_text(encoding="utf-8").replace("Lead one.", "Lead one, half-saved.")
        post_path.write_text(text.replace('date: "2019-01-02"', "date: 2019-13-45"), "utf-8")
        error = _wait_for_line(log, r"^blog/first\.md:\d+: .*$", process, timeout=120)
        assert "'2019-13-45' is not a real date" in error
        page = _fetch(base + "blog/first.html")
        assert "Lead one." in page and "half-saved" not in page  # the last good build
        assert 'id="preview-error"' in page and error in html.unescape(page)  # the same line
        assert "Traceback" not in log.read_text()

        edit(post_path, "date: 2019-13-45", 'date: "2019-01-02"')
        _wait_for_line(log, r"^built in .*\n(?!.*\n)", process, timeout=120)
        page = _fetch(base + "blog/first.html")
        assert "half-saved" in page and 'id="preview-error"' not in page
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    assert "Preview stopped." in log.read_text()
    changed = {name for name, digest in tree_hashes(src).items() if before.get(name) != digest}
    assert changed == {"blog/first.md"}  # nothing written into the sources


def test_the_open_page_reloads_itself_with_the_saved_text(tmp_path: Path, browser) -> None:
    src = small_site(tmp_path / "src", PAGES, CHAPTERS)
    log = tmp_path / "preview.log"
    cmd = [sys.executable, "-m", "dryga_site", "--root", str(src), "preview", "--port", "0"]
    with log.open("w") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    context = browser.new_context()
    try:
        base = _wait_for_line(log, r"http://127\.0\.0\.1:\d+/", process, timeout=60)
        _wait_for_line(log, r"^Watching for saves", process, timeout=300)
        page = context.new_page()
        page.goto(base + "blog/third.html")
        page.evaluate("window.notReloaded = true")  # gone once the page reloads
        edit(src / "blog/third.md", "Lead three.", "Lead three, saved.")
        page.wait_for_function(  # the body is missing for a moment while the page reloads
            "document.body?.innerText.includes('Lead three, saved.')", timeout=60_000
        )
        assert page.evaluate("window.notReloaded === undefined")
        assert re.search(r"^built in .*shown after", log.read_text(), re.MULTILINE)

        # A broken save puts its banner on the page; the save that fixes it takes it away.
        edit(src / "blog/third.md", 'date: "2021-05-06"', "date: 2021-13-45")
        page.wait_for_selector("#preview-error", timeout=60_000)
        edit(src / "blog/third.md", "date: 2021-13-45", 'date: "2021-05-06"')
        page.wait_for_function(
            "document.body && !document.getElementById('preview-error')", timeout=60_000
        )
    finally:
        context.close()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def test_a_port_in_use_is_one_line_naming_it(tmp_path: Path) -> None:
    src = small_site(tmp_path / "src", PAGES, CHAPTERS)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cmd = [sys.executable, "-m", "dryga_site", "--root", str(src), "preview"]
        proc = subprocess.run([*cmd, "--port", str(port)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"Error: port {port} on 127.0.0.1 is in use; stop what uses it, "
        "or run `python -m dryga_site preview --port 0` to pick a free port"
    ]
