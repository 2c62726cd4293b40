"""Helpers shared by the tests and ``scripts/bench.py``: copying, building and reading sites.

Nothing here is a pytest fixture (those are in conftest.py), so a script can import it with
``tests`` on its path.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from bs4 import BeautifulSoup

from dryga_site.authoring.check import build_log_problems
from dryga_site.authoring.config import STRICT
from dryga_site.core import frontmatter
from dryga_site.core.problems import ANSI, Problem

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
#: Front-matter lines that make a MyST page a text notebook whose code runs at build time.
NOTEBOOK_FRONT_MATTER = """jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
"""
IGNORED = shutil.ignore_patterns(
    "_build", ".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"
)
#: Where Jupyter Book keeps the outputs of notebooks it ran, keyed by their code.
NOTEBOOK_CACHE = Path("_build", ".jupyter_cache")


OFFLINE = Path(__file__).resolve().parent / "offline"
NODE_MODULES = ROOT / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": (1350, 940), "phone": (390, 844)}
NPM_CI = "run `CHROMEDRIVER_SKIP_DOWNLOAD=true npm ci` at the repo top"


def missing_tool(what: str, fix: str = NPM_CI) -> None:
    """Skip a test whose tool is not installed; under CI=true, fail it."""
    import pytest

    message = f"{what} is missing: {fix}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def soup(path: Path) -> BeautifulSoup:
    """A built page, parsed."""
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def front_matter(path: Path) -> dict:
    """A source page's front matter, read as the build reads it (dates as text)."""
    text = path.read_text(encoding="utf-8")
    return frontmatter.load(frontmatter.front_matter_text(text) or "") or {}


def offline_env(log: Path, *path: Path) -> dict[str, str]:
    """Environment whose Python processes record and refuse non-loopback connections.

    ``path`` goes first on PYTHONPATH, e.g. a site copy whose own ``dryga_site`` to load.
    """
    pythonpath = os.pathsep.join(str(p) for p in (*path, OFFLINE))
    return {**os.environ, "PYTHONPATH": pythonpath, "DRYGA_BLOCKED_LOG": str(log)}


def tree_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` except the build output and Python's bytecode."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not {"_build", "__pycache__"} & set(path.relative_to(root).parts)
    }


@dataclass(frozen=True)
class Build:
    """A finished build: where its sources and HTML are, and what it printed."""

    src: Path
    html: Path
    returncode: int
    output: str


def copy_site(dest: Path, src: Path = ROOT, *, notebook_cache: bool = False) -> Path:
    """Copy the sources (not the build output) of the site in ``src`` into ``dest``.

    With ``notebook_cache``, ``src``'s cache of notebook runs comes along: the copy's first
    build is otherwise clean, but runs only the code that is not in the cache. Installed npm
    packages (the Pyodide runtime among them) are linked, not copied.
    """
    shutil.copytree(src, dest, ignore=IGNORED)
    if (src / "node_modules").is_dir():
        (dest / "node_modules").symlink_to(src / "node_modules")
    if notebook_cache and (src / NOTEBOOK_CACHE).is_dir():
        shutil.copytree(src / NOTEBOOK_CACHE, dest / NOTEBOOK_CACHE)
    return dest


def small_site(dest: Path, pages: dict[str, str], chapters: list[dict]) -> Path:
    """A site with the real configuration, templates and styles, ``chapters`` and ``pages``.

    With no ``chapters`` the site is its ``index`` page alone.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "references.bib", "_static", "_templates"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, dest / name)
    toc = {"format": "jb-book", "root": "index", **({"chapters": chapters} if chapters else {})}
    (dest / "_toc.yml").write_text(yaml.safe_dump(toc), encoding="utf-8")
    for name, text in pages.items():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_text(text, encoding="utf-8")
    return dest


def jupyter_book(
    src: Path,
    *args: str,
    strict: bool = True,
    out: Path | None = None,
    env: dict[str, str] | None = None,
) -> Build:
    """Run ``jupyter-book build`` on ``src`` (strictly, unless told) and return what it made.

    The build loads the copy's own ``dryga_site`` (first on PYTHONPATH), or, for a small site
    without one, this repository's: never another checkout's editable install.
    A plain build (``strict=False``) is what an author runs: their mistakes must fail it too.
    """
    cmd = [str(JUPYTER_BOOK), "build", str(src), *(STRICT if strict else []), *args]
    if out is not None:
        cmd += ["--path-output", str(out)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(ROOT)]), **(env or {})}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
    output = ANSI.sub("", proc.stdout + proc.stderr)
    return Build(src, (out or src) / "_build" / "html", proc.returncode, output)


def log_problems(build: Build) -> list[Problem]:
    """The problems ``check`` would report from ``build``'s log: warnings, errors, tracebacks."""
    return build_log_problems(build.output, build.src)


@contextmanager
def sphinx_app(src: Path) -> Iterator[Any]:
    """A ``sphinx.testing`` app for the site in ``src``, to build in this process.

    For behaviour of the extension itself (what a page shows), where starting
    ``jupyter-book`` in a subprocess is not what is tested. The settings are the ones
    Jupyter Book derives from ``src/_config.yml``, written to the site copy's ``conf.py``.
    What a build changes for the whole process is put back when the block ends: ablog's
    shared blog and cut-off day, the kernel provisioner's default, Sphinx's log handlers.
    """
    import logging

    import ablog.blog
    from jupyter_client.provisioning import KernelProvisionerFactory
    from sphinx.testing.util import SphinxTestApp

    from dryga_site.authoring.config import sphinx_config, write_conf

    factory = KernelProvisionerFactory.instance()
    sphinx_log = logging.getLogger("sphinx")
    saved = (
        ablog.blog.TOMORROW,
        dict(ablog.blog.Blog._dict),
        factory.default_provisioner_name,
        list(sphinx_log.handlers),
    )
    write_conf(src, sphinx_config(src))
    ablog.blog.Blog._dict.clear()  # ablog's blog is shared by every app of the process
    app = SphinxTestApp("html", srcdir=src, freshenv=True)
    try:
        yield app
    finally:
        app.cleanup()
        ablog.blog.TOMORROW, blog, factory.default_provisioner_name, handlers = saved
        ablog.blog.Blog._dict.clear()
        ablog.blog.Blog._dict.update(blog)
        sphinx_log.handlers[:] = handlers


def post(
    title: str, front: str, body: str = "", *, notebook: bool = True, lead: bool = True
) -> str:
    """A post's text: its front matter (``front``: more lines of it), a lead and ``body``.

    With ``notebook``, a MyST text notebook whose code cells run; without ``lead``, the body
    follows the front matter directly.
    """
    notebook_lines = NOTEBOOK_FRONT_MATTER if notebook else ""
    lead_line = f"The lead paragraph of {title}.\n" if lead else ""
    return f"---\ntitle: {title}\nblogpost: true\n{front}{notebook_lines}---\n\n{lead_line}{body}"


def project(title: str, **fields: object) -> str:
    """A project page's text: valid front matter (``fields`` replace the defaults) and a line."""
    meta = {
        "title": title,
        "tagline": f"{title} in one line",
        "kind": "product",
        "domains": ["payments"],
        "stack": [],
        "role": "",
        "links": [],
        "featured": False,
        "order": 1,
        **fields,
    }
    return f"---\n{yaml.safe_dump(meta, sort_keys=False)}---\n\n## What it is\n\nA project.\n"


def cell(source: str) -> str:
    """A code cell of a MyST text notebook."""
    return f"\n```{{code-cell}} ipython3\n{source}\n```\n"


@dataclass(frozen=True)
class Fixture:
    """A fixture site's build and the posts it was built from."""

    build: Build
    sources: dict[str, str]


def fixture_site(root: Path, posts: dict[str, str], *strict: str) -> Fixture:
    """A site with the real configuration and templates, a home page and ``posts``.

    Without ``strict`` it is a plain build: only the site's own author errors can fail it.
    """
    pages = {"index.md": "# Home\n\n```{postlist} 3\n```\n"}
    pages.update({f"blog/{slug}.md": text for slug, text in posts.items()})
    small_site(root, pages, [{"glob": "blog/*"}])
    return Fixture(jupyter_book(root, strict=bool(strict)), posts)
