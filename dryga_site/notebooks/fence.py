"""The fence around a page whose code runs: what the page may set, and what its code may touch.

:class:`FencedParser` wraps myst-nb's parser for the page: per-post settings may lower the
time limit but not raise it or change how code runs, a dead kernel is one located error, a
cell that changed the sources or the built site fails the build naming the files, and a cut
output is one warning at its cell. The sources and the built site are stamped when the page's
kernel starts (a cached run starts none, and costs no stamping), and compared when its code
has run. Reading pages in parallel would blame one page for another's writes, so the extension
declares itself unsafe for parallel reading (``events.py``). The post's data files are copied
into the folder its code runs in (``datafiles.py``); a cell that writes to one is one error.
A frozen post (``frozen.py``) starts no kernel: it is parsed with execution off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging as std_logging
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from docutils import nodes
from jupyter_client.kernelspec import NoSuchKernel
from myst_nb.core.config import NbParserConfig, Section
from myst_nb.core.read import create_nb_reader
from myst_nb.sphinx_ import NbMetadataCollector, Parser
from nbclient.exceptions import DeadKernelError
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from ..core.problems import shown
from ..extension.errors import author_error
from .datafiles import data_files, forget_run, runs_follow_data, size_problem
from .frozen import FROZEN, frozen_config, frozen_notebook, is_frozen, record_path
from .sandbox import CUT, OUTPUT_LIMIT, kernel_room

logger = logging.getLogger(__name__)

#: Folders of a site that are not sources: the build's own output, caches and tools, and
#: git's own folder, which the author's git (or another worktree's) may change mid-build.
NOT_SOURCES = {
    ".git",
    "_build",
    ".jupyter_cache",
    ".venv",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".ipynb_checkpoints",
}
#: myst-nb settings a post may set for itself: how outputs look, and a lower time limit.
POST_SETTINGS = {"execution_timeout"} | {
    field.name
    for field in dataclasses.fields(NbParserConfig)
    if Section.cell_lvl in field.metadata.get("sections", ())
}


def _source_files(root: Path) -> Iterator[Path]:
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d not in NOT_SOURCES]
        for name in files:
            yield Path(folder, name)


def source_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every source file under ``root`` (build output and caches left out)."""
    hashes = {}
    for path in _source_files(root):
        try:
            hashes[path.relative_to(root).as_posix()] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
        except OSError:
            hashes[path.relative_to(root).as_posix()] = "unreadable"
    return hashes


def output_stamps(outdir: Path, root: Path, skip: Path | None = None) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file written into ``outdir`` so far (but
    ``skip``), by name (relative to ``root`` where it is inside it)."""
    stamps = {}
    for folder, _, files in os.walk(outdir):
        for name in files:
            path = Path(folder, name)
            if path == skip:
                continue
            with contextlib.suppress(OSError):
                stat = path.stat()
                stamps[shown(path, root)] = (stat.st_size, stat.st_mtime_ns)
    return stamps


def _changed(before: dict[str, Any], after: dict[str, Any]) -> str:
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else "")


@dataclasses.dataclass
class Watch:
    """The sources and the built site as they were when a page's kernel started."""

    root: Path
    outdir: Path
    #: myst-nb's failure report, written while the page is read: not the code's doing.
    report: Path
    sources: dict[str, str] | None = None
    built: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)

    def kernel_started(self) -> None:
        self.sources = source_hashes(self.root)
        self.built = output_stamps(self.outdir, self.root, skip=self.report)

    def changes(self) -> list[tuple[str, str]]:
        """("the sources" or "the built site", the files changed) since the kernel started."""
        if self.sources is None:
            return []  # no kernel ran: the outputs came from the cache
        found = [
            ("the sources", _changed(self.sources, source_hashes(self.root))),
            (
                "the built site",
                _changed(self.built, output_stamps(self.outdir, self.root, skip=self.report)),
            ),
        ]
        return [(what, files) for what, files in found if files]


def settings_problem(metadata: dict[str, Any], ceiling: int) -> str | None:
    """Why a post's own settings may not run, if they may not."""
    settings = metadata.get("mystnb") or {}
    for key in settings:
        if key not in POST_SETTINGS:
            return (
                f"`mystnb: {key}` is a site-wide setting and can't be set per post; "
                "remove it from the front matter"
            )
    limits = [("mystnb: execution_timeout", settings.get("execution_timeout"))]
    limits.append(("execution: timeout", (metadata.get("execution") or {}).get("timeout")))
    for name, value in limits:
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= ceiling:
            return (
                f"`{name}: {value}` must be a whole number of seconds from 1 to {ceiling} "
                "(the site's limit, `execute.timeout` in _config.yml); lower it"
            )
    return None


class FencedParser(Parser):  # type: ignore[misc]
    """myst-nb's parser, run inside the fence described in this module's docstring."""

    def parse(self, inputstring: str, document: nodes.document) -> None:
        env = getattr(document.settings, "env", None) or self.env
        app = env.app
        path = env.doc2path(env.docname)
        reader = create_nb_reader(path, env.myst_config, env.mystnb_config, inputstring)
        if reader is None:
            return super().parse(inputstring, document)
        notebook = reader.read(inputstring)
        problem = settings_problem(notebook.metadata, app.config.nb_execution_timeout)
        if problem:
            source = Path(path).read_text(encoding="utf-8")  # as written, before other readers
            return author_error(env, env.docname, problem, _line_of(source, problem))
        if is_frozen(notebook.metadata):
            return self.parse_frozen(inputstring, document, notebook)
        data = data_files(Path(path))
        for name in data.values():
            env.note_dependency(os.fspath(name))  # a changed data file: read the page again
        if problem := size_problem(data):
            return author_error(env, env.docname, problem)
        watch = Watch(Path(app.srcdir), Path(app.outdir), failure_report(app, env.docname))
        notes = FailedRunNotes()
        mystnb_log = std_logging.getLogger(f"sphinx.mystnb-{env.docname}")  # SphinxDocLogger's
        mystnb_log.addFilter(notes)
        cache = env.mystnb_config.execution_cache_path
        cached = env.mystnb_config.execution_mode == "cache"
        follow = runs_follow_data(cache, env.docname, notebook, data) if cached else nullcontext()
        try:
            with follow, kernel_room(os.fspath(app.srcdir), watch.kernel_started, data) as room:
                super().parse(inputstring, document)
        except DeadKernelError:
            message = (
                "the kernel died while a code cell ran (a cell ended its own process?); "
                "let every cell return normally"
            )
            author_error(env, env.docname, message)
        except NoSuchKernel as error:
            message = f"there is no kernel named {error.args[0]!r}; use `python3`"
            author_error(env, env.docname, message)
        finally:
            mystnb_log.removeFilter(notes)
        document.attributes.pop("nb_renderer", None)  # myst-nb's, left by a cut-off parse
        for what, files in watch.changes():
            message = f"its code changed {what} ({files}); write only to the folder it runs in"
            author_error(env, env.docname, message)
        if room.written:
            author_error(env, env.docname, data_written(Path(path), room.written, app.srcdir))
            if cached:
                forget_run(cache, notebook)  # the next build runs it, and says so again
        drop_widget_scripts(env, env.docname)
        warn_cut_outputs(app, document)

    def parse_frozen(self, inputstring: str, document: nodes.document, notebook: Any) -> None:
        """Parse a frozen page with the outputs its author saved; no kernel starts."""
        env = getattr(document.settings, "env", None) or self.env
        path = env.doc2path(env.docname)
        record = record_path(env.srcdir, env.docname)
        if not path.endswith(".ipynb"):
            env.note_dependency(os.fspath(record))  # a new record: read the page again
        found = frozen_notebook(notebook, Path(path), Path(env.srcdir), env.docname)
        if found.problem:
            author_error(env, env.docname, found.problem, found.line)
        else:
            env.metadata[env.docname][FROZEN] = {"saved": found.saved}
        with frozen_config(env, path, found.notebook):
            super().parse(inputstring, document)
        drop_widget_scripts(env, env.docname)


def data_written(source: Path, names: list[str], srcdir: str | Path) -> str:
    """The message for a run that wrote to copies of the post's data files ``names``."""
    files = ", ".join(shown(source.parent / name, srcdir) for name in sorted(names))
    return (
        f"its code wrote to the data file {files} (a copy: the file is unchanged, and the "
        "build cannot keep what was written); read data files only, and save what a cell "
        "makes under a new name"
    )


def drop_widget_scripts(env: BuildEnvironment, docname: str) -> None:
    """Widgets are shown as their static text: their live view needs scripts from a CDN.

    PRIVATE: myst-nb keeps the page's scripts in the dict ``get_js_files`` returns, with no
    setting to leave the widgets' out; the entries are deleted from it.
    """
    scripts = NbMetadataCollector.get_js_files(env, docname)
    for key in [k for k in scripts if k.startswith("ipywidgets")]:
        del scripts[key]


def failure_report(app: Sphinx, docname: str) -> Path:
    """Where myst-nb writes the traceback of a page's failed run."""
    return Path(app.outdir).joinpath("reports", *f"{docname}.err.log".split("/"))


class FailedRunNotes(std_logging.Filter):
    """myst-nb's two warnings on a failed run ("Executing notebook failed", "traceback saved
    in ..."): ``failures.report_failed_run`` says the same in one located line."""

    def filter(self, record: std_logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (
            getattr(record, "subtype", None) == "exec"
            and message.startswith(("Executing notebook failed", "Notebook exception traceback"))
        )


def _line_of(text: str, problem: str) -> int | None:
    key = re.search(r"`(?:mystnb|execution): (\w+)", problem)
    if key:
        for number, line in enumerate(text.splitlines(), 1):
            if re.match(rf"\s*\"?{key[1]}\"?\s*:", line):
                return number
    return None


def _output_nodes(cell: nodes.Element) -> Iterator[nodes.TextElement]:
    for output in cell.findall(nodes.Element):
        if "cell_output" in output.get("classes", ()):
            yield from output.findall(lambda n: isinstance(n, nodes.literal_block | nodes.raw))


def warn_cut_outputs(app: Sphinx, document: nodes.document) -> None:
    """One warning at each cell whose output was cut (by :class:`sandbox.FencedIOPub`)."""
    env = app.env
    note = CUT.format(f"{OUTPUT_LIMIT:,}")
    source_map = env.metadata[env.docname].get("source_map") or []
    for cell in document.findall(lambda n: isinstance(n, nodes.container) and "cell_index" in n):
        if any(note in node.astext() for node in _output_nodes(cell)):
            index = cell["cell_index"]
            line = source_map[index] if index < len(source_map) else None
            logger.warning(
                f"a code cell printed more than {OUTPUT_LIMIT:,} characters, "
                "so its output is cut on the page; print less",
                location=(env.docname, line) if line else env.docname,
                type="dryga",
                subtype="output",
            )


def drop_old_reports(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """myst-nb's failure reports of an earlier run are not part of this site."""
    shutil.rmtree(Path(app.outdir, "reports"), ignore_errors=True)


def setup(app: Sphinx) -> None:
    """Fence myst-nb's parser (the kernels are fenced when the builder starts)."""
    app.add_source_parser(FencedParser, override=True)
