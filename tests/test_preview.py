"""The preview as an author meets it: saves show up as a clean build would show them.

The warm builder (``dryga_site.authoring.preview``) is driven directly on small sites for the
equivalence and notebook tests, and for what a dropped application leaves in the process;
``python -m dryga_site preview`` runs as a process for what the terminal and the browser show
on a broken save, for a port already in use, and for Ctrl+C. The last tests are canaries: the
private parts of other libraries the preview relies on are still there.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gc
import html
import inspect
import logging
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import weakref
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path

import psutil
import pytest
from jupyter_client.provisioning import KernelProvisionerFactory

from dryga_site.authoring.preview import PreviewBuilder
from dryga_site.extension.errors import WarningLog
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


@pytest.fixture(autouse=True)
def process_state() -> Iterator[None]:
    """Put back what an in-process build changes for the whole process.

    The builder freezes what is imported (``gc.freeze``), Sphinx hangs handlers on the
    "sphinx" logger, the site makes its kernel provisioner jupyter_client's default, and
    ablog keeps a blog per process.
    """
    from ablog.blog import Blog

    sphinx_logger = logging.getLogger("sphinx")
    handlers, level = list(sphinx_logger.handlers), sphinx_logger.level
    factory = KernelProvisionerFactory.instance()
    provisioner, frozen = factory.default_provisioner_name, gc.get_freeze_count()
    blog = dict(Blog._dict)
    yield
    if gc.get_freeze_count() != frozen:
        gc.unfreeze()
    for handler in list(sphinx_logger.handlers):
        sphinx_logger.removeHandler(handler)
    for handler in handlers:
        sphinx_logger.addHandler(handler)
    sphinx_logger.setLevel(level)
    factory.default_provisioner_name = provisioner
    Blog._dict.clear()
    Blog._dict.update(blog)


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

    from dryga_site.authoring.server import IGNORED

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


def _site_log_handlers() -> list[WarningLog]:
    return [h for h in logging.getLogger("sphinx").handlers if isinstance(h, WarningLog)]


def test_a_dropped_app_is_collected_and_leaves_no_handler(tmp_path: Path) -> None:
    """Whichever way the preview drops an application, nothing in the process keeps it."""
    src = small_site(tmp_path / "src", PAGES, CHAPTERS)
    warm = PreviewBuilder(src, tmp_path / "out")
    assert warm.build().problems == []

    def dropped_by(save: Callable[[], object]) -> weakref.ref:
        warm.prepare()
        assert warm.ready is not None
        app = weakref.ref(warm.ready.app)
        save()
        assert [h for h in _site_log_handlers() if h.app is app()] == []
        gc.collect()
        return app

    fourth = post("Fourth post", "2020-07-08", "devops", "New.")
    assert dropped_by(warm.discard_ready)() is None  # made ahead, never built
    # Made ahead, then not usable for a new file: dropped unbuilt, another one built.
    assert dropped_by(lambda: warm.build([create(src / "blog/fourth.md", fourth)]))() is None
    assert dropped_by(lambda: warm.build([edit(src / "blog/first.md", "one.", "one!")]))() is None
    # A change of settings drops it, then freezes what is imported again: not the app.
    config = lambda: warm.build([edit(src / "_config.yml", "Andrew Dryga", "A. Dryga")])  # noqa: E731
    assert dropped_by(config)() is None
    # An application that fails to start leaves no handler either.
    theme = edit(src / "_config.yml", "html_theme: pydata_sphinx_theme", "html_theme: no_such")
    [problem] = warm.build([theme]).problems
    assert "no_such" in problem and _site_log_handlers() == []
    # PRIVATE canary (sphinx_apps._sphinx): the compiled templates outlived each application.
    assert warm.templates.compiled


def test_after_a_build_cut_short_the_next_start_reads_every_page(tmp_path: Path) -> None:
    src = small_site(tmp_path / "src", PAGES, CHAPTERS)
    warm = PreviewBuilder(src, tmp_path / "out")
    assert warm.build().problems == []
    warm.building = True  # as when Ctrl+C comes mid-build
    warm.close()
    outcome = PreviewBuilder(src, tmp_path / "out").build()
    assert outcome.problems == []
    assert len(outcome.read) == len(PAGES)  # not only the changed pages: none changed


# ------------------------------------------------------------ the preview process


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def _start_preview(src: Path, log: Path) -> subprocess.Popen:
    """``python -m dryga_site preview`` on ``src`` on a free port, writing into ``log``."""
    cmd = [sys.executable, "-m", "dryga_site", "--root", str(src), "preview", "--port", "0"]
    with log.open("w") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen, timeout: float = 60) -> None:
    """Ctrl+C; if the preview has not ended ``timeout`` s later, kill it and all it started."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise


def _kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process(process.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()
    process.kill()
    process.wait()


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
    process = _start_preview(src, log)
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
        _stop(process)
    assert "Preview stopped." in log.read_text()
    changed = {name for name, digest in tree_hashes(src).items() if before.get(name) != digest}
    assert changed == {"blog/first.md"}  # nothing written into the sources


def test_the_open_page_reloads_itself_with_the_saved_text(tmp_path: Path, browser) -> None:
    src = small_site(tmp_path / "src", PAGES, CHAPTERS)
    log = tmp_path / "preview.log"
    process = _start_preview(src, log)
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
        # A new document, not the old one patched (polled: the reload may still be settling).
        page.wait_for_function("window.notReloaded === undefined", timeout=10_000)
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
        _stop(process)


def test_a_port_in_use_is_one_line_naming_it(tmp_path: Path) -> None:
    src = small_site(tmp_path / "src", PAGES, CHAPTERS)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cmd = [sys.executable, "-m", "dryga_site", "--root", str(src), "preview"]
        proc = subprocess.run(
            [*cmd, "--port", str(port)], capture_output=True, text=True, timeout=120
        )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"Error: port {port} on 127.0.0.1 is in use; stop what uses it, "
        "or run `python -m dryga_site preview --port 0` to pick a free port"
    ]


#: A post whose code cell sleeps, with a process of its own; in the cell's folder, "started"
#: says it runs.
SLEEPING_CELL = """```{code-cell} ipython3
import pathlib, subprocess, time
subprocess.Popen(["sleep", "300"])
pathlib.Path("started").write_text("")
time.sleep(50)
```
"""
QUICK_CELL = "```{code-cell} ipython3\nprint(6 * 7)\n```\n"


def _cell_running(
    process: subprocess.Popen, log: Path, timeout: float
) -> tuple[str, list[psutil.Process]]:
    """Once a kernel of the preview runs the sleeping cell: its mark, it and what it started."""
    from dryga_site.notebooks.sandbox import KERNEL_MARK

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        for child in psutil.Process(process.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                mark = child.environ().get(KERNEL_MARK)
                if mark and Path(child.cwd(), "started").exists():
                    return mark, [child, *child.children(recursive=True)]
        time.sleep(0.1)
    raise AssertionError(f"the cell never ran:\n{log.read_text()}")


def _alive(mark: str, processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those of ``processes``, or processes carrying the kernel ``mark``, that still run."""
    from dryga_site.notebooks.sandbox import KERNEL_MARK

    found = set(processes)
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if process.environ().get(KERNEL_MARK) == mark:
                found.add(process)
    alive = []
    for process in found:
        with contextlib.suppress(psutil.Error):
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
    return alive


@pytest.mark.parametrize("when", ["first build", "save"])
def test_ctrl_c_mid_build_stops_at_once_and_leaves_no_process(tmp_path: Path, when: str) -> None:
    first = SLEEPING_CELL if when == "first build" else QUICK_CELL
    code = post("Code", "2022-01-01", "elixir", f"Lead.\n\n{first}", NOTEBOOK_FRONT_MATTER)
    src = small_site(tmp_path / "src", {**PAGES, "blog/code.md": code}, CHAPTERS)
    log = tmp_path / "preview.log"
    process = _start_preview(src, log)
    try:
        if when == "save":
            _wait_for_line(log, r"^Watching for saves", process, timeout=300)
            edit(src / "blog/code.md", QUICK_CELL, SLEEPING_CELL)
        mark, kernel = _cell_running(process, log, timeout=300)
        assert len(kernel) == 2  # the kernel and the cell's own process
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        stopped_after = time.monotonic() - started
    finally:
        if process.poll() is None:
            _kill(process)
    assert stopped_after <= 2, f"stopped {stopped_after:.1f} s after Ctrl+C"
    assert _alive(mark, kernel) == []
    output = log.read_text()
    assert output.rstrip().endswith("Preview stopped.") and "Traceback" not in output, output
    assert (src / "_build/preview/interrupted").exists()  # the next start reads every page


def _in_a_loop(main: Callable[[], Coroutine[None, None, None]]) -> None:
    """Run ``main()`` in an event loop of its own thread (a browser test leaves one here)."""
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, main()).result(timeout=30)


def test_the_rebuild_server_fits_upstream(tmp_path: Path) -> None:
    """What ``WarmRebuildServer`` overrides and uses of sphinx-autobuild's server is there."""
    from sphinx_autobuild.filter import IgnoreFilter
    from sphinx_autobuild.server import RebuildServer

    from dryga_site.authoring.server import WarmRebuildServer

    overridden = {
        name
        for name in vars(WarmRebuildServer)
        if hasattr(RebuildServer, name) and name not in ("__init__", "__doc__", "__module__")
    }
    assert overridden == set(WarmRebuildServer.OVERRIDES)
    for name in WarmRebuildServer.OVERRIDES:
        theirs, ours = getattr(RebuildServer, name), getattr(WarmRebuildServer, name)
        assert inspect.signature(theirs) == inspect.signature(ours), name
        assert inspect.iscoroutinefunction(theirs) == inspect.iscoroutinefunction(ours), name
    init = inspect.signature(RebuildServer.__init__).parameters
    assert list(init) == ["self", "paths", "ignore_filter", "change_callback"]
    server = RebuildServer([tmp_path], IgnoreFilter([], []), lambda changed: None)
    assert [name for name in WarmRebuildServer.USES if not hasattr(server, name)] == []
    assert server.paths == [tmp_path.resolve()] and isinstance(server.flag, asyncio.Event)

    watched, sent = [], []

    class Probe(RebuildServer):
        async def watch(self) -> None:
            watched.append(self)
            await asyncio.Event().wait()  # until the server stops

    class Socket:
        async def send_text(self, text: str) -> None:
            sent.append(text)

    async def serve_briefly() -> None:
        probe = Probe([tmp_path], IgnoreFilter([], []), lambda changed: None)
        async with probe.lifespan(None):  # runs watch() until the server stops
            reloads = asyncio.create_task(probe.watch_reloads(Socket()))
            await asyncio.sleep(0.05)
            probe.flag.set()  # each open page is told to reload
            await asyncio.sleep(0.05)
            reloads.cancel()

    _in_a_loop(serve_briefly)
    assert len(watched) == 1 and sent == ["refresh"]


def test_starlette_and_sphinx_autobuild_pieces_fit(tmp_path: Path) -> None:
    """``FreshFiles.file_response`` is what Starlette answers a file with, and the script
    injector and ignore filter take what the preview gives them."""
    from sphinx_autobuild.filter import IgnoreFilter
    from sphinx_autobuild.middleware import JavascriptInjectorMiddleware
    from starlette.staticfiles import StaticFiles

    from dryga_site.authoring.server import FreshFiles

    def parameters(call: Callable) -> list[tuple[str, object]]:
        return [(p.name, p.default) for p in inspect.signature(call).parameters.values()]

    assert parameters(StaticFiles.file_response) == parameters(FreshFiles.file_response)
    empty = inspect.Parameter.empty
    assert parameters(JavascriptInjectorMiddleware) == [("app", empty), ("ws_url", empty)]
    assert [name for name, _ in parameters(IgnoreFilter)] == ["regular", "regex_based"]

    (tmp_path / "page.html").write_text("<p>page</p>", encoding="utf-8")
    messages: list[dict] = []

    async def get() -> None:
        scope = {"type": "http", "method": "GET", "path": "/page.html", "headers": []}

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            messages.append(message)

        await FreshFiles(directory=tmp_path, html=True)(scope, receive, send)

    _in_a_loop(get)
    headers = dict(messages[0]["headers"])
    assert messages[0]["status"] == 200 and headers[b"cache-control"] == b"no-store"
    assert b"etag" not in headers and messages[1]["body"] == b"<p>page</p>"


def test_sphinx_keeps_emptied_search_terms_in_two_dicts() -> None:
    """Sphinx's search index drops a removed page from each term, keeping emptied terms in
    ``_mapping`` and ``_title_mapping``; the preview drops those as a clean build would."""
    from types import SimpleNamespace

    from sphinx.search import IndexBuilder

    from dryga_site.authoring.preview import drop_emptied_search_terms

    names = ("titles", "filenames", "mapping", "title_mapping", "all_titles", "index_entries")
    env = SimpleNamespace(
        **{f"_search_index_{name}": {} for name in (*names, "objtypes", "objnames")}
    )
    indexer = IndexBuilder(env, "en", {}, "")
    indexer._mapping.update(gone={"old"}, kept={"kept", "old"})
    indexer._title_mapping.update(gone={"old"})
    indexer.prune(["kept"])
    assert indexer._mapping == {"gone": set(), "kept": {"kept"}}
    assert indexer._title_mapping == {"gone": set()}
    drop_emptied_search_terms(SimpleNamespace(builder=SimpleNamespace(indexer=indexer)))
    assert indexer._mapping == {"kept": {"kept"}} and indexer._title_mapping == {}


def test_ablog_keeps_its_blog_in_one_class_dict() -> None:
    """ablog's blog is shared by every app of the process through ``Blog._dict``, holding the
    app that filled it; emptied, the next app fills it again."""
    from types import SimpleNamespace

    from ablog.blog import CONFIG, Blog

    from dryga_site.authoring.sphinx_apps import empty_blog

    settings = SimpleNamespace(**{option[0]: option[1] for option in CONFIG})
    first, second = SimpleNamespace(config=settings), SimpleNamespace(config=settings)
    empty_blog()
    assert Blog(first).__dict__ is Blog._dict and Blog(second).app is first
    empty_blog(second)  # not the app that filled it: kept
    assert Blog._dict["app"] is first
    empty_blog(first)
    assert Blog._dict == {} and Blog(second).app is second


def test_sphinx_docutils_contexts_are_there() -> None:
    """The two context managers Sphinx's own commands build inside, and what the preview
    relies on: a directive registered inside ``docutils_namespace`` is gone after it."""
    from docutils.parsers.rst import Directive
    from sphinx.util.docutils import (
        docutils_namespace,
        is_directive_registered,
        patch_docutils,
        register_directive,
    )

    assert list(inspect.signature(patch_docutils).parameters) == ["confdir"]
    with docutils_namespace():
        register_directive("preview-canary", Directive)
        assert is_directive_registered("preview-canary")
    assert not is_directive_registered("preview-canary")


def test_ablog_lists_its_archive_pages_from_the_app() -> None:
    from ablog.post import generate_archive_pages

    assert inspect.isgeneratorfunction(generate_archive_pages)
    assert list(inspect.signature(generate_archive_pages).parameters) == ["app"]
