"""The checks behind ``python -m dryga_site check``, each returning located problems.

Front matter is checked in the sources, the build log is turned into one line per
warning, and the Atom feed is read back as a feed reader would read it.
"""

from __future__ import annotations

import json
import queue
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from ..core import frontmatter, posts, series
from ..core.pages import POST, Folders, Page, read_file
from ..core.problems import ANSI, Problem, shown
from . import links
from .config import (
    base_url_of,
    site_env,
    site_folders,
    sphinx_config,
    strict_build,
    write_conf,
)
from .links import check_links, parse_html, read_site

_WARNING = re.compile(
    r"^(?:(?P<path>[^\s:][^:]*?)(?::(?P<line>\d+))?: )?(?P<level>WARNING|ERROR|CRITICAL): "
    r"(?P<message>.+)$"
)
#: What Python's own logging prints, e.g. a kernel's ``ERROR:tornado.general:...``.
_LOGGED = re.compile(r"^(?P<level>WARNING|ERROR|CRITICAL):(?P<name>[\w.]+):(?P<message>.*)$")
_TRACEBACK = "Traceback (most recent call last):"
#: Where problems of the build as a whole are reported: the site's configuration.
BUILD = "_config.yml"
#: Well-known sites: if none answers, there is no network to check external links with.
PROBED_HOSTS = ("pypi.org", "github.com", "readthedocs.org")


def read_sources(root: Path, folders: Folders) -> dict[str, Page]:
    """Every post and project page, by its path relative to ``root``, read as the build reads it."""
    posts_found = [p for p in (root / folders.blog).glob("*") if p.suffix in (".md", ".ipynb")]
    projects = [p for p in (root / folders.projects).glob("*.md") if p.name != "index.md"]
    names = [p.relative_to(root).as_posix() for p in sorted(posts_found) + sorted(projects)]
    return {name: read_file(root, name, folders) for name in names}


def front_matter_problems(
    root: Path, folders: Folders | None = None, pages: dict[str, Page] | None = None
) -> list[Problem]:
    """Front-matter problems of every post and project page, as the build finds them."""
    pages = pages if pages is not None else read_sources(root, folders or site_folders(root))
    return [
        Problem(name, line, message)
        for name, page in pages.items()
        for line, message in page.problems
    ]


def scheduled_notes(pages: dict[str, Page], on: date | None = None) -> list[str]:
    """``blog/x.md: scheduled for 2027-01-05`` for each post dated after ``on`` (today)."""
    on = on or posts.today()
    notes = (posts.scheduled_note(name, page.meta, on) for name, page in pages.items())
    return [note for note in notes if note]


def series_problems(root: Path, pages: dict[str, Page], on: date | None = None) -> list[Problem]:
    """A gap or a duplicate in the ``series_part`` numbers of each series' published parts."""
    on = on or posts.today()
    found: dict[str, list[series.Part]] = {}
    for name, page in pages.items():
        meta = page.meta
        if (
            page.kind != POST
            or not meta.get("series")
            or posts.state_of(meta, on) != posts.PUBLISHED
        ):
            continue
        part = series.Part(name, str(meta.get("title", "")), None, meta.get("series_part"))
        found.setdefault(series.slug(meta["series"]), []).append(part)
    return [
        Problem(name, _line_with(root / name, "series_part") or 1, message)
        for parts in found.values()
        for name, message in series.number_problems(parts)
    ]


def alt_notes(html: Path, root: Path, pages: dict[str, links.Page] | None = None) -> list[str]:
    """One note per output image with no alt text of its author's, named by its source
    (``pages``: the site as :func:`~.links.read_site` read it, if it was read already)."""
    notes = []
    for name, page in (read_site(html) if pages is None else pages).items():
        stem = Path(name).with_suffix("")
        source = next((s for s in (".ipynb", ".md") if (root / stem).with_suffix(s).is_file()), "")
        for alt in page.made_up_alts if source else ():
            notes.append(
                f"{stem.as_posix()}{source}: an output image has no alt text, so readers hear "
                f'"{alt}"; describe it in the cell\'s metadata (mystnb: image: alt: ...) or '
                "give it a figure caption"
            )
    return list(dict.fromkeys(notes))


def config_problems(root: Path) -> list[Problem]:
    """``_config.yml`` and ``_toc.yml`` read as Jupyter Book reads them: one located problem
    each that cannot be (Jupyter Book itself would stop with a traceback)."""
    problems = []
    for name in ("_config.yml", "_toc.yml"):
        try:
            yaml.safe_load((root / name).read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            line, problem = frontmatter.yaml_problem(err)
            problems.append(Problem(name, line + 1, f"not valid YAML ({problem}); fix this line"))
        except OSError:
            continue  # a missing _toc.yml is reported by the build
    return problems


def build_log_problems(log: str, root: Path) -> list[Problem]:
    """Every warning, error and traceback of a build log, one problem each.

    Sphinx's warnings are located in the file they name; what Python's logging printed (a
    kernel's ``ERROR:...``) and tracebacks are problems of the build as a whole.
    """
    lines = [ANSI.sub("", raw).strip() for raw in log.splitlines()]
    problems = []
    for number, line in enumerate(lines):
        if match := _WARNING.match(line):
            path = match["path"] or "_config.yml"
            try:
                path = Path(path).resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                pass
            problems.append(Problem(path, int(match["line"] or 1), match["message"]))
        elif match := _LOGGED.match(line):
            message = f"{match['level']} from {match['name']}: {match['message']}"
            problems.append(Problem(BUILD, 1, message))
        elif line == _TRACEBACK:
            raw = log.splitlines()[number + 1 :]
            error = next((ANSI.sub("", t) for t in raw if t and not t[0].isspace()), "")
            problems.append(Problem(BUILD, 1, f"a traceback in the build log: {error}"))
    return list(dict.fromkeys(problems))


def feed_problems(
    html: Path, root: Path, base_url: str, folders: Folders | None = None
) -> list[Problem]:
    """Problems a feed reader would meet in ``blog/atom.xml``, and drafts that leaked into it."""
    import feedparser

    folders = folders or site_folders(root)
    feed_path = html / folders.blog / "atom.xml"
    name = shown(feed_path, root)
    if not feed_path.is_file():
        return [Problem(name, 1, "the Atom feed was not built")]
    feed = feedparser.parse(feed_path.read_bytes())
    if feed.bozo:
        return [Problem(name, 1, f"the feed does not parse: {feed.bozo_exception}")]
    lines = feed_path.read_text(encoding="utf-8").splitlines()
    drafts = {
        Path(name).stem
        for name, page in read_sources(root, folders).items()
        if page.kind == POST and posts.is_draft(page.meta)
    }
    problems = []
    for entry in feed.entries:
        link, title = entry.get("link", ""), entry.get("title", "").strip()
        line = next((n for n, text in enumerate(lines, 1) if link and link in text), 1)
        where = f"entry {title or link or '?'!r}"
        messages = []
        if not title:
            messages.append(f"{where} has no title")
        if not entry.get("updated_parsed") and not entry.get("published_parsed"):
            messages.append(f"{where} has no date")
        if urlsplit(link).scheme not in ("http", "https"):
            messages.append(f"{where} links to {link!r}, not to an absolute http(s) address")
        elif base_url and not link.startswith(base_url):
            messages.append(f"{where} links to {link!r}, outside {base_url}")
        elif base_url:
            page = link[len(base_url) :].split("#")[0]
            if not (html / page).is_file():
                messages.append(f"{where} links to {link!r}, which is not a built page")
            if page.startswith(f"{folders.blog}/") and Path(page).stem in drafts:
                messages.append(f"{where} is a draft, which must stay out of the feed")
        for content in entry.get("content", []):
            relative = [u for _, u in parse_html(content.value).links if not urlsplit(u).scheme]
            if relative:
                messages.append(
                    f"{where} has relative links, which readers cannot follow: {relative[0]!r}"
                )
        problems += [Problem(name, line, message) for message in messages]
    return problems


def _answers(host: str, timeout: float) -> bool:
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
    except OSError:
        return False
    return True


def online(hosts: tuple[str, ...] = PROBED_HOSTS, timeout: float = 5.0) -> bool:
    """Whether any of ``hosts`` answers on port 443 within ``timeout`` seconds (DNS included)."""
    answers: queue.SimpleQueue[bool] = queue.SimpleQueue()
    for host in hosts:
        probe = threading.Thread(target=lambda h=host: answers.put(_answers(h, timeout)))
        probe.daemon = True  # a hung name lookup must not keep the command from exiting
        probe.start()
    deadline = time.monotonic() + timeout
    try:
        return any(answers.get(timeout=max(0.0, deadline - time.monotonic())) for _ in hosts)
    except queue.Empty:
        return False


def _line_with(path: Path, text: str) -> int:
    """The number of the first line of ``path`` containing ``text`` (0 when none does)."""
    source = path.read_bytes().decode("utf-8", errors="replace") if path.is_file() else ""
    return next((n for n, line in enumerate(source.splitlines(), 1) if text in line), 0)


def _short(info: str, limit: int = 120) -> str:
    return info if len(info) <= limit else info[: limit - 1] + "…"


def external_problems(root: Path, say: Callable[[str], None]) -> list[Problem]:
    """Links to other sites that are broken, from Sphinx's linkcheck builder."""
    if not online():
        message = (
            f"external links not checked: no network (no answer from {', '.join(PROBED_HOSTS)})"
        )
        return [Problem("_config.yml", 1, message)]
    with tempfile.TemporaryDirectory(prefix="dryga-linkcheck-") as tmp:
        work = Path(tmp)
        config = sphinx_config(root, nb_execution_mode="off")
        # Links into the site itself are the internal check's job (and need no network).
        if base := config.get("html_baseurl"):
            config["linkcheck_ignore"] = [*config.get("linkcheck_ignore", []), re.escape(base)]
        write_conf(work, config)
        cmd = [sys.executable, "-m", "sphinx", "build", "-b", "linkcheck", "-q"]
        cmd += ["-c", tmp, "-d", str(work / "doctrees"), str(root), str(work / "out")]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=site_env(root))
        report = work / "out" / "output.json"
        if not report.is_file():
            say(proc.stdout + proc.stderr)
            return [Problem("_config.yml", 1, "the external link check did not run")]
        results = [json.loads(line) for line in report.read_text().splitlines() if line]
    return [
        Problem(
            r["filename"],
            _line_with(root / r["filename"], r["uri"]) or r["lineno"] or 1,
            f"{r['status']} link {r['uri']}: {_short(r['info'])}",
        )
        for r in results
        if r["status"] in ("broken", "timeout")
    ]


def check_site(
    root: Path, external: bool, build: bool, say: Callable[[str], None]
) -> list[Problem]:
    """Every problem of the site as it will be published, in order; ``say`` tells progress.

    The strict build (unless ``build`` is false), then the front matter, every internal link
    and anchor of the built HTML and the Atom feed; links to other sites when ``external``.
    """
    if problems := config_problems(root):  # nothing builds without a readable configuration
        return problems
    folders = site_folders(root)
    pages = read_sources(root, folders)
    problems = front_matter_problems(root, folders, pages) + series_problems(root, pages)
    for note in scheduled_notes(pages):  # information, not a problem
        say(note)
    built = True
    if build:
        say("Building the site strictly (jupyter-book build) ...")
        built, log = strict_build(root)
        build_problems = build_log_problems(log, root)
        if not built and all(problem.path == BUILD for problem in build_problems):
            say(log[-3000:])
            build_problems.append(Problem(BUILD, 1, "the build failed; its log ends above"))
        problems += build_problems
    html = root / "_build" / "html"
    if not built:
        say("The build failed, so links and the feed are checked once it passes.")
    elif not (html / "index.html").is_file():
        problems.append(Problem("_build/html", 1, "no built site to check: build it first"))
    else:
        base_url = base_url_of(html)
        built_pages = read_site(html)
        problems += check_links(html, root, base_url, built_pages)
        for note in alt_notes(html, root, built_pages):  # information, not a problem
            say(note)
        problems += feed_problems(html, root, base_url, folders)
        if external:
            say("Checking links to other sites ...")
            problems += external_problems(root, say)
    return list(dict.fromkeys(problems))
