"""First paint from the first packets: each page carries the CSS it paints with.

Every page used to wait for four stylesheets before painting anything, the theme's 65 KB
(gzipped) among them. After a build, ``firstpaint.mjs`` runs two npm tools (installed by
``npm ci`` from ``package.json``) over the built site:

- PurgeCSS trims the stylesheets of the theme and the extensions (:data:`TRIMMED`) to the rules
  that some page or script of the site can use, and the custom properties those rules use.
  Each is written next to its source as ``NAME.trimmed.css``; the source is left as Sphinx
  copied it.
- beasties puts into each page written by the build the rules that match its markup (both
  colour themes, no hover or focus states, nothing inside a closed dialog) as one inline
  ``<style>``, and loads every stylesheet without blocking (``media="print"`` until loaded,
  a ``<noscript>`` link for readers without JavaScript).

Without Node or ``node_modules`` the build still succeeds, with the plain stylesheets, and
says in one line that the first paint is not optimised. The preview leaves it off.

The inlined CSS depends on the stylesheets, the tools and this step: a digest of them is a
setting that rewrites every page when it changes (``site_first_paint_stamp``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import weakref
from importlib import metadata
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)

SCRIPT = Path(__file__).with_name("firstpaint.mjs")
#: Where the tools are installed, in the sources' folder (as for the Pyodide runtime).
NODE_MODULES = "node_modules"
TOOLS = ("beasties", "purgecss")
#: Stylesheets of the theme and the extensions, under ``_static``: file names or their start.
TRIMMED = (
    "styles/pydata-sphinx-theme.css",
    "basic.css",
    "sphinx-design.min.css",
    "pygments.css",
    "mystnb.",
)
#: Packages whose stylesheets end up in the pages' critical CSS.
STYLED_BY = (
    "pydata-sphinx-theme",
    "Sphinx",
    "sphinx-design",
    "myst-nb",
    "Pygments",
    "accessible-pygments",
)

#: app -> the built pages (paths under the output folder) this build wrote.
_written: weakref.WeakKeyDictionary[Sphinx, list[str]] = weakref.WeakKeyDictionary()


def tools(app: Sphinx) -> Path | None:
    """The ``node_modules`` folder with both tools, if there is one and Node to run them."""
    folder = Path(app.srcdir, NODE_MODULES)
    found = all((folder / name / "package.json").is_file() for name in TOOLS)
    return folder if found and shutil.which("node") else None


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return ""


def own_stylesheets(app: Sphinx) -> list[Path]:
    """The site's own stylesheets: those of its static folders inside the sources.

    Extensions add their own folders (sphinx-design, ablog): those live with the package.
    """
    srcdir = Path(app.srcdir).resolve()
    folders = [Path(app.confdir, static).resolve() for static in app.config.html_static_path]
    return [
        css
        for folder in folders
        if folder.is_relative_to(srcdir)
        for css in sorted(folder.glob("*.css"))
    ]


def stamp(app: Sphinx, folder: Path) -> str:
    """A digest of what the inlined CSS depends on: the tools, this step and the stylesheets."""
    digest = hashlib.sha256(SCRIPT.read_bytes() + Path(__file__).read_bytes())
    for name in TOOLS:
        digest.update((folder / name / "package.json").read_bytes())
    digest.update(repr([_version(package) for package in STYLED_BY]).encode())
    for css in own_stylesheets(app):
        digest.update(css.read_bytes())
    return digest.hexdigest()[:16]


def note_tools(app: Sphinx, config: Config) -> None:
    """Stamp the tools and stylesheets into the HTML settings, or say how to turn it on."""
    config.site_first_paint_stamp = ""
    if not config.site_first_paint:
        return
    folder = tools(app)
    if folder is None:
        logger.info(
            "first paint not optimised: no Node, or no %s in %s; run `npm ci` to optimise it",
            " or ".join(TOOLS),
            NODE_MODULES,
        )
        return
    config.site_first_paint_stamp = stamp(app, folder)


def record_page(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Note a page this build writes (``html-page-context`` comes right before the write)."""
    outfile = Path(app.builder.get_outfilename(pagename))
    _written.setdefault(app, []).append(outfile.relative_to(app.outdir).as_posix())


def stylesheets(outdir: Path) -> list[str]:
    """The built stylesheets to trim, as paths under ``outdir``."""
    static = outdir / "_static"
    found = []
    for name in TRIMMED:
        pattern = f"{name}*.css" if name.endswith(".") else name
        found += [
            css.relative_to(outdir).as_posix()
            for css in sorted(static.glob(pattern))
            if not css.name.endswith(".trimmed.css")
        ]
    return found


def _missing(outdir: Path, sheets: list[str]) -> bool:
    """Whether a trimmed stylesheet is missing.

    What one holds changes only with the pages (then some are written) or with the packages'
    stylesheets (then the stamp changes, and every page is written).
    """
    return not all((outdir / name.replace(".css", ".trimmed.css")).is_file() for name in sheets)


def optimise(app: Sphinx, exception: Exception | None) -> None:
    """Trim the stylesheets, then inline each written page's critical CSS."""
    pages = _written.pop(app, [])
    if exception is not None or app.builder.format != "html":
        return
    folder = tools(app)
    if not app.config.site_first_paint_stamp or folder is None:
        return
    outdir = Path(app.outdir)
    sheets = stylesheets(outdir)
    if not pages and not _missing(outdir, sheets):
        return
    own = {css.name for css in own_stylesheets(app)}
    context = [f"_static/{name}" for name in sorted(own) if (outdir / "_static" / name).is_file()]
    job = {
        "root": str(outdir),
        "nodeModules": str(folder),
        "trim": sheets,
        "context": context,
        "pages": pages,
        "rootPrefix": getattr(app.config, "notfound_urls_prefix", None) or "/",
    }
    proc = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        logger.warning(
            "first paint: %s failed: %s",
            SCRIPT.name,
            proc.stderr.strip()[-2000:],
            type="dryga",
            subtype="first-paint",
        )
        return
    report = json.loads(proc.stdout)
    for message in report["warnings"]:
        logger.warning("first paint: %s", message, type="dryga", subtype="first-paint")
    before = sum(sheet["gzip"][0] for sheet in report["sheets"]) / 1024
    after = sum(sheet["gzip"][1] for sheet in report["sheets"]) / 1024
    logger.info(
        "first paint: %d stylesheets trimmed to the rules the site uses (%.1f to %.1f KB "
        "gzipped); critical CSS inlined into %d pages",
        len(report["sheets"]),
        before,
        after,
        report["pages"],
    )
