"""Serve a built site on 127.0.0.1 the way a static host does, and name the pages to audit.

Read the Docs compresses HTML, CSS, JavaScript, SVG and the like with gzip when the browser
accepts it and answers a missing page with ``404.html``; so does this server, so page weights
measured through it match what readers download. The tests and ``scripts/bench.py`` use it;
by hand: ``python -m dryga_site.authoring.serve _build/html``.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Types worth compressing; images and fonts are compressed already.
COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "application/xml",
    "application/atom+xml",
    "image/svg+xml",
)


@functools.lru_cache(maxsize=512)
def _gzipped(path: str, mtime_ns: int) -> bytes:
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzipped for clients that accept it; ``404.html`` for missing paths."""

    protocol_version = "HTTP/1.1"  # keep connections open, as every real host does
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "application/javascript",
        ".svg": "image/svg+xml",
        ".xml": "application/xml",
        ".inv": "application/octet-stream",
    }

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        path = self.translate_path(self.path)
        index = os.path.join(path, "index.html")
        if os.path.isdir(path) and os.path.isfile(index):
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # redirects to the folder's URL with a slash
            path = index
        status = 200
        if not os.path.isfile(path):
            missing = os.path.join(self.directory, "404.html")
            if not os.path.isfile(missing):
                return super().send_head()
            path, status = missing, 404
        ctype = self.guess_type(path)
        stat = os.stat(path)
        gzip_ok = "gzip" in self.headers.get("Accept-Encoding", "")
        if gzip_ok and ctype.startswith(COMPRESSIBLE):
            body = _gzipped(path, stat.st_mtime_ns)
        else:
            body, gzip_ok = Path(path).read_bytes(), False
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if gzip_ok:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Last-Modified", self.date_time_string(int(stat.st_mtime)))
        self.end_headers()
        return io.BytesIO(body)


def built_pages(html: Path) -> list[str]:
    """Every HTML page of a build, as paths relative to its root."""
    return sorted(
        p.relative_to(html).as_posix()
        for p in html.rglob("*.html")
        if not any(part.startswith(("_", ".")) for part in p.relative_to(html).parts)
    )


def _heaviest(html: Path, pattern: str) -> str:
    pages = [p for p in html.glob(pattern) if p.name != "index.html"]
    if not pages:
        raise FileNotFoundError(f"no page matches {html / pattern}")
    return max(pages, key=lambda p: p.stat().st_size).relative_to(html).as_posix()


def _most_math(html: Path) -> dict[str, str]:
    """The post with the most formulas, as ``{"math post": path}``; nothing if none has any."""
    counts = {p: p.read_text(encoding="utf-8").count("<math") for p in html.glob("blog/*.html")}
    best = max(counts, key=counts.__getitem__, default=None)
    return {"math post": best.relative_to(html).as_posix()} if best and counts[best] else {}


def template_pages(html: Path) -> dict[str, str]:
    """One page of each template the site has; of projects and posts, the biggest.

    The post with the most math is audited too, once a post has any.
    """
    tags = sorted(html.glob("blog/tag/*.html"))
    if not tags:
        raise FileNotFoundError(f"no tag page in {html / 'blog/tag'}")
    return {
        "home": "index.html",
        "catalog": "projects/index.html",
        "project": _heaviest(html, "projects/*.html"),
        "blog index": "blog.html",
        "post": _heaviest(html, "blog/*.html"),
        "tag": tags[0].relative_to(html).as_posix(),
        "archive": "blog/archive.html",
        "404": "404.html",
        "search": "search.html",
        **_most_math(html),
    }


@contextmanager
def serving(directory: Path, port: int = 0) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 in a background thread; yield its base URL."""
    handler = functools.partial(GzipHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def main() -> None:
    """Serve a build folder until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, nargs="?", default=Path("_build/html"))
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    with serving(args.directory, args.port) as url:
        print(f"Serving {args.directory} at {url} (Ctrl+C to stop)")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
