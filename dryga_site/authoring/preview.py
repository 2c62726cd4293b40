"""The author's preview: one warm process that rebuilds on every save and reloads the browser.

Python, Jupyter Book, Sphinx and every extension are imported once. Each save is built by a
fresh Sphinx application on the environment the last build pickled, so only the pages the
edit touches are read again. That application is made while the author reads (settings,
extensions, the environment, the theme); a save that adds or deletes a file, or changes
anything but an existing page, or comes on a new day, gets one made on the spot instead.

Sphinx writes into ``_build/preview/build``; what the browser sees is a copy in
``_build/preview/html``, so a broken save keeps the last good pages on screen with its
one-line error as a banner. The edited pages come first: once every document is written
without a warning, they are copied and the browser reloads, before the blog lists, feed and
search index are made; it reloads again only if those changed a page it may show. (A warning
that only a list or the feed raises leaves the new pages served, under the banner.)

Watching (watchfiles), serving (starlette, uvicorn) and the reload script are
sphinx-autobuild's pieces; the settings are those ``jupyter-book config sphinx`` writes
(``build.sphinx_config``).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import errno
import functools
import gc
import html
import importlib
import io
import logging
import mimetypes
import os
import shutil
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import watchfiles
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import docutils_namespace, patch_docutils
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.problems import shown
from .check import build_log_problems, config_problems
from .config import sphinx_config

#: What the watcher ignores besides the output folder: files a build writes, caches,
#: editors' temporary files, and folders that are not part of the site.
IGNORED = (
    r"/(_build|\.jupyter_cache|jupyter_execute|\.ipynb_checkpoints|__pycache__)/",
    r"/(\.git|\.venv|node_modules|tests|[^/]*\.egg-info)/",
    # Editors' own files: vim's swap, backup and write test, Emacs' lock and auto-save,
    # and the temporary files JetBrains IDEs write a save through.
    r"(\.pyc|\.swp|\.swx|~|/4913|/\.#[^/]*|/#[^/]*#|___jb_(tmp|old)___)$",
)
#: Files whose change means the settings must be read again.
SETTINGS_FILES = ("_config.yml", "_toc.yml")
BANNER_STYLE = (
    "position:fixed;inset:0 0 auto 0;z-index:9999;margin:0;padding:.6em 1em;"
    "background:#8b0000;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap"
)


class PortInUse(OSError):
    """The port asked for is taken; the message names it and the way out."""


def listen(port: int) -> socket.socket:
    """A socket bound to 127.0.0.1:``port`` (0: a free one), or one line saying why not."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as error:
        sock.close()
        reason = "is in use" if error.errno == errno.EADDRINUSE else f"failed: {error.strerror}"
        raise PortInUse(
            f"port {port} on 127.0.0.1 {reason}; stop what uses it, "
            "or run `python -m dryga_site preview --port 0` to pick a free port"
        ) from None
    sock.listen(128)  # browsers opened during the first build wait for it, not fail
    return sock


def warm_up(extensions: list[str]) -> None:
    """Import the extensions now, and exempt everything imported from garbage collection.

    Imported modules live as long as the process; frozen, they are not scanned again by
    each collection, nor by ``gc.get_objects()``, which sphinx-external-toc calls for
    every new app to find Sphinx's table-of-contents collector.
    """
    for name in extensions:
        importlib.import_module(name)
    gc.freeze()


#: The extension's own code: the preview runs the version it started with.
EXTENSION = Path(__file__).resolve().parent.parent
#: Files the build writes that no page shown while editing depends on: a change to them
#: alone needs no reload.
NOT_SHOWN = ("searchindex.js", "objects.inv", "robots.txt", ".xml")
#: Files up to this size are compared by content when only their time changed: Sphinx
#: writes its search page, script settings and styles again on every build.
COMPARED = 1 << 20


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


@dataclass
class ReadyApp:
    """A Sphinx application made ahead of the save it will build, with what it holds open."""

    app: Sphinx
    warnings: io.StringIO
    #: docutils' registries, patched and saved for this application until its build ends.
    context: contextlib.ExitStack
    day: date

    def usable_for(self, changed: Sequence[Path]) -> bool:
        """Whether ``changed`` are all existing pages it knows, on the day it was made.

        A new or deleted file changes what the table of contents excludes; any other file
        (settings, a bibliography, templates, styles) may be read when an application starts.
        """
        env = self.app.env
        return self.day == date.today() and all(
            path.is_file() and env.path2doc(str(path)) in env.found_docs for path in changed
        )

    def close(self) -> None:
        self.context.close()


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
    """Incremental builds of ``root`` with drafts shown, in this process."""

    def __init__(self, root: Path, out: Path) -> None:
        self.root = root
        self.build_dir = out / "build"
        self.doctrees = out / ".doctrees"
        self.html = out / "html"
        self.settings: dict[str, Any] | None = None
        self.problems: list[str] = []
        self.templates = MemoryBytecodeCache()
        self.ready: ReadyApp | None = None
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
        try:
            if self.settings is None or any(p.name in SETTINGS_FILES for p in changed):
                self.discard_ready()
                outcome.problems = [str(problem) for problem in config_problems(self.root)]
                if outcome.problems:  # _config.yml:line: message, not a YAML traceback
                    return self._finish(outcome, started, cpu)
                self.load_settings()
            ready = self._take_ready(changed, outcome)
            with ready.context:
                app = self._run(ready, outcome, started)
            warnings = ready.warnings.getvalue()
            outcome.problems = [str(p) for p in build_log_problems(warnings, self.root)]
            if app.statuscode and not outcome.problems:
                outcome.problems = ["_config.yml:1: the build failed; see the terminal"]
        except Exception as error:  # noqa: BLE001 - any failure is one line, never a traceback
            message = str(error).strip().splitlines()
            outcome.problems = [f"{type(error).__name__}: {message[0] if message else ''}"]
        if not outcome.problems:
            copied = publish(self.build_dir, self.html)
            outcome.reload_again = outcome.shown_after is None or any(
                not name.as_posix().endswith(NOT_SHOWN) for name in copied
            )
        return self._finish(outcome, started, cpu)

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
        if self.ready is None and self.settings is not None:
            with contextlib.suppress(Exception):
                self.ready = self._make_app()

    def _take_ready(self, changed: Sequence[Path], outcome: Outcome) -> ReadyApp:
        """The application made ahead, if ``changed`` allows it, else a new one."""
        ready, self.ready = self.ready, None
        if ready is not None and ready.usable_for(changed):
            outcome.made_ahead = True
            return ready
        if ready is not None:
            ready.close()
        return self._make_app()

    def _make_app(self) -> ReadyApp:
        """A Sphinx application for the preview's next build (settings, extensions, the
        pickled environment, the theme)."""
        # ablog keeps its blog in a class attribute shared by every Sphinx app of a process
        # (a "Borg"), filled by the first app; each fresh app needs it empty.
        from ablog.blog import Blog

        Blog._dict.clear()
        warnings, context = io.StringIO(), contextlib.ExitStack()
        day = date.today()
        with context:
            # docutils' directives and roles are registered globally while the app starts;
            # they stay registered, and are restored after, until its build ends.
            context.enter_context(patch_docutils(self.root))
            context.enter_context(docutils_namespace())
            app = Sphinx(
                srcdir=self.root,
                confdir=None,  # as jupyter-book builds: the settings are all overrides
                outdir=self.build_dir,
                doctreedir=self.doctrees,
                buildername="html",
                # A copy: extensions append to list settings (ablog to html_static_path).
                # Drafts listed; no first-paint step: it would cost every save a second.
                confoverrides={
                    **copy.deepcopy(self.settings or {}),
                    "blog_show_drafts": True,
                    "site_first_paint": False,
                },
                status=None,
                warning=warnings,
                keep_going=True,
            )
            # Set before any page is rendered (the builder was made in Sphinx()).
            app.builder.templates.environment.bytecode_cache = self.templates
            return ReadyApp(app, warnings, context.pop_all(), day)

    def discard_ready(self) -> None:
        """Drop the application made ahead, if any, restoring docutils' registries; call it
        before the builder is dropped."""
        if self.ready is not None:
            self.ready.close()
            self.ready = None

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
        run = getattr(env, "nb_metadata", {}).get(docname, {}).get("exec_data") or {}
        if run.get("mtime", 0) >= since and run.get("runtime") is not None:
            runs[env.doc2path(docname, False)] = run["runtime"]
    return runs


class FreshFiles(StaticFiles):
    """Static files read whole when asked for, never answered "not modified".

    A page replaced between Starlette's look at its size and its read would otherwise be
    sent with the old length; and a reload must always get the newest build.
    """

    def file_response(
        self, full_path: Any, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        try:
            body = Path(full_path).read_bytes()
        except FileNotFoundError:  # deleted by the build since: as if it never existed
            return Response("Not found: rebuilt since; reload", status_code=404)
        media_type = mimetypes.guess_type(str(full_path))[0] or "application/octet-stream"
        headers = {"Cache-Control": "no-store"}
        return Response(body, status_code=status_code, media_type=media_type, headers=headers)


class MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept between builds (each fresh app would compile them again).

    Jinja checks each entry against its template's source, so an edited template is
    compiled anew.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


class ErrorBanner:
    """ASGI middleware: while the last build has problems, every HTML page shows them on top."""

    def __init__(self, app: ASGIApp, problems: Callable[[], list[str]]) -> None:
        self.app = app
        self.problems = problems

    def banner(self) -> bytes:
        lines = html.escape("\n".join(self.problems()))
        text = f"The last save did not build; showing the last good build.\n{lines}"
        return f'<div role="alert" id="preview-error" style="{BANNER_STYLE}">{text}</div>'.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        banner = self.banner() if scope["type"] == "http" and self.problems() else b""
        if not banner:
            await self.app(scope, receive, send)
            return
        is_html = False

        async def send_with_banner(message: Message) -> None:
            nonlocal is_html
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                is_html = headers.get("Content-Type", "").startswith("text/html")
                if is_html and "Content-Length" in headers:
                    headers["Content-Length"] = str(int(headers["Content-Length"]) + len(banner))
            elif is_html and not message.get("more_body", False):
                message["body"] += banner
            await send(message)

        await self.app(scope, receive, send_with_banner)


def app(builder: PreviewBuilder, url_host: str, log: Callable[[str], None]) -> ASGIApp:
    """The preview's web app: the served build, the reload socket, the script and banner."""
    from sphinx_autobuild.filter import IgnoreFilter
    from sphinx_autobuild.middleware import JavascriptInjectorMiddleware
    from sphinx_autobuild.server import RebuildServer
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount, WebSocketRoute

    class WarmRebuildServer(RebuildServer):
        """sphinx-autobuild's watcher and reload socket, building in this (warm) process.

        Its own ``watch`` runs every build in a new process; this one uses a thread.
        """

        async def watch(self) -> None:
            watching = False
            loop = asyncio.get_running_loop()
            builder.on_shown = lambda: loop.call_soon_threadsafe(self.flag.set)
            async for changes in watchfiles.awatch(
                *self.paths,
                watch_filter=lambda _, path: not self.ignore(path),
                yield_on_timeout=True,  # an empty first batch: the watcher is ready
                rust_timeout=500,
                # A save is one burst of events (editors write, rename and delete within a
                # few ms): 20 ms of quiet ends it, where watchfiles' default waits 50.
                step=20,
            ):
                if not watching:
                    watching = True
                    log(f"Watching for saves; serving http://{url_host}/")
                if changes:
                    changed = sorted({Path(path).resolve() for _, path in changes})
                    outcome = await asyncio.to_thread(self.change_callback, changed)
                    if outcome.reload_again:
                        self.flag.set()
                    await asyncio.to_thread(builder.prepare)  # not during the next build

    ignore = IgnoreFilter([builder.root / "_build"], IGNORED)
    watcher = WarmRebuildServer([builder.root], ignore, functools.partial(builder.save, log=log))
    builder.html.mkdir(parents=True, exist_ok=True)
    return Starlette(
        routes=[
            WebSocketRoute("/websocket-reload", watcher, name="reload"),
            Mount("/", app=FreshFiles(directory=builder.html, html=True), name="static"),
        ],
        middleware=[
            Middleware(JavascriptInjectorMiddleware, ws_url=url_host),
            Middleware(ErrorBanner, problems=lambda: builder.problems),
        ],
        lifespan=watcher.lifespan,
    )


def serve(root: Path, port: int, log: Callable[[str], None]) -> None:
    """Build ``root`` into _build/preview, serve it on 127.0.0.1 and rebuild on every save."""
    import uvicorn

    sock = listen(port)
    url_host = f"127.0.0.1:{sock.getsockname()[1]}"
    builder = PreviewBuilder(root, root / "_build" / "preview")
    log(f"Preview of {root} with drafts at http://{url_host}/ ; Ctrl+C stops it.")
    logging.getLogger("watchfiles").setLevel(logging.WARNING)  # no line per change
    log("Loading Jupyter Book, Sphinx and the extensions ...")
    with contextlib.suppress(Exception):  # if it fails, the first build says why in one line
        builder.load_settings()
    log("Building ...")
    log(builder.build().line())
    builder.prepare()
    config = uvicorn.Config(app(builder, url_host, log), log_level="warning", lifespan="on")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn stops cleanly, then raises the signal again
        log("Preview stopped.")
    finally:
        builder.discard_ready()
