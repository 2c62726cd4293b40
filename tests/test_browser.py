"""The home page in a real browser: no errors, colour modes, phones."""

from __future__ import annotations

import pytest


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1350, "height": 940})
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on(
        "response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None
    )
    page.problems = problems
    yield page
    context.close()


def test_home_renders_without_errors(page, server) -> None:
    page.goto(server + "index.html", wait_until="networkidle")
    assert page.locator(".navbar-brand").inner_text().strip() == "> andrew_dryga"
    assert page.problems == []


def test_dark_mode_switch(page, server) -> None:
    page.goto(server + "index.html", wait_until="networkidle")
    html = page.locator("html")
    before = html.get_attribute("data-theme")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    # The button cycles auto -> dark/light -> ...; click until the mode differs.
    button = page.locator(".theme-switch-button").first
    for _ in range(3):
        button.click()
        if html.get_attribute("data-theme") != before:
            break
    assert html.get_attribute("data-theme") != before
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != background
    page.reload(wait_until="networkidle")
    assert html.get_attribute("data-theme") != before, "the choice survives a reload"


def test_phone_width_has_no_horizontal_scroll_and_usable_nav(browser, server) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(server + "index.html", wait_until="networkidle")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    link = page.get_by_role("link", name="Projects").first
    if not link.is_visible():
        page.locator(".primary-toggle").first.click()
    link = page.get_by_role("link", name="Projects").locator("visible=true").first
    link.click()
    page.wait_for_load_state()
    assert page.url.endswith("projects/index.html")
    context.close()


def test_404_page_works_at_any_depth(page, server) -> None:
    response = page.goto(server + "no/such/deep/page.html", wait_until="networkidle")
    assert response.status == 404
    assert "Page not found" in page.title()
    # Styles and scripts loaded from the site root, not relative to the missing path.
    font = page.evaluate(
        "getComputedStyle(document.querySelector('.navbar-brand .logo__title')).fontFamily"
    )
    assert "monospace" in font
    page.get_by_role("link", name="home page").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith(("index.html", server.rstrip("/").split("/")[-1]))
    # The missing page's own 404 is also logged as a console error, without its URL; any other
    # 404 still shows up with its URL from the response handler.
    missing = ("no/such/deep", "status of 404 (Not Found)")
    assert [p for p in page.problems if not any(m in p for m in missing)] == []
