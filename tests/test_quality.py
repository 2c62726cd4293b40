"""What every reader gets: light pages, no errors, valid HTML, nothing axe-core can fault.

All browser checks share the session's build, gzip server and Chromium. axe-core and the Nu
HTML checker come from ``npm ci`` (see package.json); without node_modules these tests skip
locally and fail under CI=true.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

from dryga_site.authoring.serve import built_pages, template_pages
from helpers import AXE, NODE_MODULES, VIEWPORTS, missing_tool

VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
MAX_BYTES = 120 * 1024  # transferred on a first load, text gzipped
MAX_REQUESTS = 15


@pytest.fixture(scope="session")
def templates(html: Path) -> dict[str, str]:
    """One page of every template the site has."""
    return template_pages(html)


def test_audit_server_gzips_text_like_read_the_docs(server: str) -> None:
    request = Request(server + "index.html", headers={"Accept-Encoding": "gzip"})
    with urlopen(request) as response:
        assert response.headers["Content-Encoding"] == "gzip"


# -- every page, first load --------------------------------------------------------------


@pytest.fixture(scope="session")
def first_loads(browser, server: str, html: Path) -> dict[str, dict]:
    """Load every page once with an empty cache; note errors, failed requests and weight."""
    context = browser.new_context(viewport={"width": 1350, "height": 940})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    sent: dict[str, tuple[str, str]] = {}  # request id -> (page URL, resource URL)
    received: dict[str, int] = {}  # request id -> bytes on the wire, headers included

    def will_send(event: dict) -> None:
        if not event["request"]["url"].startswith("data:"):
            sent[event["requestId"]] = (event["documentURL"], event["request"]["url"])

    cdp.on("Network.requestWillBeSent", will_send)
    cdp.on(
        "Network.loadingFinished",
        lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # ERR_ABORTED: a late request (the favicon) cut off by the test's next navigation.
    page.on(
        "requestfailed",
        lambda r: (
            problems.append(f"failed: {r.url} {r.failure}")
            if "ERR_ABORTED" not in (r.failure or "")
            else None
        ),
    )
    page.on(
        "response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None
    )

    loads: dict[str, dict] = {}
    for path in built_pages(html):
        problems.clear()
        page.goto(server + path, wait_until="load")
        page.wait_for_timeout(50)  # let late console messages arrive
        loads[path] = {"problems": list(problems), "bytes": {}}
    context.close()
    for request_id, (document, url) in sent.items():
        path = document.removeprefix(server)
        if path in loads and request_id in received:
            loads[path]["bytes"][url] = received[request_id]
    return loads


def test_every_page_loads_without_errors_or_failed_requests(first_loads: dict) -> None:
    assert len(first_loads) >= 20
    problems = {path: load["problems"] for path, load in first_loads.items() if load["problems"]}
    assert problems == {}


def test_every_page_is_light_on_first_load(first_loads: dict) -> None:
    heavy = []
    for path, load in first_loads.items():
        total, count = sum(load["bytes"].values()), len(load["bytes"])
        if total > MAX_BYTES or count > MAX_REQUESTS:
            sizes = sorted(load["bytes"].items(), key=lambda kv: -kv[1])
            heavy.append(f"{path}: {total / 1024:.0f} KB in {count} requests")
            heavy += [f"    {size / 1024:6.1f} KB {url.split('/', 3)[-1]}" for url, size in sizes]
    assert not heavy, "\n".join(heavy)


def test_no_page_fetches_font_awesome_or_bootstrap_js(first_loads: dict) -> None:
    fetched = {url for load in first_loads.values() for url in load["bytes"]}
    unwanted = [u for u in fetched if re.search(r"fontawesome|webfonts|bootstrap\.js", u)]
    assert unwanted == []


# -- axe-core on every template, both widths, both colour modes ------------------------------


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        missing_tool("axe-core")
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_axe_finds_no_violations(browser, server, templates, axe_source, width, mode) -> None:
    w, h = VIEWPORTS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, color_scheme=mode)
    page = context.new_page()
    found = {}
    for name, path in templates.items():
        page.goto(server + path, wait_until="load")
        assert page.locator("html").get_attribute("data-theme") == mode, name
        page.add_script_tag(content=axe_source)
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        for violation in result["violations"]:
            targets = [n["target"] for n in violation["nodes"]][:3]
            found.setdefault(f"{name} ({path})", []).append(
                f"{violation['id']} [{violation['impact']}]: {violation['help']} at {targets}"
            )
    context.close()
    assert found == {}


# -- the Nu HTML checker over the whole build ------------------------------------------------


def test_nu_html_checker_finds_no_errors(html: Path) -> None:
    if not VNU.is_file():
        missing_tool("vnu-jar")
    java = shutil.which("java")
    if java is None:
        missing_tool("Java", "apt-get install -y default-jre-headless")
    pages = [str(html / p) for p in built_pages(html)]
    proc = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *pages],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(proc.stderr or '{"messages": []}')["messages"]
    errors = [
        f"{m.get('url', '?').removeprefix('file:' + str(html) + '/')}"
        f":{m.get('lastLine', '?')}: {m['message']}"
        for m in messages
        if m.get("type") in {"error", "non-document-error"}
    ]
    assert errors == [], "\n".join(errors[:40])


# -- what the asset diet must keep working ---------------------------------------------------


def test_pages_link_code_assets_only_when_they_show_code(html: Path) -> None:
    with_code = without_code = 0
    for path in built_pages(html):
        text = (html / path).read_text(encoding="utf-8")
        body = text[text.index("<body") :]
        has_code = 'class="highlight' in body
        # pygments.css, or its trimmed copy (extension/firstpaint.py)
        links = re.findall(r'/(pygments(?:\.trimmed)?\.css|copybutton\.js)[?"]', text)
        names = {link.replace(".trimmed", "") for link in links}
        assert sorted(names) == (["copybutton.js", "pygments.css"] if has_code else []), path
        with_code += has_code
        without_code += not has_code
    assert with_code and without_code


def test_code_has_a_working_copy_button(browser, server, templates) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(server + templates["post"], wait_until="load")
    block = page.locator("div.highlight").first
    block.hover()
    block.locator("button.copybtn").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() and copied.strip() in block.inner_text()
    context.close()


def test_search_from_the_navbar_finds_a_post(browser, server) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "index.html", wait_until="load")
    page.get_by_role("button", name="Site navigation").click()  # a phone's menu holds search
    page.get_by_role("button", name="Search").locator("visible=true").click()
    field = page.locator("#pst-search-dialog input[type=search]")
    field.fill("compensation")
    field.press("Enter")
    page.wait_for_url("**/search.html?q=compensation")
    results = page.locator("#search-results a")
    results.first.wait_for()
    assert any(
        "blog/" in (href or "") for href in results.evaluate_all("as => as.map(a => a.href)")
    )
    assert errors == []
    context.close()


def test_every_page_has_a_description_for_search_engines(html: Path) -> None:
    missing = [
        path
        for path in built_pages(html)
        if not re.search(
            r'<meta name="description" content="[^"]{40,}"', (html / path).read_text("utf-8")
        )
    ]
    assert missing == []
