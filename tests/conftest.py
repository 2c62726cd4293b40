"""Shared fixtures: one strict build of a copy of the site per test session.

Every test reads the same build; browser tests also share one local server and
one Chromium. Without Chromium the browser tests skip (they fail under CI=true).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from dryga_site.authoring.serve import serving
from helpers import CHROMIUM, CHROMIUM_ARGS, Build, copy_site, jupyter_book


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The site, built once per session from a temporary copy of the sources."""
    src = copy_site(tmp_path_factory.mktemp("site") / "src")
    return jupyter_book(src)


@pytest.fixture(scope="session")
def html(site: Build) -> Path:
    """The built HTML folder; fails every dependent test if the build failed."""
    assert site.returncode == 0, site.output[-4000:]
    return site.html


@pytest.fixture(scope="session")
def server(html: Path) -> Iterator[str]:
    """Serve the built site on 127.0.0.1, gzipped like Read the Docs, and yield its base URL."""
    with serving(html) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright; skipped (or failed on CI) without it."""
    if not CHROMIUM.exists():
        message = "Chromium is missing: install it with `apt-get install -y chromium`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
