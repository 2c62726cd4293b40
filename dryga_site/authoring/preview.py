"""The preview's builder: incremental builds in this warm process, each on a fresh application.

Python, Jupyter Book, Sphinx and every extension are imported once. Each save is built by a
fresh Sphinx application on the environment the last build pickled, so only the pages the
edit touches are read again. That application is made while the author reads (settings,
extensions, the environment, the theme); a save that adds or deletes a file, or changes
anything but an existing page, or comes on a new day, gets one made on the spot instead.
An application is dropped whole once built or not needed: nothing of it stays in the process.

Sphinx writes into ``_build/preview/build``; what the browser sees is a copy in
``_build/preview/html``, so a broken save keeps the last good pages on screen with its
one-line error as a banner. The edited pages come first: once every document is written
without a warning, they are copied and ``on_shown`` is called, before the blog lists, feed and
search index are made. The settings are those ``jupyter-book config sphinx`` writes
(``build.sphinx_config``). ``sphinx_apps.py`` makes and drops the applications;
``server.py`` serves the result and calls this module, which knows nothing of it.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import io
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.application import ENV_PICKLE_FILENAME, Sphinx
from sphinx.environment import BuildEnvironment

from ..core.problems import shown
from ..notebooks.sandbox import KERNEL_MARK, end_processes
from .check import build_log_problems, config_problems
from .config import sphinx_config
from .sphinx_apps import AppPlan, MemoryBytecodeCache, ReadyApp, make_app, warm_up

#: Files whose change means the settings must be read again.
SETTINGS_FILES = ("_config.yml", "_toc.yml")
#: The extension's own code: the preview runs the version it started with.
EXTENSION = Path(__file__).resolve().parent.parent
#: Files the build writes that no page shown while editing depends on: a change to them
#: alone needs no reload.
NOT_SHOWN = ("searchindex.js", "objects.inv", "robots.txt", ".xml")
#: Files up to this size are compared by content when only their time changed: Sphinx
#: writes its search page, script settings and styles again on every build.
COMPARED = 1 << 20
#: A file in the preview's folder: the preview stopped mid-build, so its next start reads
#: every page again (the environment may say a page is written that was cut short).
INTERRUPTED = "interrupted"


def copy_changed(built: Path, served: Path, names: Iterable[Path]) -> list[Path]:
    """Copy each of ``names`` (relative to ``built``) that changed into ``served``."""
    copied = []
    for name in names:
        source, target = built / name, served / name
        stat = source.stat()
        with contextlib.suppress(FileNotFoundError):
            now = target.stat()
            if (now.st_size, now.st_mtime_ns) == (stat.st_size, stat.st_mtime_ns):
                continue
            small = now.st_size == stat.st_size <= COMPARED
            if small and source.read_bytes() == target.read_bytes():
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        shutil.copy2(source, partial)
        os.replace(partial, target)  # a reader never gets half a page
        copied.append(name)
    return copied


def publish(built: Path, served: Path) -> list[Path]:
    """Make ``served`` a copy of ``built``, copying only changed files; the ones copied."""
    kept = {path.relative_to(built) for path in built.rglob("*") if path.is_file()}
    copied = copy_changed(built, served, sorted(kept))
    for path in served.rglob("*"):
        if path.is_file() and path.relative_to(served) not in kept:
            path.unlink()
    return copied


def end_kernels() -> None:
    """End the kernels this process started and every process each of them started."""
    groups: dict[int, str] = {}  # process group -> the kernel whose mark a process in it has
    kernels = []
    this = psutil.Process()
    children = set(this.children())
    for process in this.children(recursive=True):
        with contextlib.suppress(psutil.Error, OSError):
            kernel = process.environ().get(KERNEL_MARK)
            if kernel:
                groups[os.getpgid(process.pid)] = kernel
                kernels += [process] if process in children else []
    for group, kernel in groups.items():
        end_processes(kernel, group)
    psutil.wait_procs(kernels, timeout=1)  # reaped: no zombie left behind


@dataclass
class Outcome:
    """What one build did: its problems (one line each), the pages read, the code run."""

    seconds: float
    cpu_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    read: list[str] = field(default_factory=list)
    ran: dict[str, float] = field(default_factory=dict)
    written: int = 0
    #: Seconds from the start until the edited pages were served (before the lists and feed).
    shown_after: float | None = None
    #: Whether the files served after that include any a page on screen may show.
    reload_again: bool = True
    #: Whether the build ran on the application made ahead (see ``PreviewBuilder.prepare``).
    made_ahead: bool = False

    def line(self) -> str:
        """The terminal's line for this build."""
        if self.problems:
            return "\n".join(self.problems)
        read = ", ".join(self.read[:5]) + (" ..." if len(self.read) > 5 else "")
        runs = "; ".join(f"ran {doc}'s code in {s:.2f} s" for doc, s in self.ran.items())
        wrote = f"wrote {self.written} pages"
        shown = f"shown after {self.shown_after:.2f} s" if self.shown_after is not None else ""
        details = "; ".join(filter(None, [f"read {read}" if read else "", wrote, runs, shown]))
        took = f"built in {self.seconds:.2f} s (CPU {self.cpu_seconds:.2f} s)"
        return took + (f": {details}" if details else "")


class PreviewBuilder:
    """Incremental builds of ``root`` with drafts shown, in this process.

    ``build`` and ``prepare`` run one at a time, in any one thread; ``close`` may come from
    another while either runs.
    """

    def __init__(self, root: Path, out: Path) -> None:
        self.root = root
        self.out = out
        self.build_dir = out / "build"
        self.doctrees = out / ".doctrees"
        self.html = out / "html"
        self.settings: dict[str, Any] | None = None
        self.problems: list[str] = []
        self.templates = MemoryBytecodeCache()
        self.ready: ReadyApp | None = None
        #: Whether ``close`` was called: no application is kept after it.
        self.closed = False
        #: Whether a build runs now.
        self.building = False
        #: Guards ``ready`` and ``closed``; held only to read or swap them.
        self._state = threading.Lock()
        #: Called (from the build's thread) once the edited pages are served: reload them.
        self.on_shown: Callable[[], None] = lambda: None

    def load_settings(self) -> None:
        """Read the settings from ``_config.yml`` and import the extensions they name."""
        self.settings = sphinx_config(self.root)
        warm_up(self.settings["extensions"])

    def build(self, changed: Sequence[Path] = ()) -> Outcome:
        """Build what ``changed`` touched; publish the result only if it has no problems."""
        started, cpu = time.perf_counter(), time.process_time()
        outcome = Outcome(0.0)
        with self._state:
            if self.closed:  # Ctrl+C came first: start nothing, and no kernel
                return outcome
            self.building = True
        try:
            if self.settings is None or any(p.name in SETTINGS_FILES for p in changed):
                self.discard_ready()
                outcome.problems = [str(problem) for problem in config_problems(self.root)]
                if outcome.problems:  # _config.yml:line: message, not a YAML traceback
                    return self._finish(outcome, started, cpu)
                self.load_settings()
            self._forget_interrupted()
            outcome.problems = self._build_on(self._take_ready(changed, outcome), outcome, started)
        except Exception as error:  # noqa: BLE001 - any failure is one line, never a traceback
            message = str(error).strip().splitlines()
            outcome.problems = [f"{type(error).__name__}: {message[0] if message else ''}"]
        finally:
            self.building = False
        if not outcome.problems:
            copied = publish(self.build_dir, self.html)
            outcome.reload_again = outcome.shown_after is None or any(
                not name.as_posix().endswith(NOT_SHOWN) for name in copied
            )
        return self._finish(outcome, started, cpu)

    def _build_on(self, ready: ReadyApp, outcome: Outcome, started: float) -> list[str]:
        """Build on ``ready`` and drop it; the build's problems."""
        try:
            app = self._run(ready, outcome, started)
        finally:
            ready.close()
        problems = [str(p) for p in build_log_problems(ready.warnings.getvalue(), self.root)]
        if app.statuscode and not problems:
            problems = ["_config.yml:1: the build failed; see the terminal"]
        return problems

    def save(self, changed: Sequence[Path], log: Callable[[str], None]) -> Outcome:
        """One save in the preview: say what changed, build it and say how that went.

        A change to the extension's own code is not loaded into the running process; the
        author is told to restart the preview instead of seeing pages built with old code.
        """
        code = [path for path in changed if path.suffix == ".py" and path.is_relative_to(EXTENSION)]
        if code:
            names = ", ".join(shown(path, self.root) for path in code)
            log(
                f"{names} changed: the preview still runs the code it started with; "
                "stop it (Ctrl+C) and start it again to use the change"
            )
        changed = [path for path in changed if path not in code]
        if not changed:
            return Outcome(0.0, reload_again=False)
        names = ", ".join(shown(p, self.root) for p in changed if p.exists()) or "a deleted file"
        log(f"Rebuilding after a change to {names} ...")
        outcome = self.build(changed)
        if not self.closed:  # a build cut short by Ctrl+C says nothing more
            log(outcome.line())
        return outcome

    def _finish(self, outcome: Outcome, started: float, cpu: float) -> Outcome:
        self.problems = outcome.problems
        outcome.seconds = time.perf_counter() - started
        outcome.cpu_seconds = time.process_time() - cpu
        return outcome

    def prepare(self) -> None:
        """Free the last build's application and make the next one now, while the author
        reads; a failure is left for that build to report, in one line."""
        gc.collect()
        if self.ready is not None or self.settings is None or self.closed:
            return
        with contextlib.suppress(Exception):
            ready = self._make_app()
            with self._state:
                kept = not self.closed
                if kept:
                    self.ready = ready
            if not kept:  # closed while it was made
                ready.close()

    def _take_ready(self, changed: Sequence[Path], outcome: Outcome) -> ReadyApp:
        """The application made ahead, if ``changed`` allows it, else a new one."""
        with self._state:
            ready, self.ready = self.ready, None
        if ready is not None and ready.usable_for(changed):
            outcome.made_ahead = True
            return ready
        if ready is not None:
            ready.close()
        return self._make_app()

    def _make_app(self) -> ReadyApp:
        settings = self.settings or {}
        plan = AppPlan(self.root, self.build_dir, self.doctrees, settings, self.templates)
        return make_app(plan)

    def discard_ready(self) -> None:
        """Drop the application made ahead, if any (see ``ReadyApp.close``)."""
        with self._state:
            ready, self.ready = self.ready, None
        if ready is not None:
            ready.close()

    def close(self) -> None:
        """Stop for good, at once: drop the application made ahead and end the kernels.

        A build in progress is not waited for; its kernels end, and the next preview reads
        every page again.
        """
        with self._state:
            self.closed = True
            building = self.building
        if building:
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / INTERRUPTED).touch()
        self.discard_ready()
        end_kernels()

    def _forget_interrupted(self) -> None:
        """After a build cut short, start from no environment: every page is read again."""
        marker = self.out / INTERRUPTED
        if marker.exists():
            (self.doctrees / ENV_PICKLE_FILENAME).unlink(missing_ok=True)
            marker.unlink()

    def _run(self, ready: ReadyApp, outcome: Outcome, began: float) -> Sphinx:
        """Build on ``ready``; ``began`` is the save's ``time.perf_counter()``."""
        app, started = ready.app, time.time()
        written: set[str] = set()
        removed: set[str] = set()
        app.connect("env-before-read-docs", lambda a, e, docs: outcome.read.extend(docs))
        app.connect("html-page-context", lambda a, page, *rest: written.add(page))
        app.connect("env-get-outdated", lambda a, e, new, old, gone: removed.update(gone) or [])
        app.connect("html-collect-pages", drop_emptied_search_terms)
        show = functools.partial(self._show_written, ready.warnings, written, outcome, began)
        app.connect("html-collect-pages", show, priority=0)
        app.build()
        prune(app, written, removed)
        outcome.ran = code_runs(app.env, outcome.read, since=started)
        outcome.written = len(written)
        return app

    def _show_written(
        self,
        warnings: io.StringIO,
        written: set[str],
        outcome: Outcome,
        began: float,
        app: Sphinx,
    ) -> list:
        """Every document is written: serve those pages now, if nothing has warned so far.

        The blog lists, feed, search index and sitemap follow; ``build`` publishes them.
        """
        if written and not build_log_problems(warnings.getvalue(), self.root):
            outdir = Path(app.outdir)  # resolved by Sphinx, as the page's file name is
            pages = [Path(app.builder.get_outfilename(page)) for page in sorted(written)]
            copy_changed(outdir, self.html, [page.relative_to(outdir) for page in pages])
            outcome.shown_after = time.perf_counter() - began
            self.problems = []  # the reloaded pages come without the last save's banner
            self.on_shown()
        return []


def drop_emptied_search_terms(app: Sphinx) -> list:
    """Forget search terms left with no page when pages were removed, as a clean build does."""
    # Sphinx prunes removed pages from each term's set but keeps the emptied terms, and
    # has no public way to drop them.
    # PRIVATE: the search index's terms are ``IndexBuilder._mapping`` and ``_title_mapping``
    # (term -> set of pages); canary: test_sphinx_keeps_emptied_search_terms_in_two_dicts.
    indexer = getattr(app.builder, "indexer", None)
    for mapping in (indexer._mapping, indexer._title_mapping) if indexer else ():
        for term in [term for term, pages in mapping.items() if not pages]:
            del mapping[term]
    return []


def prune(app: Sphinx, written: set[str], removed: set[str]) -> None:
    """Delete pages a clean build would not make, which Sphinx leaves in place.

    Those are the pages of removed documents, and blog lists no longer made (a tag or year
    whose last post went).
    """
    # PRIVATE: ablog's handler that lists its archive pages, undocumented; canary:
    # test_ablog_lists_its_archive_pages_from_the_app.
    from ablog.post import generate_archive_pages

    outdir = Path(app.outdir)
    for docname in removed:
        for suffix in (".html", ".ipynb"):
            (outdir / f"{docname}{suffix}").unlink(missing_ok=True)
    blog_path = app.config.blog_path.strip("/")
    lists = {page for page, _, _ in generate_archive_pages(app)} | written | app.env.found_docs
    for path in (outdir / blog_path).rglob("*.html"):
        if path.relative_to(outdir).with_suffix("").as_posix() not in lists:
            path.unlink()


def code_runs(env: BuildEnvironment, read: list[str], since: float) -> dict[str, float]:
    """Seconds each page read since ``since`` spent running its code (not from the cache)."""
    runs = {}
    for docname in read:
        run = NbMetadataCollector.get_exec_data(env, docname) or {}
        if run.get("mtime", 0) >= since and run.get("runtime") is not None:
            runs[env.doc2path(docname, False)] = run["runtime"]
    return runs
