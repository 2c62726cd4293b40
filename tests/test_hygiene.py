"""Code hygiene: ruff's lint and format checks pass on every Python file in the repository."""

from __future__ import annotations

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
    """dryga_site/__init__.py lists every handler; module setups register only what they add."""
    package = ROOT / "dryga_site"
    connecting = sorted(
        path.name for path in package.glob("*.py") if "app.connect(" in path.read_text()
    )
    assert connecting == ["__init__.py"]
