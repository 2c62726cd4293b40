"""First paint from the first packets (dryga_site/extension/firstpaint.py).

What a reader's browser paints first comes with the page: the page's critical CSS is inline in
its head, within the first 14 KB that Read the Docs sends (gzipped), before the site's header
and the page's title; every stylesheet loads without blocking. These tests look at what the
reader gets: the bytes of the first round trip, screenshots of the first paint against the
finished page, layout shifts, and the trimmed stylesheets against the theme's own.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from dryga_site.authoring.serve import template_pages
from helpers import ROOT, VIEWPORTS, jupyter_book, small_site

#: What the first round trip of a new connection carries: ten TCP segments of 1,460 bytes
#: (RFC 6928), less room for the HTTP headers.
FIRST_PACKETS = 14 * 1024
#: The dark theme's background (_static/site.css).
DARK_BACKGROUND = "rgb(13, 17, 23)"
TRIMMED = re.compile(r"\.trimmed\.css(?:\?|$)")


@pytest.fixture(scope="session")
def templates(html: Path) -> dict[str, str]:
    """One page of every template the site has."""
    return template_pages(html)


def first_packets(page: Path) -> str:
    """The page as far as its first 14 KB bring it, gzipped as Read the Docs sends it."""
    sent = gzip.compress(page.read_bytes(), compresslevel=6, mtime=0)
    return (
        zlib.decompressobj(16 + zlib.MAX_WBITS)
        .decompress(sent[:FIRST_PACKETS])
        .decode("utf-8", "ignore")
    )


def scripted(head: str) -> str:
    """``head`` as a browser with JavaScript reads it: without its ``<noscript>`` parts."""
    return re.sub(r"<noscript>.*?</noscript>", "", head, flags=re.S)


def blocking_stylesheets(head: str) -> list[str]:
    """The stylesheet links in ``head`` that hold up the first paint."""
    head = scripted(head)
    links = re.findall(r"<link\b[^>]*>", head)
    return [
        link
        for link in links
        if re.search(r'rel="stylesheet"', link) and 'media="print"' not in link
    ]


def test_every_template_paints_from_its_first_14_kb(html: Path, templates: dict) -> None:
    for name, path in templates.items():
        first = first_packets(html / path)
        head, _, body = first.partition("</head>")
        assert body, f"{name}: the head alone is over 14 KB"
        critical = "".join(re.findall(r"<style>(.*?)</style>", scripted(head), re.S))
        assert len(critical) > 5000, f"{name}: no critical CSS in the first 14 KB"
        assert "html[data-theme=dark]" in critical, f"{name}: the dark theme's colours"
        assert blocking_stylesheets(head) == [], name
        assert "</header>" in body, f"{name}: the site's header is not in the first 14 KB"
        assert "</h1>" in body, f"{name}: the page's title is not in the first 14 KB"


def test_every_page_loads_its_stylesheets_without_blocking(html: Path) -> None:
    for page in html.rglob("*.html"):
        if page.relative_to(html).parts[0].startswith("_"):
            continue
        head = page.read_text(encoding="utf-8").partition("</head>")[0]
        assert blocking_stylesheets(head) == [], page.relative_to(html)
        assert "<style>" in scripted(head), page.relative_to(html)
        assert "beasties" not in head, page.relative_to(html)


def test_the_theme_stylesheet_is_trimmed_and_keeps_what_pages_use(html: Path) -> None:
    theme = html / "_static" / "styles" / "pydata-sphinx-theme.css"
    trimmed = theme.with_name("pydata-sphinx-theme.trimmed.css").read_text(encoding="utf-8")
    before = len(gzip.compress(theme.read_bytes()))
    after = len(gzip.compress(trimmed.encode()))
    assert after < before / 3, f"{before} -> {after} bytes gzipped"
    for selector in (".bd-header", "html[data-theme=dark]", ".bd-article-container", ".sd-card"):
        assert selector in trimmed, selector
    for unused in (".navbar-icon-links", ".admonition.seealso"):
        assert unused not in trimmed, unused
    assert "sourceMappingURL" not in trimmed


def test_pages_link_the_trimmed_stylesheets(html: Path, templates: dict) -> None:
    for name, path in templates.items():
        text = (html / path).read_text(encoding="utf-8")
        links = re.findall(r'<link\b[^>]*rel="stylesheet"[^>]*>', text)
        hrefs = {re.search(r'href="([^"]+)"', link)[1] for link in links}
        assert any("pydata-sphinx-theme.trimmed.css" in href for href in hrefs), name
        untrimmed = [h for h in hrefs if not TRIMMED.search(h) and "/site.css" not in h]
        assert untrimmed == [], name


# -- in the browser --------------------------------------------------------------------------


def _shot(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


#: How far one pixel may drift between two rasterizations of the same page. Under load,
#: Chromium's rasterizer anti-aliases a rounded corner one or two levels differently from one
#: run to the next (11 levels was the most seen); a missing rule moves or recolours far more.
RASTER_NOISE = 16


def _same(first: bytes, second: bytes) -> bool:
    a, b = _shot(first), _shot(second)
    if a.size != b.size:
        return False
    beyond_noise = ImageChops.difference(a, b).point(lambda v: 255 if v > RASTER_NOISE else 0)
    return beyond_noise.getbbox() is None


def _png(draw) -> bytes:
    image = Image.new("RGB", (40, 20), (255, 255, 255))
    draw(image)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_screens_differ_by_a_lost_rule_but_not_by_anti_aliasing() -> None:
    plain = _png(lambda image: image.paste((204, 204, 204), (0, 19, 40, 20)))
    aliased = _png(lambda image: image.paste((215, 215, 215), (0, 19, 40, 20)))
    lighter_border = _png(lambda image: image.paste((221, 221, 221), (0, 19, 40, 20)))
    taller = Image.open(io.BytesIO(plain)).resize((40, 21))
    out = io.BytesIO()
    taller.save(out, format="PNG")
    assert _same(plain, aliased)
    assert not _same(plain, lighter_border)
    assert not _same(plain, out.getvalue())


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_the_first_paint_is_the_finished_page(browser, server, templates, width, mode) -> None:
    """With only the page itself (no stylesheet or script files), the screen looks finished.

    The first paint has nothing but the HTML: if it matches the page once everything has
    loaded, nothing shifts or changes colour later, in either colour mode.
    """
    w, h = VIEWPORTS[width]
    different = []
    for name, path in templates.items():
        shots = []
        for only_the_page in (True, False):
            context = browser.new_context(viewport={"width": w, "height": h}, color_scheme=mode)
            page = context.new_page()
            if only_the_page:
                page.route(re.compile(r"\.(css|js)(\?.*)?$"), lambda route: route.abort())
            # Settled: the copy buttons come after the load event.
            page.goto(server + path, wait_until="networkidle")
            if only_the_page and mode == "dark":
                background = page.evaluate("getComputedStyle(document.body).backgroundColor")
                assert background == DARK_BACKGROUND, f"{name}: {background}"
            page.wait_for_timeout(300)  # the copy buttons' fade
            shots.append(page.screenshot())
            context.close()
        if not _same(*shots):
            different.append(name)
    assert different == []


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_no_template_shifts_its_layout(browser, server, templates, mode) -> None:
    """Cumulative layout shift on a phone, as Lighthouse reports it: 0 to three decimals.

    Every response comes 150 ms late (the round trip of Lighthouse's slow phone), so the page
    paints from its own HTML before its stylesheets and scripts arrive, as on a phone.
    """
    observe = """
        window.shifts = [];
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) window.shifts.push(entry.value);
        }).observe({ type: "layout-shift", buffered: true });
    """
    late = {"latency": 150, "downloadThroughput": -1, "uploadThroughput": -1}
    shifted = {}
    for name, path in templates.items():
        # A first visit each time: nothing saved by the theme's script on an earlier page.
        context = browser.new_context(
            viewport={"width": 412, "height": 823}, device_scale_factor=1.75, color_scheme=mode
        )
        page = context.new_page()
        page.add_init_script(observe)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {"offline": False, **late})
        page.goto(server + path, wait_until="load")
        page.wait_for_timeout(500)
        total = page.evaluate("window.shifts.reduce((a, b) => a + b, 0)")
        if round(total, 3) > 0:
            shifted[name] = round(total, 4)
        context.close()
    assert shifted == {}


def test_trimming_changes_no_page(browser, server, templates) -> None:
    """Each template looks the same with the theme's and extensions' untrimmed stylesheets."""
    different = []
    for w, h in VIEWPORTS.values():
        for name, path in templates.items():
            shots = []
            for untrimmed in (False, True):
                context = browser.new_context(viewport={"width": w, "height": h})
                page = context.new_page()
                if untrimmed:
                    page.route(
                        TRIMMED,
                        lambda route: route.continue_(
                            url=TRIMMED.sub(".css?", route.request.url).rstrip("?")
                        ),
                    )
                page.goto(server + path, wait_until="networkidle")
                page.wait_for_timeout(300)  # the copy buttons' fade
                shots.append(page.screenshot(full_page=True))
                context.close()
            if not _same(*shots):
                different.append(f"{name} at {w}x{h}")
    assert different == []


# -- builds ----------------------------------------------------------------------------------

PAGES = {"index.md": "# Home\n\nText.\n", "about.md": "# About\n\nText.\n"}


def test_a_style_edit_reaches_every_pages_critical_css(tmp_path: Path) -> None:
    if not (ROOT / "node_modules" / "beasties").is_dir():
        pytest.skip("beasties is not installed: run `npm ci`")
    src = small_site(tmp_path / "src", PAGES, [{"file": "about"}])
    (src / "node_modules").symlink_to(ROOT / "node_modules")
    assert jupyter_book(src).returncode == 0
    css = src / "_static" / "site.css"
    css.write_text(css.read_text(encoding="utf-8") + "\nh1 { letter-spacing: 0.0625em; }\n")
    again = jupyter_book(src)
    assert again.returncode == 0, again.output[-2000:]
    for page in ("index.html", "about.html"):
        head = (again.html / page).read_text(encoding="utf-8").partition("</head>")[0]
        assert "letter-spacing:0.0625em" in head, page


def test_without_the_tools_the_build_says_so_in_one_line(tmp_path: Path) -> None:
    src = small_site(tmp_path / "src", PAGES, [{"file": "about"}])
    build = jupyter_book(src)
    assert build.returncode == 0, build.output[-2000:]
    lines = [line for line in build.output.splitlines() if "first paint" in line]
    assert lines == [
        "first paint not optimised: no Node, or no beasties or purgecss in node_modules; "
        "run `npm ci` to optimise it"
    ]
    head = (build.html / "index.html").read_text(encoding="utf-8").partition("</head>")[0]
    assert "pydata-sphinx-theme.css" in head and ".trimmed.css" not in head
