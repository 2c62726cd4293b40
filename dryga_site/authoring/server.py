"""``python -m dryga_site preview``: the served build, rebuilt on every save, reloading the page.

Watching (watchfiles), serving (starlette, uvicorn) and the reload script are
sphinx-autobuild's pieces; building is ``preview.PreviewBuilder``'s, in this process. Builds
run in daemon threads, so Ctrl+C ends the preview at once, even mid-build: the builder ends
its kernels, and the process does not wait for the build.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import functools
import html
import logging
import mimetypes
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import watchfiles
from sphinx_autobuild.filter import IgnoreFilter
from sphinx_autobuild.middleware import JavascriptInjectorMiddleware
from sphinx_autobuild.server import RebuildServer
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.responses import Response
from starlette.routing import Mount, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .preview import PreviewBuilder

#: What the watcher ignores besides the output folder: files a build writes, caches,
#: editors' temporary files, and folders that are not part of the site.
IGNORED = (
    r"/(_build|\.jupyter_cache|jupyter_execute|\.ipynb_checkpoints|__pycache__)/",
    r"/(\.git|\.venv|node_modules|tests|[^/]*\.egg-info)/",
    # Editors' own files: vim's swap, backup and write test, Emacs' lock and auto-save,
    # and the temporary files JetBrains IDEs write a save through.
    r"(\.pyc|\.swp|\.swx|~|/4913|/\.#[^/]*|/#[^/]*#|___jb_(tmp|old)___)$",
)
BANNER_STYLE = (
    "position:fixed;inset:0 0 auto 0;z-index:9999;margin:0;padding:.6em 1em;"
    "background:#8b0000;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap"
)
T = TypeVar("T")


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


def in_daemon_thread(call: Callable[[], T]) -> concurrent.futures.Future[T]:
    """Run ``call`` in a thread of its own that the process does not wait for at exit.

    (``asyncio.to_thread``'s threads are joined when the loop closes: Ctrl+C would wait for
    the build.)
    """
    future: concurrent.futures.Future[T] = concurrent.futures.Future()

    def run() -> None:
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(call())
            except BaseException as error:  # noqa: BLE001 - handed to whoever waits
                future.set_exception(error)

    threading.Thread(target=run, name="preview build", daemon=True).start()
    return future


class WarmRebuildServer(RebuildServer):
    """sphinx-autobuild's watcher and reload socket, building in this (warm) process.

    PRIVATE: sphinx-autobuild documents no API for its server. Overridden: ``watch`` (upstream's
    runs each build in a new process; this one builds in a thread, then makes the next
    build's application). Used: ``__init__``, ``paths``, ``ignore``, ``change_callback``,
    ``flag`` (set: every open page reloads), ``lifespan`` (runs ``watch`` until the server
    stops) and ``__call__`` (the reload socket). Canary: test_the_rebuild_server_fits_upstream.
    """

    OVERRIDES = ("watch",)
    USES = ("paths", "ignore", "change_callback", "flag", "lifespan", "__call__")

    def __init__(self, builder: PreviewBuilder, url_host: str, log: Callable[[str], None]):
        ignore = IgnoreFilter([builder.root / "_build"], IGNORED)
        super().__init__([builder.root], ignore, functools.partial(builder.save, log=log))
        self.builder = builder
        self.url_host = url_host
        self.log = log

    async def watch(self) -> None:
        """Build each burst of saves, reload the pages, and make the next build's app."""
        watching, loop = False, asyncio.get_running_loop()
        self.builder.on_shown = functools.partial(reload_pages, loop, self.flag)
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
                self.log(f"Watching for saves; serving http://{self.url_host}/")
            if changes:
                changed = sorted({Path(path).resolve() for _, path in changes})
                build = functools.partial(self.change_callback, changed)
                outcome = await asyncio.wrap_future(in_daemon_thread(build))
                if outcome.reload_again:
                    self.flag.set()
                # Not during the next build.
                await asyncio.wrap_future(in_daemon_thread(self.builder.prepare))


def reload_pages(loop: asyncio.AbstractEventLoop, flag: asyncio.Event) -> None:
    """From a build's thread: have every open page reload (unless the server has stopped)."""
    with contextlib.suppress(RuntimeError):  # the loop is closed
        loop.call_soon_threadsafe(flag.set)


class FreshFiles(StaticFiles):
    """Static files read whole when asked for, never answered "not modified".

    A page replaced between Starlette's look at its size and its read would otherwise be
    sent with the old length; and a reload must always get the newest build.
    PRIVATE: overrides Starlette's undocumented ``file_response``; canary:
    test_starlette_and_sphinx_autobuild_pieces_fit.
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
    watcher = WarmRebuildServer(builder, url_host, log)
    builder.html.mkdir(parents=True, exist_ok=True)
    return Starlette(
        routes=[
            WebSocketRoute("/websocket-reload", watcher, name="reload"),
            Mount("/", app=FreshFiles(directory=builder.html, html=True), name="static"),
        ],
        middleware=[
            # PRIVATE: sphinx-autobuild's script injector; canary as for FreshFiles.
            Middleware(JavascriptInjectorMiddleware, ws_url=url_host),
            Middleware(ErrorBanner, problems=lambda: builder.problems),
        ],
        lifespan=watcher.lifespan,
    )


def serve(root: Path, port: int, log: Callable[[str], None]) -> None:
    """Build ``root`` into _build/preview, serve it on 127.0.0.1 and rebuild on every save.

    Ctrl+C stops it at once, whatever it is doing, and leaves no kernel running.
    """
    import uvicorn

    sock = listen(port)
    url_host = f"127.0.0.1:{sock.getsockname()[1]}"
    builder = PreviewBuilder(root, root / "_build" / "preview")
    log(f"Preview of {root} with drafts at http://{url_host}/ ; Ctrl+C stops it.")
    logging.getLogger("watchfiles").setLevel(logging.WARNING)  # no line per change
    try:
        log("Loading Jupyter Book, Sphinx and the extensions ...")
        with contextlib.suppress(Exception):  # if it fails, the first build says why in one line
            builder.load_settings()
        log("Building ...")
        log(in_daemon_thread(builder.build).result().line())
        in_daemon_thread(builder.prepare).result()
        config = uvicorn.Config(app(builder, url_host, log), log_level="warning", lifespan="on")
        uvicorn.Server(config).run(sockets=[sock])  # on Ctrl+C, it stops and raises it again
    except KeyboardInterrupt:
        log("Preview stopped.")
    finally:
        logging.disable()  # the build left running may log its kernel's end: not news
        builder.close()
        sock.close()
