"""Builds you can trust: offline, hands off the sources, and the same HTML every time.

One more clean build, of a copy of the session build's own sources, runs with the network
blocked; it is checked for network attempts, compared file by file with its sources
before and after, and compared page by page with the session build.
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import (
    JUPYTER_BOOK,
    NOTEBOOK_FRONT_MATTER,
    STRICT,
    Build,
    copy_site,
    jupyter_book,
    offline_env,
    small_site,
    tree_hashes,
)

#: Build-time stamps, the only parts of a page allowed to differ between two clean builds of
#: one commit; the README lists the same. Each pattern's match is replaced by its name.
STAMPS = {
    # When a post's code ran: "Outputs generated on <time ...>November 27, 2026</time>".
    "code run date": re.compile(r'(?<=<p class="post-run">)[^<]*<time [^>]*>[^<]*</time>'),
}


def offline(cmd: list[str]) -> list[str]:
    """``cmd`` in a network namespace with only loopback, when this machine allows it."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if unshare and ip and subprocess.run([unshare, "-n", "true"], check=False).returncode == 0:
        return [unshare, "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "offline", *cmd]
    return cmd


@dataclass(frozen=True)
class OfflineBuild:
    build: Build
    before: dict[str, str]
    after: dict[str, str]
    attempts: list[str]


@pytest.fixture(scope="module")
def offline_build(site: Build, tmp_path_factory: pytest.TempPathFactory) -> OfflineBuild:
    """A second clean build of the session build's sources, with the network blocked."""
    work = tmp_path_factory.mktemp("offline")
    src = copy_site(work / "src", site.src)
    log = work / "network-attempts.log"
    before = tree_hashes(src)
    cmd = offline([str(JUPYTER_BOOK), "build", str(src), *STRICT])
    env = offline_env(log, src)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
    build = Build(src, src / "_build" / "html", proc.returncode, proc.stdout + proc.stderr)
    attempts = log.read_text().splitlines() if log.exists() else []
    return OfflineBuild(build, before, tree_hashes(src), attempts)


def test_the_network_blocker_blocks(tmp_path: Path) -> None:
    log = tmp_path / "attempts.log"
    probe = "import urllib.request; urllib.request.urlopen('https://pypi.org', timeout=5)"
    cmd = offline([sys.executable, "-c", probe])
    proc = subprocess.run(cmd, capture_output=True, text=True, env=offline_env(log), timeout=60)
    assert proc.returncode != 0
    assert log.read_text().splitlines() == ["resolve pypi.org"]


def test_a_build_needs_no_network(offline_build: OfflineBuild) -> None:
    assert offline_build.build.returncode == 0, offline_build.build.output[-4000:]
    assert offline_build.attempts == []


def test_a_build_never_writes_into_the_sources(offline_build: OfflineBuild) -> None:
    before, after = offline_build.before, offline_build.after
    assert sorted(after.keys() - before.keys()) == [], "files the build added"
    assert sorted(before.keys() - after.keys()) == [], "files the build removed"
    assert [name for name in before if before[name] != after[name]] == [], "files it changed"


SCRATCH_POST = (
    f"---\ntitle: Scratch\n{NOTEBOOK_FRONT_MATTER}---\n\n"
    """Code that writes a file where it runs:

```{code-cell} ipython3
from pathlib import Path
Path("scratch.txt").write_text("written at build time")
```
"""
)


def test_code_cells_cannot_write_into_the_sources(tmp_path: Path) -> None:
    src = small_site(tmp_path / "src", {"index.md": SCRATCH_POST}, [])
    before = tree_hashes(src)
    build = jupyter_book(src)
    assert build.returncode == 0, build.output[-4000:]
    assert tree_hashes(src) == before


def _normalised(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    for name, pattern in STAMPS.items():
        text = pattern.sub(f"<{name}>", text)
    return text


def test_two_clean_builds_give_identical_html(html: Path, offline_build: OfflineBuild) -> None:
    again = offline_build.build.html
    assert offline_build.build.returncode == 0, offline_build.build.output[-4000:]
    pages = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html"))
    assert pages == sorted(p.relative_to(again).as_posix() for p in again.rglob("*.html"))
    notebooks = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.ipynb"))
    assert notebooks, "the code posts' notebooks are published"
    pages += notebooks
    differences = []
    for page in pages:
        first, second = _normalised(html / page), _normalised(again / page)
        if first != second:
            diff = difflib.unified_diff(first.splitlines(), second.splitlines(), lineterm="", n=0)
            differences.append(f"{page}:\n" + "\n".join(list(diff)[2:8]))
    assert not differences, "\n".join(differences[:5])
