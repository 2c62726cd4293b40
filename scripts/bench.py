"""Benchmark the site: Lighthouse per page template, and build times. Not a test.

    python scripts/bench.py                   # everything (about 15 minutes on 2 cores)
    python scripts/bench.py --lighthouse-only --runs 3
    python scripts/bench.py --runs 3 --before OLD/_build/html --html _build/html  # side by side
    python scripts/bench.py --builds-only --posts 100 500
    python scripts/bench.py --clean-logs 10      # ten clean builds whose logs must be clean
    python scripts/bench.py --preview           # the author's loop: save to visible page
    python scripts/bench.py --runtime --baseline ../main/_build/html   # cold and warm first Runs

Lighthouse (``npm ci`` installs it) runs its mobile preset against a strict build served
gzipped on 127.0.0.1, several times per template; the median of each category is printed
with the bytes transferred and requests made on that first load. Build times are measured
on a copy of the sources in a temporary folder: a clean build (cold notebook cache), a
rebuild with no change, after editing one post and after editing one project, and clean
builds of synthetic blogs (generated posts without code cells, so they time the site's
machinery, not notebook execution). ``--preview`` times ``python -m dryga_site preview``
instead: from a file's write until the served page has the change, for prose and code edits,
waiting as a browser does: for the preview's reload message, then fetching the page.
Results print as Markdown tables for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from websockets.sync.client import connect

from dryga_site.authoring.config import STRICT
from dryga_site.authoring.serve import serving, template_pages
from helpers import (
    CHROMIUM_ARGS,
    JUPYTER_BOOK,
    NOTEBOOK_FRONT_MATTER,
    ROOT,
    copy_site,
    jupyter_book,
    log_problems,
)

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = " ".join(
    [*CHROMIUM_ARGS, "--disable-quic", '--host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"']
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TAGS = ("elixir", "testing", "devops", "architecture", "security", "fintech", "government")


def build(src: Path) -> tuple[float, float]:
    """Build ``src`` strictly into ``src/_build``; return wall and CPU seconds.

    CPU time (the build and its notebook kernels) hardly depends on what else the machine
    is doing; wall time does, so both are reported.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(src), *STRICT], capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        sys.exit(f"build of {src} failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return wall, cpu


def append(path: Path, text: str) -> str:
    with path.open("a", encoding="utf-8") as f:
        f.write(text)
    return path.relative_to(path.parent.parent).as_posix()


def synthetic_post(number: int) -> str:
    """A plausible post: front matter, headings, paragraphs, a list and a static code block."""
    day = date(2015, 1, 1) + timedelta(days=3 * number)
    tags = ", ".join(TAGS[(number + k) % len(TAGS)] for k in range(2))
    words = "the build reads each page once and writes it again only when it changes "
    paragraph = (words * 6).strip().capitalize() + "."
    return f"""---
title: "Synthetic post number {number}"
blogpost: true
date: "{day.isoformat()}"
tags: [{tags}]
author: Andrew Dryga
description: "A generated post, number {number}, to time how the site's build grows with posts."
---

{paragraph}

## What it measures

{paragraph}

- one item
- another item

```python
def answer() -> int:
    return {number}
```

## What it ignores

{paragraph}
"""


def bench_builds(post_counts: list[int]) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        src = copy_site(Path(tmp) / "site")
        clean = build(src)
        no_change = build(src)
        post = sorted((src / "blog").glob("*.md"))[0]
        project = sorted(p for p in (src / "projects").glob("*.md") if p.stem != "index")[0]
        post_name = append(post, "\nOne more sentence, added by the benchmark.\n")
        one_post = build(src)
        project_name = append(project, "\nOne more sentence, added by the benchmark.\n")
        one_project = build(src)
        posts = len(list((src / "blog").glob("*.md")))
        projects = len(list((src / "projects").glob("*.md"))) - 1
        print("## Build times\n")
        print(f"Strict builds of a copy of the site ({posts} posts, {projects} projects).\n")
        print("| build | wall s | share of clean | CPU s | share of clean | target |")
        print("| --- | ---: | ---: | ---: | ---: | --- |")
        rows = [
            ("clean (empty _build, cold notebook cache)", clean, ""),
            ("no change", no_change, "<= 10%"),
            (f"one post edited ({post_name})", one_post, "<= 25%"),
            (f"one project edited ({project_name})", one_project, ""),
        ]
        for name, (wall, cpu), target in rows:
            print(
                f"| {name} | {wall:.1f} | {wall / clean[0]:.0%} "
                f"| {cpu:.1f} | {cpu / clean[1]:.0%} | {target} |"
            )
        print()

        if not post_counts:
            return
        print("### Synthetic blogs (generated posts without code cells)\n")
        print("| posts | clean wall s | wall s per post | clean CPU s | CPU s per post |", end="")
        print(" one post edited, wall s | CPU s | share of clean (wall, CPU) |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for count in post_counts:
            site = synthetic_site(Path(tmp) / f"synthetic-{count}", count)
            wall, cpu = build(site)
            append(site / "blog" / "synthetic-0000.md", "\nOne more sentence.\n")
            edited, edited_cpu = build(site)
            print(
                f"| {count} | {wall:.1f} | {wall / count:.3f} | {cpu:.1f} | {cpu / count:.3f} "
                f"| {edited:.1f} | {edited_cpu:.1f} "
                f"| {edited / wall:.0%}, {edited_cpu / cpu:.0%} |",
                flush=True,
            )
            shutil.rmtree(site)
        print()


PREVIEW_EDITS = 5
CODE_POST = f"""---
title: "Synthetic post with code"
blogpost: true
date: "2014-12-31"
tags: [testing]
author: Andrew Dryga
description: "A generated post whose one code cell runs at build time."
{NOTEBOOK_FRONT_MATTER}---

A cell that prints a marker, edited by the benchmark.

```{{code-cell}} ipython3
print("marker-start")
```
"""


class Preview:
    """``python -m dryga_site preview`` on a site, and its log."""

    def __init__(self, site: Path) -> None:
        self.log = site.parent / f"{site.name}-preview.log"
        cmd = [sys.executable, "-m", "dryga_site", "--root", str(site), "preview", "--port", "0"]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        self.url = self.wait_for(r"serving (http://\S+/)", timeout=1800)[1]
        if not self.builds():
            sys.exit(f"the preview's first build failed:\n{self.log.read_text()[-3000:]}")
        # The page's reload script: sphinx-autobuild's socket, as a browser opens it.
        self.open = contextlib.ExitStack()
        url = self.url.replace("http://", "ws://") + "websocket-reload"
        self.reloads = self.open.enter_context(connect(url))

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"the preview stopped:\n{self.log.read_text()[-3000:]}")
            found = re.search(pattern, self.log.read_text())
            if found:
                return found
            time.sleep(0.05)
        sys.exit(f"the preview never logged {pattern!r}:\n{self.log.read_text()[-3000:]}")

    def builds(self) -> list[tuple[float, float]]:
        """Wall and CPU seconds of each build so far, from the log."""
        found = re.findall(r"^built in ([\d.]+) s \(CPU ([\d.]+) s\)", self.log.read_text(), re.M)
        return [(float(wall), float(cpu)) for wall, cpu in found]

    def runs(self) -> list[float]:
        """Seconds each code cell edit spent running its post's code, from the log."""
        return [float(s) for s in re.findall(r"code in ([\d.]+) s", self.log.read_text())]

    def save_to_visible(self, path: Path, text: str, expected: str, page: str) -> float:
        """Seconds from writing ``text`` into ``path`` until ``page`` shows ``expected``: at
        each reload message, as a browser would, the page is fetched again."""
        done = len(self.builds())
        start = time.perf_counter()
        path.write_text(text, encoding="utf-8")
        while True:
            try:
                self.reloads.recv(timeout=max(1.0, 600 - (time.perf_counter() - start)))
            except TimeoutError:
                sys.exit(f"{page} never showed {expected!r}:\n{self.log.read_text()[-3000:]}")
            with urllib.request.urlopen(self.url + page, timeout=60) as response:
                if expected in response.read().decode():
                    seconds = time.perf_counter() - start
                    break
        while len(self.builds()) <= done:  # the build that published it has logged
            time.sleep(0.05)
        time.sleep(1)  # the preview makes the next build's application between saves
        with contextlib.suppress(TimeoutError):
            while True:  # a second reload, once the lists and feed were written
                self.reloads.recv(timeout=0.01)
        return seconds

    def stop(self) -> None:
        self.open.close()
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=120)


def synthetic_site(dest: Path, count: int) -> Path:
    """A copy of the site whose blog is ``count`` synthetic posts."""
    site = copy_site(dest)
    shutil.rmtree(site / "blog")
    (site / "blog").mkdir()
    for number in range(count):
        text = synthetic_post(number)
        (site / "blog" / f"synthetic-{number:04d}.md").write_text(text, encoding="utf-8")
    return site


def edit_times(preview: Preview, post: Path, site: Path, code: bool) -> list[float]:
    """Save-to-visible seconds of ``PREVIEW_EDITS`` edits of ``post``'s prose or first cell.

    A code edit adds a line to the first cell printing ``edit <7n>``, a number its source
    does not show.
    """
    page = post.relative_to(site).with_suffix(".html").as_posix()
    seconds = []
    for i in range(PREVIEW_EDITS):
        text = post.read_text(encoding="utf-8")
        n = time.time_ns() % 10**9 + i
        if code:
            cell = text.index("\n", text.index("```{code-cell}")) + 1
            text, expected = f'{text[:cell]}print("edit", 7 * {n})\n{text[cell:]}', f"edit {7 * n}"
        else:
            text, expected = f"{text.rstrip()}\n\nBenchmark edit {n}.\n", f"Benchmark edit {n}."
        seconds.append(preview.save_to_visible(post, text, expected, page))
    return seconds


def bench_preview() -> None:
    """Save-to-visible latency of prose and code edits, and one edit's share of a clean build."""
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as tmp:
        sites = [copy_site(Path(tmp) / "site")]
        for count in (500, 100):
            sites.append(synthetic_site(Path(tmp) / f"synthetic-{count}", count))
            (sites[-1] / "blog" / "synthetic-code.md").write_text(CODE_POST, encoding="utf-8")
        for site in sites:
            posts = sorted((site / "blog").glob("*.md"))
            code_posts = [p for p in posts if "{code-cell}" in p.read_text(encoding="utf-8")]
            prose_post = next(p for p in posts if p not in code_posts)
            preview = Preview(site)
            clean = preview.builds()[0]
            prose = edit_times(preview, prose_post, site, code=False)
            prose_builds = preview.builds()[-PREVIEW_EDITS:]
            code = edit_times(preview, code_posts[0], site, code=True)
            runs = preview.runs()[-PREVIEW_EDITS:]
            preview.stop()
            results.append((len(posts), clean, prose, prose_builds, code, runs))
            medians = [round(statistics.median(times), 2) for times in (prose, code, runs)]
            print(f"{site.name}: clean {clean}, prose/code/run {medians}", file=sys.stderr)
    results.sort()

    median = statistics.median
    print("## Preview: from saving a file to the page showing it\n")
    print(f"`python -m dryga_site preview`, median of {PREVIEW_EDITS} edits each: prose (a")
    print("sentence changed in a post without code) and code (a post's first cell changed).")
    print("Latency is wall time from the write until the served page has the change; the")
    print("build CPU s (from the preview's log) does not depend on what else the machine runs.\n")
    print("| posts | prose edit s | its build CPU s | target | code edit s | cell run s | target |")
    print("| ---: | ---: | ---: | --- | ---: | ---: | --- |")
    for posts, _, prose, builds, code, runs in results:
        target = "<= 0.5" if posts < 100 else "<= 1.5" if posts >= 500 else ""
        print(
            f"| {posts} | {median(prose):.2f} | {median(cpu for _, cpu in builds):.2f} "
            f"| {target} | {median(code):.2f} | {median(runs):.2f} | <= run + 0.5 |"
        )
    print("\n### One post edited against a clean build, in the preview\n")
    print("Build seconds from the preview's log: its first build into an empty")
    print("`_build/preview` (extensions already imported; on the site itself it runs every")
    print("post's code, as the synthetic blogs' one code post), and the median prose edit.\n")
    print("| posts | clean wall s | clean CPU s | edit wall s | edit CPU s | share (wall, CPU) |")
    print("| ---: | ---: | ---: | ---: | ---: | --- |")
    for posts, (wall, cpu), _, builds, _, _ in results:
        edit_wall, edit_cpu = median(w for w, _ in builds), median(c for _, c in builds)
        print(
            f"| {posts} | {wall:.2f} | {cpu:.2f} | {edit_wall:.2f} | {edit_cpu:.2f} "
            f"| {edit_wall / wall:.0%}, {edit_cpu / cpu:.0%} |"
        )
    print()


def lighthouse(url: str, out: Path) -> dict:
    """One Lighthouse run (mobile preset); its scores, bytes and requests."""
    env = {**os.environ, "CHROME_PATH": "/usr/bin/chromium"}
    cmd = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        sys.exit(f"lighthouse {url} failed:\n{proc.stderr[-3000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    audits = report["audits"]
    failed = [
        audit["id"]
        for audit in audits.values()
        if audit.get("score") is not None
        and audit["score"] < 1
        and audit.get("scoreDisplayMode") in {"binary", "numeric"}
    ]
    return {
        **{c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES},
        "fcp": audits["first-contentful-paint"]["numericValue"],
        "lcp": audits["largest-contentful-paint"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "bytes": audits["total-byte-weight"]["numericValue"],
        "requests": len(audits["network-requests"]["details"]["items"]),
        "failed": failed,
    }


def bench_lighthouse(runs: int, html: Path | None) -> None:
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is missing: run `CHROMEDRIVER_SKIP_DOWNLOAD=true npm ci`")
    with tempfile.TemporaryDirectory(prefix="bench-lh-") as tmp:
        if html is None:
            src = copy_site(Path(tmp) / "site")
            build(src)
            html = src / "_build" / "html"
        print(f"## Lighthouse (mobile preset, median of {runs} runs)\n")
        print("| template | page | perf | a11y | best practices | SEO | KB | requests |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        notes = []
        with serving(html) as base:
            for name, page in template_pages(html).items():
                results = [lighthouse(base + page, Path(tmp) / "report.json") for _ in range(runs)]
                median = {c: statistics.median(r[c] for r in results) for c in CATEGORIES}
                weight = statistics.median(r["bytes"] for r in results) / 1024
                requests = statistics.median(r["requests"] for r in results)
                scores = " | ".join(f"{median[c]:.0f}" for c in CATEGORIES)
                print(f"| {name} | {page} | {scores} | {weight:.0f} | {requests:.0f} |", flush=True)
                failed = sorted({a for r in results for a in r["failed"]})
                if failed:
                    notes.append(f"- {name}: audits below 1 in some run: {', '.join(failed)}")
        print()
        print("\n".join(notes) if notes else "Every scored audit passed in every run.")
        print()


def bench_side_by_side(runs: int, before: Path, after: Path) -> None:
    """Lighthouse on two builds in one run, alternating page by page and run by run.

    On a shared machine the load changes from minute to minute; alternating gives both builds
    the same conditions. Every template of ``after`` is audited, on the same page in both.
    """
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is missing: run `CHROMEDRIVER_SKIP_DOWNLOAD=true npm ci`")
    print(f"## Lighthouse, before and after side by side (mobile preset, median of {runs})\n")
    print(
        "| template | page | build | perf | FCP s | LCP s | CLS | a11y | best practices | SEO "
        "| KB | requests |"
    )
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    notes = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-lh-") as tmp,
        serving(before) as base_before,
        serving(after) as base_after,
    ):
        for name, page in template_pages(after).items():
            results: dict[str, list[dict]] = {"before": [], "after": []}
            for _ in range(runs):
                for label, base in (("before", base_before), ("after", base_after)):
                    report = Path(tmp) / "report.json"
                    results[label].append(lighthouse(base + page, report))
            for label, found in results.items():
                median = {
                    k: statistics.median(r[k] for r in found) for k in found[0] if k != "failed"
                }
                fcps = "/".join(f"{r['fcp'] / 1000:.2f}" for r in found)
                print(
                    f"| {name} | {page} | {label} | {median['performance']:.0f} "
                    f"| {median['fcp'] / 1000:.2f} | {median['lcp'] / 1000:.2f} "
                    f"| {median['cls']:.3f} | {median['accessibility']:.0f} "
                    f"| {median['best-practices']:.0f} | {median['seo']:.0f} "
                    f"| {median['bytes'] / 1024:.0f} | {median['requests']:.0f} |",
                    flush=True,
                )
                failed = sorted({a for r in found for a in r["failed"]})
                notes.append(
                    f"- {name}, {label}: FCP per run {fcps} s"
                    + (f"; audits below 1 in some run: {', '.join(failed)}" if failed else "")
                )
    print()
    print("\n".join(notes))
    print()


def bench_clean_logs(runs: int) -> None:
    """``runs`` clean strict builds in a row; each log must hold no warning, error or traceback.

    A clean build (fresh copy, cold notebook cache) starts and stops every kernel, where a
    shutdown race once printed a traceback into a green build. The logs are read with the
    parser ``check`` uses, and also searched for the bare words.
    """
    print(f"## Clean strict builds ({runs} in a row)\n")
    print("| run | exit | wall s | problems in the log |")
    print("| ---: | ---: | ---: | --- |")
    clean = 0
    for run in range(1, runs + 1):
        with tempfile.TemporaryDirectory(prefix="bench-clean-") as tmp:
            start = time.perf_counter()
            build = jupyter_book(copy_site(Path(tmp) / "site"))
            wall = time.perf_counter() - start
        words = [w for w in ("Traceback", "ERROR", "Exception") if w in build.output]
        problems = [str(p) for p in log_problems(build)] + [f"the word {w!r}" for w in words]
        clean += build.returncode == 0 and not problems
        shown = "; ".join(problems[:3]) or "none"
        print(f"| {run} | {build.returncode} | {wall:.0f} | {shown} |", flush=True)
    print(f"\n{clean} of {runs} builds clean.\n")
    if clean != runs:
        sys.exit(1)


#: The posts of the runtime benchmark: a reader runs the first, then opens the second.
FIRST_POST, NEXT_POST = "blog/introducing-sage.html", "blog/run-stale-tests.html"
#: Requests for the run controls' runtime (the page's own assets are not counted).
RUNTIME_REQUEST = re.compile(r"/_static/pyodide/|/_static/runcode-worker\.js")
#: Timed in the page: from the click on the first Run button to the status after its output.
CLICK_TO_OUTPUT = """() => new Promise((resolve) => {
    const status = document.querySelector('.runcode-status');
    status.textContent = '';
    const start = performance.now();
    new MutationObserver(() => /^(Ran|Raised|Python did not)/.test(status.textContent) &&
        resolve([performance.now() - start, status.textContent]))
        .observe(status, {childList: true});
    document.querySelector('.runcode-run').click();
})"""
#: Whether the warm start's snapshot is in Cache Storage yet (it is written after the output).
SNAPSHOT_SAVED = """async () => {
    for (const name of await caches.keys())
        if (name.startsWith('runcode-snapshot ') && (await (await caches.open(name)).keys()).length)
            return true;
    return false;
}"""


def bench_runtime(runs: int, html: Path | None, baseline: Path | None) -> None:
    """The posts' run controls in one browser session: a first Run on one post, then on the next.

    Each of ``runs`` sessions is a fresh browser with a new profile (empty caches, and an HTTP
    cache on disk as a reader's browser has, where a bare test context keeps only a small one in
    memory that the 9.6 MB wasm does not fit): it opens the Sage post,
    waits, and clicks Run on the first cell (cold: Python loads); once the warm start's snapshot
    is saved (at most 15 s; a build without warm start saves none) it opens the stale-tests post
    and clicks Run there (warm). The clock runs in the page, from the click to the status that
    follows the output. Bytes are what the context's requests for the runtime transferred: before
    each click (must be 0) and because of it. ``baseline`` (another build, e.g. main's) is
    measured in the same run, its sessions interleaved with this build's.
    """
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp, contextlib.ExitStack() as stack:
        if html is None:
            src = copy_site(Path(tmp) / "site")  # node_modules (Pyodide) linked
            build(src)
            html = src / "_build" / "html"
        builds = {"this build": html, **({f"baseline ({baseline})": baseline} if baseline else {})}
        bases = {label: stack.enter_context(serving(path)) for label, path in builds.items()}
        results: dict[str, list[dict[str, float]]] = {label: [] for label in builds}
        pw = stack.enter_context(sync_playwright())
        for session in range(runs):
            for label, base in bases.items():
                profile = Path(tmp) / f"profile-{session}-{len(results[label])}-{label[:4]}"
                results[label].append(_runtime_session(pw, profile, base))
                print(f"session {session + 1}, {label}: {results[label][-1]}", file=sys.stderr)
    print(f"## Run code in the browser ({runs} sessions; first Run on {FIRST_POST}, then")
    print(f"{NEXT_POST} in the same browser session)\n")
    print(f"| measure | {' | '.join(builds)} | target |")
    print(f"| --- |{' ---: |' * len(builds)} --- |")
    rows = [
        ("first Run, first post (cold): click to output", "cold", "s", 2, ""),
        ("first Run, next post (warm): click to output", "warm", "s", 2, "<= 35% of cold"),
        ("next post / first post (median of each)", None, "%", 0, "<= 35%"),
        ("runtime bytes fetched before each click", "before", "B", 0, "0"),
        ("runtime bytes fetched by the first post's Run", "cold MB", "MB", 1, ""),
        ("runtime bytes fetched by the next post's Run", "warm MB", "MB", 1, ""),
        ("snapshot saved, after the first output", "saved", "s", 2, ""),
        ("re-run, Python loaded: click to output", "rerun", "ms", 0, "<= 200 ms"),
    ]
    for name, key, unit, digits, target in rows:
        cells = []
        for label in builds:
            if key is None:
                cold = statistics.median(r["cold"] for r in results[label])
                warm = statistics.median(r["warm"] for r in results[label])
                cells.append(f"{100 * warm / cold:.{digits}f} %")
                continue
            values = [r[key] for r in results[label] if r.get(key) is not None]
            if not values:
                cells.append("none")
                continue
            middle, low, high = statistics.median(values), min(values), max(values)
            cells.append(f"{middle:.{digits}f} {unit} ({low:.{digits}f}-{high:.{digits}f})")
        print(f"| {name} | {' | '.join(cells)} | {target} |")
    print()


def _runtime_session(pw, profile: Path, base: str) -> dict[str, float | None]:  # type: ignore
    """One fresh browser (its own new profile, so a disk cache as readers have): the first post's
    first Run, then the next post's."""
    context = pw.chromium.launch_persistent_context(
        profile, executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
    )
    sizes: list[tuple[str, int]] = []  # the worker's requests included

    def runtime_bytes() -> int:
        return sum(n for url, n in sizes if RUNTIME_REQUEST.search(url))

    context.on("requestfinished", functools.partial(_note_size, sizes))
    result: dict[str, float | None] = {"before": 0}
    for post, key in ((FIRST_POST, "cold"), (NEXT_POST, "warm")):
        opened = runtime_bytes()
        page = context.new_page()
        page.goto(base + post, wait_until="networkidle")
        page.wait_for_timeout(500)
        clicked = runtime_bytes()
        result["before"] += clicked - opened
        seconds, status = page.evaluate(CLICK_TO_OUTPUT)
        if not status.startswith("Ran"):
            sys.exit(f"{post} under {base}: {status}")
        shown = time.perf_counter()
        result[key] = seconds / 1000
        page.wait_for_timeout(300)  # the last responses of the load finish
        result[f"{key} MB"] = (runtime_bytes() - clicked) / 1e6
        if key == "cold":
            result["saved"] = _snapshot_saved(page, shown)
            result["rerun"] = statistics.median(page.evaluate(CLICK_TO_OUTPUT)[0] for _ in range(3))
        page.close()
    context.close()
    return result


def _snapshot_saved(page, started: float, timeout: float = 15) -> float | None:  # type: ignore
    """Seconds from ``started`` until the warm start's snapshot is saved; None if it never is."""
    if '"build":' not in page.content():
        return None  # a build without warm start
    while not page.evaluate(SNAPSHOT_SAVED):
        if time.perf_counter() - started > timeout:
            return None
        page.wait_for_timeout(50)
    return time.perf_counter() - started


def _note_size(sizes: list[tuple[str, int]], request: object) -> None:
    transferred = request.sizes()  # type: ignore[attr-defined]
    size = transferred["responseBodySize"] + transferred["responseHeadersSize"]
    sizes.append((request.url, size))  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--lighthouse-only", action="store_true", help="skip the build timings")
    only.add_argument("--builds-only", action="store_true", help="skip Lighthouse")
    only.add_argument(
        "--preview", action="store_true", help="only the preview's save-to-visible latency"
    )
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per template")
    parser.add_argument(
        "--posts", type=int, nargs="*", default=[100, 500], help="synthetic blog sizes"
    )
    parser.add_argument("--html", type=Path, help="audit this build instead of building one")
    parser.add_argument(
        "--before",
        type=Path,
        help="with --html: audit this build and that one side by side, alternating runs",
    )
    parser.add_argument(
        "--clean-logs",
        type=int,
        metavar="N",
        help="only run N clean strict builds and check that their logs have no problem",
    )
    parser.add_argument(
        "--runtime", action="store_true", help="only time the posts' run controls (Pyodide)"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="with --runtime: also measure this build (e.g. main's), interleaved, side by side",
    )
    args = parser.parse_args()
    if args.clean_logs:
        bench_clean_logs(args.clean_logs)
        return
    if args.runtime:
        bench_runtime(args.runs, args.html, args.baseline)
        return
    if args.preview:
        bench_preview()
        return
    if args.before:
        if args.html is None:
            sys.exit("--before needs --html: the build to compare it with")
        bench_side_by_side(args.runs, args.before, args.html)
        return
    if not args.lighthouse_only:
        bench_builds(args.posts)
    if not args.builds_only:
        bench_lighthouse(args.runs, args.html)


if __name__ == "__main__":
    main()
