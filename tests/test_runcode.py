"""Run it here: a post's code cells edited and run in the page, on the site's own Pyodide.

The browser tests block every request that is not to the local test server, so the runtime can
only come from the site itself. Pyodide comes from ``npm ci``; without it these tests skip
locally and fail under CI=true.
"""

from __future__ import annotations

import base64
import json
import re
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from dryga_site.authoring.serve import serving
from dryga_site.notebooks import runcode
from helpers import AXE, ROOT, cell, jupyter_book, missing_tool, post, small_site, soup

PYODIDE = ROOT / "node_modules" / "pyodide"
SAGE = "blog/introducing-sage.html"
RUNTIME_FILE = re.compile(r"\.wasm|/pyodide/|runcode-worker")
COLD = 180_000  # ms: generous, for a busy machine; scripts/bench.py reports the real times


@pytest.fixture(scope="session")
def pyodide() -> Path:
    if not (PYODIDE / "pyodide.asm.wasm").is_file():
        missing_tool("Pyodide")
    return PYODIDE


# -- what the build works out ---------------------------------------------------------------


def test_imports_are_read_from_the_code() -> None:
    source = "import numpy as np, os.path\nfrom json import dumps\nfrom . import sibling\n"
    assert runcode.imports(source) == {"numpy", "os", "json"}
    assert runcode.imports("%timeit sum(range(9))") == {"IPython"}


def test_a_cell_needs_what_the_cells_above_it_need() -> None:
    sources = ["import json", "import numpy", "print(1)"]
    needs = runcode.missing_per_cell(sources, frozenset({"json"}))
    assert needs == [[], ["numpy"], ["numpy"]]


def test_offline_modules_come_from_the_runtime_files(pyodide: Path, tmp_path: Path) -> None:
    modules = runcode.offline_modules(pyodide)
    assert {"dataclasses", "typing", "json", "hashlib", "math", "itertools", "sys"} <= modules
    assert not {"numpy", "matplotlib", "micropip"} & modules  # the npm package has no wheels
    # A package's wheel next to the core files makes its modules available.
    for name in runcode.RUNTIME_FILES:
        (tmp_path / name).symlink_to(pyodide / name)
    (tmp_path / "micropip-0.11.1-py3-none-any.whl").write_bytes(b"")
    assert "micropip" in runcode.offline_modules(tmp_path)


def test_runtime_is_copied_and_posts_get_controls(html: Path, pyodide: Path) -> None:
    for name in runcode.RUNTIME_FILES:
        copied = html / "_static" / "pyodide" / name
        assert copied.read_bytes() == (pyodide / name).read_bytes(), name
    page = (html / SAGE).read_text(encoding="utf-8")
    assert '"needs": [[], [], [], [], []]' in page
    assert '"runtime": "../_static/pyodide/"' in page
    build = runcode.build_id(pyodide)
    assert f'"worker": "../_static/runcode-worker.js?v={build}", "build": "{build}"' in page
    # The page names the runtime only inside the script: no link, preload or source.
    assert not soup(html / SAGE).select('[src*="pyodide"], [href*="pyodide"]')
    assert "runcode" not in (html / "about.html").read_text(encoding="utf-8")


def test_the_build_id_changes_with_the_worker_and_the_runtime(
    pyodide: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readers' saved Python snapshots are kept under it, so any file they depend on changes it."""
    static, folder = tmp_path / "static", tmp_path / "pyodide"
    static.mkdir()
    folder.mkdir()
    for name in (runcode.CONTROLS.name, runcode.WORKER):
        (static / name).write_bytes((runcode.STATIC / name).read_bytes())
    for name in runcode.RUNTIME_FILES:
        (folder / name).symlink_to(pyodide / name)
    monkeypatch.setattr(runcode, "STATIC", static)
    monkeypatch.setattr(runcode, "CONTROLS", static / runcode.CONTROLS.name)
    first = runcode.build_id(folder)
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    assert runcode.build_id(folder) == first, "the same files, the same id"
    (static / runcode.WORKER).write_text("/* another worker */", encoding="utf-8")
    second = runcode.build_id(folder)
    (folder / "python_stdlib.zip").unlink()
    (folder / "python_stdlib.zip").write_bytes(b"another standard library")
    assert len({first, second, runcode.build_id(folder)}) == 3


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, pyodide: Path) -> dict[str, object]:
    """One small site built without the runtime, then again with it."""
    root = tmp_path_factory.mktemp("runcode") / "site"
    pages = {
        "index.md": "# Home\n",
        "blog/plots.md": post(
            "Plots",
            'date: "2020-01-02"\n',
            cell('print("no imports yet")') + cell("import matplotlib\nprint(1)"),
        ),
    }
    small_site(root, pages, [{"glob": "blog/*"}])
    without = jupyter_book(root)
    plain = {
        "runtime copied": (without.html / "_static" / "pyodide").exists(),
        "controls": "runcode" in (without.html / "blog" / "plots.html").read_text("utf-8"),
    }
    (root / "node_modules").symlink_to(pyodide.parent)
    return {"without": without, "plain": plain, "with": jupyter_book(root)}


def test_a_build_without_the_runtime_says_how_to_turn_it_on(small: dict) -> None:
    build = small["without"]
    assert build.returncode == 0, build.output[-3000:]
    lines = [line for line in build.output.splitlines() if "run controls are off" in line]
    assert lines == [
        "run controls are off: no Pyodide in node_modules/pyodide; run `npm ci` to turn them on"
    ]
    assert small["plain"] == {"runtime copied": False, "controls": False}


def test_a_post_needing_a_missing_module_says_so(small: dict) -> None:
    build = small["with"]
    assert build.returncode == 0, build.output[-3000:]
    assert "run controls are off" not in build.output
    page = (build.html / "blog" / "plots.html").read_text(encoding="utf-8")
    assert '"needs": [[], ["matplotlib"]]' in page, "the page was rewritten with its controls"


# -- in the browser ---------------------------------------------------------------------------


def local_only(context, base: str) -> list[str]:
    """Abort every request not to ``base``; return the list of requests made."""
    seen: list[str] = []

    def route(r) -> None:
        seen.append(f"{r.request.method} {r.request.url}")
        return r.continue_() if r.request.url.startswith(base) else r.abort()

    context.route("**/*", route)
    return seen


def open_post(browser, base: str, path: str = SAGE):
    context = browser.new_context(viewport={"width": 1350, "height": 940})
    seen = local_only(context, base)
    return context, open_page(context, base + path), seen


def open_page(context, url: str):
    """A new tab of ``context`` on ``url``, collecting its uncaught errors in ``page.errors``."""
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url, wait_until="load")
    return page


def cell_at(page, number: int):
    return page.locator(".cell").nth(number - 1)


def run(page, number: int, timeout: float = COLD) -> float:
    """Press Run on cell ``number``; wait for its result; return the seconds it took."""
    started = time.perf_counter()
    cell_at(page, number).get_by_role("button", name="Run").click()
    page.wait_for_function(
        "n => /^(Ran|Raised)/.test(document.querySelectorAll('.runcode-status')[n].innerText)",
        arg=number - 1,
        timeout=timeout,
    )
    return time.perf_counter() - started


def edit_and_run_the_declined_payment(browser, base: str) -> None:
    context, page, seen = open_post(browser, base)
    assert page.locator(".runcode-bar button", has_text="Run").count() == 5
    page.wait_for_timeout(500)
    assert [r for r in seen if RUNTIME_FILE.search(r)] == [], "nothing runtime before a click"
    published = {n: cell_at(page, n).locator(".cell_output").inner_text() for n in (3, 5)}
    declined = cell_at(page, 4)
    assert "failed      payment: card declined" in declined.locator(".cell_output").inner_text()
    code = declined.get_by_role("textbox")
    started = time.perf_counter()  # Python starts loading at the first edit
    code.click()
    page.keyboard.press("Control+End")
    page.keyboard.type('\nprint("seats left:", world["seats"])')
    seconds = run(page, 4)
    print(
        f"\ncold, under {base}: first edit to output {time.perf_counter() - started:.1f} s,"
        f" Run to output {seconds:.1f} s"
    )
    new_output = declined.locator(".cell_output").inner_text()
    assert "seats left: {'T-1': 'seat-4A'}" in new_output
    assert "compensated room (room-12)" in new_output
    for n, text in published.items():
        assert cell_at(page, n).locator(".cell_output").inner_text() == text, "outputs stay"
    assert [r for r in seen if not r.startswith("GET ")] == [], "edits never leave the page"
    assert any("/_static/pyodide/pyodide.asm.wasm" in r for r in seen)
    assert page.errors == []
    context.close()


def test_reader_edits_and_runs_the_declined_payment(browser, server) -> None:
    edit_and_run_the_declined_payment(browser, server)


def test_the_same_under_the_read_the_docs_prefix(browser, html, tmp_path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "latest").symlink_to(html)
    with serving(tmp_path) as root:
        edit_and_run_the_declined_payment(browser, root + "en/latest/")


@pytest.fixture(scope="module")
def live(browser, server) -> Iterator[object]:
    """The Sage post with Python loaded after running its first cell, its snapshot saved."""
    context, page, _ = open_post(browser, server)
    run(page, 1)
    saved_snapshot(page)  # so a restart after Stop is a warm start
    yield page
    context.close()


def axe_violations(page) -> list[str]:
    if not AXE.is_file():
        missing_tool("axe-core")
    page.add_script_tag(path=AXE)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [v["id"] for v in result["violations"]]


def replace_and_run(page, number: int, source: str) -> str:
    cell_at(page, number).get_by_role("textbox").fill(source)
    run(page, number)
    return cell_at(page, number).locator(".cell_output").inner_text().strip()


def test_an_exception_is_shown_and_the_page_still_works(live) -> None:
    output = replace_and_run(live, 5, 'print("before")\nraise ValueError("no such trip")')
    assert "before" in output
    assert re.search(r'File "<cell 5>", line 2.*ValueError: no such trip', output, re.S)
    assert "pyodide" not in output, "the traceback is the reader's code only"
    assert "Raised an error" in cell_at(live, 5).locator(".runcode-status").inner_text()
    assert axe_violations(live) == []
    assert replace_and_run(live, 5, "list(world)") == "['rooms', 'seats', 'charges']"
    assert live.errors == []


def test_input_gets_a_clear_message(live) -> None:
    output = replace_and_run(live, 5, 'name = input("Your name? ")')
    assert "input() cannot ask for text here" in output


def test_big_output_is_cut_with_a_note(live) -> None:
    output = replace_and_run(live, 5, 'print("x" * 10_000_000)')
    assert "Output cut to its first 100,000 characters (it printed 10,000,001)." in output
    assert len(output) < 101_000


def test_reset_restores_the_published_code_and_output(live, html) -> None:
    published = soup(html / SAGE).select(".cell")[4]
    cell_at(live, 5).get_by_role("button", name="Reset").click()
    assert cell_at(live, 5).get_by_role("textbox").inner_text().strip() == (
        published.select_one(".cell_input pre").get_text().strip()
    )
    output = cell_at(live, 5).locator(".cell_output").inner_text().strip()
    assert output == published.select_one(".cell_output").get_text().strip()


def test_an_endless_loop_can_be_stopped(live) -> None:
    cell_at(live, 5).get_by_role("textbox").fill("while True:\n    pass")
    cell_at(live, 5).get_by_role("button", name="Run").click()
    status = cell_at(live, 5).locator(".runcode-status")
    live.wait_for_timeout(1000)
    assert status.inner_text() == "Running..."
    assert live.evaluate("1 + 1") == 2, "the page stays responsive"
    cell_at(live, 5).get_by_role("button", name="Stop").click()
    assert status.inner_text().startswith("Stopped")
    assert replace_and_run(live, 5, 'print("after the stop", list(world))') == (
        "after the stop ['rooms', 'seats', 'charges']"
    ), "a fresh Python ran the cells above first"


def test_a_failed_download_says_so_and_can_retry(browser, server) -> None:
    context, page, seen = open_post(browser, server)
    # Every runtime file but the loader fails, so none is still arriving when the page gives up.
    failing = re.compile(r"/_static/pyodide/(?!pyodide\.mjs)")
    context.route(failing, lambda r: r.abort())
    cell_at(page, 1).get_by_role("button", name="Run").click()
    alert = cell_at(page, 1).get_by_role("alert")
    alert.wait_for(timeout=COLD)
    assert "Python could not be loaded from this site" in alert.inner_text()
    context.unroute(failing)
    before = len(seen)
    cell_at(page, 1).get_by_role("button", name="Retry").click()
    page.wait_for_function(
        "document.querySelector('.runcode-status').innerText.startsWith('Ran')", timeout=COLD
    )
    assert any("pyodide.asm.wasm" in r for r in seen[before:])
    assert not cell_at(page, 1).get_by_role("alert").count()
    context.close()


# -- warm across pages ------------------------------------------------------------------------

#: What each saved snapshot's Cache Storage entry is, read in the page: [cache name, bytes].
SNAPSHOTS = """async () => {
    const found = [];
    for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) {
            const response = await caches.match(request, {cacheName: name});
            found.push([name, (await response.arrayBuffer()).byteLength]);
        }
    }
    return found;
}"""


def saved_snapshot(page, timeout: float = 60) -> str:
    """Wait until the only thing stored is the snapshot a Run saves (after its output), a copy
    of Python's memory; return its Cache Storage name."""
    deadline = time.monotonic() + timeout
    while True:
        found = page.evaluate(SNAPSHOTS)
        if len(found) == 1 and found[0][1] > 10_000_000:
            return found[0][0]
        assert time.monotonic() < deadline, f"no snapshot alone after the Run: {found}"
        page.wait_for_timeout(100)


def expected_store(html: Path, pyodide: Path) -> str:
    version = json.loads((pyodide / "package.json").read_text(encoding="utf-8"))["version"]
    build = re.search(r'"build": "(\w+)"', (html / SAGE).read_text(encoding="utf-8"))[1]
    return f"runcode-snapshot {version} {build}"


def test_python_stays_warm_from_one_post_to_the_next(browser, server, html, pyodide) -> None:
    context, page, seen = open_post(browser, server)
    assert page.evaluate(SNAPSHOTS) == [], "nothing is stored before a Run"
    cold = run(page, 1)
    assert saved_snapshot(page) == expected_store(html, pyodide)
    warm, numbers = [], []
    for path in ("blog/run-stale-tests.html", "blog/real-10x-engineer.html"):
        before = len(seen)
        page = open_page(context, server + path)
        page.wait_for_timeout(500)
        assert [r for r in seen[before:] if RUNTIME_FILE.search(r)] == [], "nothing before Run"
        warm.append(run(page, 1))
        assert cell_at(page, 1).locator(".runcode-status").inner_text().startswith("Ran")
        numbers.append(replace_and_run(page, 1, "import random\nprint(random.getrandbits(64))"))
        assert page.errors == []
    print(f"\nfirst Run: {cold:.2f} s on the first post, {warm} s on the next ones")
    assert max(warm) <= 0.5 * cold, "scripts/bench.py --runtime measures the real ratio"
    assert numbers[0] != numbers[1], "each page gets fresh random numbers, not the snapshot's"
    context.close()


#: Spoil the saved snapshot in one way, read in the page; the SHA-256 stays right unless damaged.
SPOIL = """async (kind) => {
    const [name] = await caches.keys();
    const cache = await caches.open(name);
    const [request] = await cache.keys();
    const response = await cache.match(request);
    let bytes = new Uint8Array(await response.arrayBuffer());
    let digest = response.headers.get('x-sha256');
    if (kind === 'damaged') {
        bytes[bytes.length >> 1] ^= 0xff;
    } else {
        if (kind === 'cut short') bytes = bytes.slice(0, bytes.length / 2);
        if (kind === 'from another Pyodide build') new Uint32Array(bytes.buffer, 16, 8).fill(7);
        if (kind === 'not a snapshot') bytes = new TextEncoder().encode('<h1>Hi</h1>'.padEnd(4096));
        const sha = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
        digest = Array.from(sha, (b) => b.toString(16).padStart(2, '0')).join('');
    }
    await cache.put(request, new Response(bytes, {headers: {'x-sha256': digest}}));
    return bytes.length;
}"""


def test_a_broken_or_foreign_snapshot_falls_back_to_a_normal_start(browser, server) -> None:
    context, page, _ = open_post(browser, server)
    run(page, 1)
    store = saved_snapshot(page)
    kinds = ("damaged", "cut short", "from another Pyodide build", "not a snapshot")
    for kind in kinds:
        page.evaluate(SPOIL, kind)
        page = open_page(context, server + SAGE)
        code = cell_at(page, 4).get_by_role("textbox")
        code.fill(code.inner_text() + '\nprint("seats left:", world["seats"])')
        run(page, 4)
        output = cell_at(page, 4).locator(".cell_output").inner_text()
        assert "seats left: {'T-1': 'seat-4A'}" in output, kind
        assert not page.get_by_role("alert").count(), kind
        assert page.errors == [], kind
        assert saved_snapshot(page) == store, f"{kind}: a good snapshot replaced it"
    # One saved by another build of the site is not even read, and gives way to this build's.
    page.evaluate(
        """async () => {
            const [name] = await caches.keys();
            const other = await caches.open(name.replace(/ \\w+$/, ' 0123456789abcdef'));
            await other.put(location.href, new Response('not for this build'));
            await caches.delete(name);
        }"""
    )
    page = open_page(context, server + SAGE)
    run(page, 1)
    assert saved_snapshot(page) == store
    context.close()


# -- sharing an edited cell -------------------------------------------------------------------


def cell_id(code: str) -> str:
    """A cell's name in a shared link: FNV-1a of its published code's UTF-16 code units."""
    data = code.encode("utf-16-le")
    value = 0x811C9DC5
    for (unit,) in struct.iter_unpack("<H", data):
        value = ((value ^ unit) * 16777619) & 0xFFFFFFFF
    return f"{value:08x}"


def link_to(html: Path, number: int, form: str, data: bytes) -> str:
    """A link's fragment for cell ``number`` of the Sage post: ``form`` and base64url ``data``."""
    published = soup(html / SAGE).select(".cell_input pre")[number - 1].get_text()
    text = base64.urlsafe_b64encode(data).decode().rstrip("=")
    return f"#code={cell_id(published)}.{form}{text}"


def shared(html: Path, number: int, code: bytes, form: str = "z") -> str:
    """The fragment that brings ``code`` (UTF-8) to cell ``number``, deflated for ``z``."""
    if form == "z":
        packer = zlib.compressobj(wbits=-15)  # deflate-raw
        code = packer.compress(code) + packer.flush()
    return link_to(html, number, form, code)


def published_code(html: Path) -> list[str]:
    return [pre.get_text().strip() for pre in soup(html / SAGE).select(".cell_input pre")]


def shown_code(page) -> list[str]:
    return [t.strip() for t in page.locator(".cell_input pre").all_inner_texts()]


def test_a_shared_cell_opens_with_its_code_and_runs_only_on_run(browser, server, html) -> None:
    context, page, _ = open_post(browser, server)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.rstrip("/"))
    declined = cell_at(page, 4)
    code = declined.get_by_role("textbox")
    code.click()
    page.keyboard.press("Control+End")
    page.keyboard.type('\nprint("seats left:", world["seats"])  # é ✓ </script>')
    edited = code.inner_text()
    declined.get_by_role("button", name="Copy link").press("Enter")  # a real button: keyboard
    status = declined.get_by_role("status")
    status.filter(has_text="Link copied").wait_for()
    link = page.evaluate("navigator.clipboard.readText()")
    context.close()
    assert link.startswith(f"{server}{SAGE}#code=")
    assert len(link) < 400, "compressed"

    context, page, seen = open_post(browser, server, link.removeprefix(server))
    declined = cell_at(page, 4)
    assert declined.get_by_role("textbox").inner_text() == edited
    assert "Code from a link, not the post's own" in declined.inner_text()
    assert declined.get_by_role("status").inner_text() == "Not run yet"
    assert declined.locator(".runcode-from-link").is_visible()
    assert declined.get_by_role("button", name="Reset").is_visible()
    assert page.evaluate("scrollY") > 500, "scrolled to the cell"
    assert axe_violations(page) == []
    page.wait_for_timeout(1000)
    assert [r for r in seen if RUNTIME_FILE.search(r)] == [], "nothing runs (or loads) on opening"
    output = declined.locator(".cell_output")
    assert "seats left" not in output.inner_text()
    run(page, 4)
    assert "seats left: {'T-1': 'seat-4A'}" in output.inner_text()
    declined.get_by_role("button", name="Reset").click()
    assert shown_code(page) == published_code(html)
    assert not declined.locator(".runcode-from-link").count()
    assert page.url == server + SAGE, "a reload shows the post's own code"
    assert page.errors == []
    context.close()


def test_without_a_clipboard_the_link_is_shown_to_copy(browser, server) -> None:
    context = browser.new_context()
    local_only(context, server)
    context.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined})"
    )
    page = open_page(context, server + SAGE)
    second = cell_at(page, 2)
    second.get_by_role("textbox").fill('print("shared by hand")')
    second.get_by_role("button", name="Copy link").click()
    field = second.get_by_role("textbox", name="Link to the code of cell 2")
    assert field.evaluate("f => f === document.activeElement && f.readOnly")
    link = field.input_value()
    assert link.startswith(f"{server}{SAGE}#code=")
    assert field.evaluate("f => [f.selectionStart, f.selectionEnd]") == [0, len(link)]
    assert second.get_by_role("status").inner_text() == "Copy the link from the field below"
    assert axe_violations(page) == []
    opened = open_page(context, link)
    assert cell_at(opened, 2).get_by_role("textbox").inner_text() == 'print("shared by hand")'
    assert page.errors == opened.errors == []
    context.close()


#: Links a reader may be sent: what the page must show (a note), never run.
BAD_LINKS = {
    "megabytes": (lambda html: "#code=0123abcd.u" + "A" * 2_000_000, "longer than the 8,000"),
    "invalid UTF-8": (lambda html: shared(html, 2, b"print(1)\xff\xfe", "u"), "not valid UTF-8"),
    "a zip bomb": (lambda html: shared(html, 2, b"#" * 5_000_000), "longer than 100,000 char"),
    "damaged": (lambda html: link_to(html, 2, "z", b"\xff not deflate"), "its code is damaged"),
    "not base64": (lambda html: shared(html, 2, b"abc", "u") + "A", "not in the form"),
    "malformed": (lambda html: "#code=<script>alert(1)</script>", "not in the form"),
    "unknown cell": (lambda html: "#code=00000000.uMQ", "no cell of this post has the code"),
}


@pytest.mark.parametrize("kind", BAD_LINKS)
def test_a_bad_link_is_ignored_with_a_note(browser, server, html, kind: str) -> None:
    fragment, note = BAD_LINKS[kind]
    context, page, seen = open_post(browser, server, SAGE + fragment(html))
    problem = page.locator(".runcode-link-problem")
    problem.wait_for()
    assert note in problem.inner_text()
    assert problem.inner_text().startswith("The code in this page's link was not loaded:")
    assert problem.get_attribute("role") == "status"
    assert shown_code(page) == published_code(html)
    page.wait_for_timeout(500)
    assert [r for r in seen if RUNTIME_FILE.search(r)] == []
    assert page.errors == []
    context.close()


def test_a_linked_script_tag_is_shown_as_text(browser, server, html) -> None:
    code = '</script><script>document.title = "pwned"</script><img src=x onerror="alert(1)">'
    context, page, seen = open_post(browser, server, SAGE + shared(html, 2, code.encode()))
    page.on("dialog", lambda d: page.errors.append(f"dialog: {d.message}"))
    assert cell_at(page, 2).get_by_role("textbox").inner_text() == code
    page.wait_for_timeout(500)
    assert page.title() != "pwned" and page.locator(".cell img[src=x]").count() == 0
    assert [r for r in seen if RUNTIME_FILE.search(r)] == [] and page.errors == []
    context.close()


def test_heading_anchors_still_work(browser, server) -> None:
    context, page, _ = open_post(browser, server, SAGE + "#a-tiny-saga-executor")
    page.wait_for_timeout(300)
    top = page.evaluate(
        "document.getElementById('a-tiny-saga-executor').getBoundingClientRect().top"
    )
    assert page.evaluate("scrollY") > 0 and -5 < top < 150
    assert not page.locator(".runcode-link-problem").count()
    context.close()
