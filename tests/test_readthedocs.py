"""The Read the Docs build, run as Read the Docs runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from helpers import ROOT, Build, copy_site

CANONICAL = "https://example-docs.readthedocs.io/en/latest/"


def test_config_pins_python_311() -> None:
    config = yaml.safe_load((ROOT / ".readthedocs.yaml").read_text(encoding="utf-8"))
    assert config["version"] == 2
    assert config["build"]["os"]
    assert config["build"]["tools"]["python"] == "3.11"


def test_config_installs_pyodide_before_the_build() -> None:
    """The run controls need the runtime: Node, then ``npm ci`` before the book is built."""
    config = yaml.safe_load((ROOT / ".readthedocs.yaml").read_text(encoding="utf-8"))
    assert config["build"]["tools"]["nodejs"]
    commands = config["build"]["commands"]
    installs = [i for i, c in enumerate(commands) if c.startswith("npm ci")]
    builds = [i for i, c in enumerate(commands) if c.startswith("jupyter-book build")]
    assert installs and builds and installs[0] < builds[0]


@pytest.mark.slow
def test_build_commands_fill_readthedocs_output(site: Build, tmp_path: Path) -> None:
    """Run the build commands (dependencies are already installed here).

    The checkout brings the session build's notebook cache: the build is clean, but code
    that already ran is not run again.
    """
    config = yaml.safe_load((ROOT / ".readthedocs.yaml").read_text(encoding="utf-8"))
    # Python and npm packages are installed here already (copy_site links node_modules).
    installed = ("python -m pip", "npm ci")
    commands = [c for c in config["build"]["commands"] if not c.startswith(installed)]
    src = copy_site(tmp_path / "checkout", site.src, notebook_cache=True)
    output = tmp_path / "rtd-output"
    env = {
        **os.environ,
        "READTHEDOCS": "True",
        "READTHEDOCS_OUTPUT": str(output),
        "READTHEDOCS_CANONICAL_URL": CANONICAL,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    for command in commands:
        proc = subprocess.run(
            command, shell=True, cwd=src, env=env, capture_output=True, text=True, timeout=1200
        )
        assert proc.returncode == 0, f"{command}\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    index = output / "html" / "index.html"
    assert index.is_file()
    assert (output / "html" / "_static" / "pyodide" / "pyodide.asm.wasm").is_file()
    sage = (output / "html" / "blog" / "introducing-sage.html").read_text(encoding="utf-8")
    assert '"runtime": "../_static/pyodide/"' in sage, "posts have their run controls"
    page = BeautifulSoup(
        (output / "html" / "about.html").read_text(encoding="utf-8"), "html.parser"
    )
    assert page.select_one('link[rel="canonical"]')["href"] == CANONICAL + "about.html"
    robots = (output / "html" / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {CANONICAL}sitemap.xml" in robots
    not_found = BeautifulSoup(
        (output / "html" / "404.html").read_text(encoding="utf-8"), "html.parser"
    )
    assert not_found.select_one('link[rel="stylesheet"]')["href"].startswith("/en/latest/")
