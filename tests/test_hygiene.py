"""Code hygiene: ruff's lint and format checks pass on every Python file in the repository."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_passes(command: list[str]) -> None:
    cmd = [sys.executable, "-m", "ruff", *command, "--no-cache", "."]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_event_handlers_are_connected_in_one_table() -> None:
    """dryga_site/__init__.py lists every handler; module setups register only what they add.

    The extension's parts are the modules ``__init__.py`` imports; the preview, which drives
    Sphinx applications of its own, is not one of them.
    """
    package = ROOT / "dryga_site"
    init = (package / "__init__.py").read_text()
    parts = re.search(r"from \. import \((?P<names>[^)]*)\)", init)
    assert parts, "dryga_site/__init__.py imports its parts with `from . import (...)`"
    names = re.findall(r"\w+", parts["names"])
    assert len(names) > 10
    connecting = [name for name in names if "app.connect(" in (package / f"{name}.py").read_text()]
    assert connecting == []
    assert "app.connect(" in init
