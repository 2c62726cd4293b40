"""Run it here: readers edit and run a post's code cells in the page, with Pyodide.

Pyodide (the npm ``pyodide`` package, installed by ``npm ci``) is copied from
``node_modules/pyodide`` into the built site's ``_static/pyodide/``, and nothing references it
until a reader edits a cell or presses Run: then a Web Worker (``runcode-worker.js``) loads it
from the site itself. Each executed post gets a small inline script (``static/runcode.js``)
that adds the run controls; with JavaScript off the page stays as it was. After a reader's
first Run the worker saves a snapshot of Python's memory in the browser, under the Pyodide
version and ``build_id``, so the first Run on the next post skips Python's start-up.

Whether a cell can run is worked out at build time from what its code (and the code above it)
imports, against what the copied runtime provides: the modules in its ``python_stdlib.zip``, the
ones compiled into ``pyodide.asm.wasm`` and the packages of ``pyodide-lock.json`` whose files
were copied too. A cell needing anything else says so instead of offering Run.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

from docutils import nodes
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from .downloads import notebook_run

logger = logging.getLogger(__name__)

#: The run controls' static files (shipped by the event table).
STATIC = Path(__file__).parent / "static"
CONTROLS = STATIC / "runcode.js"
WORKER = "runcode-worker.js"
#: What the worker loads, in the order it needs them; nothing else of the package is served.
RUNTIME_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
#: Modules every CPython has from its core, which the wasm names no ``PyInit_`` function for.
INTERPRETER_CORE = frozenset({"builtins", "sys", "marshal", "_warnings"})
#: Where the runtime goes in the built site, under ``_static``.
TARGET = "pyodide"


def runtime(app: Sphinx) -> Path | None:
    """The installed Pyodide package, if every file the worker needs is there.

    Found from the sources' folder, which the preview's build shares (its conf.py is elsewhere).
    """
    folder = Path(app.srcdir, app.config.site_runtime_dir)
    return folder if all((folder / name).is_file() for name in RUNTIME_FILES) else None


@functools.lru_cache(maxsize=4)
def _modules(folder: str, stamp: int) -> frozenset[str]:
    path = Path(folder)
    with zipfile.ZipFile(path / "python_stdlib.zip") as stdlib:
        names = {
            re.sub(r"\.py$", "", name.split("/", 1)[0])
            for name in stdlib.namelist()
            if "/" in name or name.endswith(".py")
        }
    wasm = (path / "pyodide.asm.wasm").read_bytes()
    names |= {m.decode() for m in re.findall(rb"PyInit_(\w+)", wasm)}
    lock = json.loads((path / "pyodide-lock.json").read_text(encoding="utf-8"))
    for package in lock["packages"].values():
        if (path / package["file_name"]).is_file():
            names.update(package.get("imports", []))
    return frozenset(names | INTERPRETER_CORE)


def offline_modules(folder: Path) -> frozenset[str]:
    """Top-level modules the runtime in ``folder`` can import with no network."""
    return _modules(str(folder), (folder / "pyodide-lock.json").stat().st_mtime_ns)


def imports(source: str) -> set[str]:
    """Top-level modules ``source`` imports; ``{"IPython"}`` if only IPython can parse it."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {"IPython"}  # magics (%time, !pip) and other IPython-only syntax
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def code_cells(doctree: nodes.Node) -> list[str]:
    """The source of each code cell a page shows, in page order."""
    sources = []
    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        for part in cell.findall(nodes.container):
            if part.get("nb_element") == "cell_code_source":
                sources.append(part.astext())
    return sources


def missing_per_cell(sources: list[str], available: frozenset[str]) -> list[list[str]]:
    """For each cell, what it and the cells above it import that ``available`` lacks."""
    missing: set[str] = set()
    result = []
    for source in sources:
        missing |= imports(source) - available
        result.append(sorted(missing))
    return result


def add_controls(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Give a post whose code ran at build time its run controls: an inline script the layout
    writes at the end of the body (``run_controls``), so the head, which the first packets
    must bring whole, stays small."""
    folder = runtime(app)
    run = notebook_run(app, pagename)
    if folder is None or not run or doctree is None:
        return
    sources = code_cells(doctree)
    if not sources:
        return
    build = app.config.site_runtime_stamp
    settings = {
        "runtime": context["pathto"](f"_static/{TARGET}/", 1),
        "worker": f"{context['pathto'](f'_static/{WORKER}', 1)}?v={build}",
        "build": build,
        "notebook": run["download"],
        "needs": missing_per_cell(sources, offline_modules(folder)),
    }
    script = CONTROLS.read_text(encoding="utf-8").strip().rstrip(";")
    data = json.dumps(settings).replace("</", "<\\/")  # no "</script>" inside the script
    context["run_controls"] = Markup(f"({script})({data});")


def copy_runtime(app: Sphinx, exception: Exception | None) -> None:
    """Copy the runtime's files into ``_static/pyodide``, each only when it changed."""
    folder = runtime(app)
    if exception is not None or app.builder.format != "html" or folder is None:
        return
    target = Path(app.outdir, "_static", TARGET)
    target.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_FILES:
        source, copy = folder / name, target / name
        if copy.is_file():
            before, now = copy.stat(), source.stat()
            if (before.st_size, before.st_mtime_ns) == (now.st_size, now.st_mtime_ns):
                continue
        shutil.copy2(source, copy)


def note_runtime(app: Sphinx, config: Config) -> None:
    """Stamp the runtime and the controls into the HTML settings, or say how to turn them on.

    A changed stamp (runtime installed or removed, controls or worker edited) rewrites every
    page.
    """
    folder = runtime(app)
    if folder is None:
        logger.info(
            "run controls are off: no Pyodide in %s; run `npm ci` to turn them on",
            config.site_runtime_dir,
        )
        config.site_runtime_stamp = ""
        return
    config.site_runtime_stamp = build_id(folder)


def build_id(folder: Path) -> str:
    """A digest of the run controls, their worker and the runtime's files.

    Readers' browsers keep the Python snapshot of a warm start under it (and the Pyodide
    version), so a snapshot made by another build is never used; the pages carry it, and the
    worker's URL too, so a worker from another build is never mixed with them.
    """
    files = (CONTROLS, STATIC / WORKER, *(folder / name for name in RUNTIME_FILES))
    return _digest(tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files))


@functools.lru_cache(maxsize=4)
def _digest(files: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for path, _size, _mtime in files:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]
