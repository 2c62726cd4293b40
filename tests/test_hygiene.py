"""Code hygiene: ruff's lint and format checks pass on every Python file in the repository."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import ROOT


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_passes(command: list[str]) -> None:
    cmd = [sys.executable, "-m", "ruff", *command, "--no-cache", "."]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_event_handlers_are_connected_in_one_table() -> None:
    """dryga_site/events.py connects every handler; feature modules register only what they add.

    The preview, which drives Sphinx applications of its own, connects to those.
    """
    package = ROOT / "dryga_site"
    events = package / "events.py"
    assert "app.connect(" in events.read_text()
    connecting = [
        path.relative_to(package).as_posix()
        for path in sorted(package.rglob("*.py"))
        if path != events
        and path.parent.name != "authoring"
        and "app.connect(" in path.read_text(encoding="utf-8")
    ]
    assert connecting == []
