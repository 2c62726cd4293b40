"""The preview's benchmarks: save-to-visible latency, and a day's work on a big blog.

Used by ``scripts/bench.py --preview`` and ``--endurance``; the synthetic blogs also serve
its build timings. Not a test.
"""

from __future__ import annotations

import contextlib
import re
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
from typing import NoReturn

import psutil
from websockets.sync.client import connect

from helpers import NOTEBOOK_FRONT_MATTER, copy_site

TAGS = ("elixir", "testing", "devops", "architecture", "security", "fintech", "government")


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
            self.fail(f"the preview's first build failed:\n{self.log.read_text()[-3000:]}")
        # The page's reload script: sphinx-autobuild's socket, as a browser opens it.
        self.open = contextlib.ExitStack()
        url = self.url.replace("http://", "ws://") + "websocket-reload"
        self.reloads = self.open.enter_context(connect(url))

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.fail(f"the preview stopped:\n{self.log.read_text()[-3000:]}")
            found = re.search(pattern, self.log.read_text())
            if found:
                return found
            time.sleep(0.05)
        self.fail(f"the preview never logged {pattern!r}:\n{self.log.read_text()[-3000:]}")

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
                self.fail(f"{page} never showed {expected!r}:\n{self.log.read_text()[-3000:]}")
            with urllib.request.urlopen(self.url + page, timeout=60) as response:
                if expected in response.read().decode():
                    seconds = time.perf_counter() - start
                    break
        self.wait_for_build(done)  # the build that published it has logged
        time.sleep(1)  # the preview makes the next build's application between saves
        with contextlib.suppress(TimeoutError):
            while True:  # a second reload, once the lists and feed were written
                self.reloads.recv(timeout=0.01)
        return seconds

    def wait_for_build(self, done: int, timeout: float = 600) -> None:
        """Wait until more than ``done`` builds have logged their time."""
        deadline = time.monotonic() + timeout
        while len(self.builds()) <= done:
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.fail(f"no build finished:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.05)

    def fail(self, message: str) -> NoReturn:
        """Stop the preview, then end the benchmark with ``message``."""
        self.stop()
        sys.exit(message)

    def stop(self) -> None:
        """Ctrl+C; if the preview has not ended 60 s later, kill it and all it started."""
        if hasattr(self, "open"):
            self.open.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(psutil.Error):
                for child in psutil.Process(self.process.pid).children(recursive=True):
                    child.kill()
            self.process.kill()
            self.process.wait()


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
            try:
                clean = preview.builds()[0]
                prose = edit_times(preview, prose_post, site, code=False)
                prose_builds = preview.builds()[-PREVIEW_EDITS:]
                code = edit_times(preview, code_posts[0], site, code=True)
                runs = preview.runs()[-PREVIEW_EDITS:]
            finally:
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


#: The endurance run: prose saves, and a post added then deleted every ``CHURN`` of them.
ENDURANCE_SAVES, CHURN, SETTLED = 200, 10, 30


def resident_mb(process: subprocess.Popen) -> float:
    """The preview's resident memory in MB (its own process: prose posts start no kernel)."""
    return psutil.Process(process.pid).memory_info().rss / 2**20


def bench_endurance(posts: int = 500) -> None:
    """A day of writing, compressed: the preview's memory and speed over many saves.

    ``ENDURANCE_SAVES`` prose saves of a post on a ``posts``-post blog; every ``CHURN``
    saves a new post is added and, once visible, deleted again. Resident memory is read
    after each save; the targets (issue 19) are at most 30 MB of growth from save
    ``SETTLED`` to the end, and a last save within 1.5x of the first ones.
    """
    with tempfile.TemporaryDirectory(prefix="bench-endurance-") as tmp:
        site = synthetic_site(Path(tmp) / f"synthetic-{posts}", posts)
        preview = Preview(site)
        try:
            memory, seconds = endure(preview, site)
        finally:
            preview.stop()

    first, last = statistics.median(seconds[:10]), statistics.median(seconds[-10:])
    grown = memory[-1] - memory[SETTLED]
    print("## Preview endurance: a day of saves on a big blog\n")
    print(f"`python -m dryga_site preview` on a {posts}-post synthetic blog: {ENDURANCE_SAVES}")
    print(f"prose saves of one post, and every {CHURN} saves a new post added, shown, then")
    print("deleted. Resident memory of the preview process after each save; save-to-visible")
    print("time as in the table above (median of ten saves).\n")
    print("| measure | value | target |")
    print("| --- | ---: | --- |")
    print(f"| memory after the first build | {memory[0]:.0f} MB | |")
    print(f"| memory after save {SETTLED} | {memory[SETTLED]:.0f} MB | |")
    print(f"| memory after save {ENDURANCE_SAVES} | {memory[-1]:.0f} MB | |")
    print(f"| growth from save {SETTLED} to the end | {grown:+.0f} MB | <= 30 MB |")
    print(f"| save to visible, saves 1-10 | {first:.2f} s | |")
    print(f"| save to visible, last ten saves | {last:.2f} s | |")
    print(f"| last against first | {last / first:.2f}x | <= 1.5x |")
    print()


def churn(preview: Preview, site: Path, save: int) -> None:
    """Add a post, wait until the preview shows it, delete it, wait for that build."""
    new = site / "blog" / f"added-{save:04d}.md"
    text = synthetic_post(10_000 + save).replace("Synthetic post number", "Added post")
    preview.save_to_visible(new, text, "Added post", f"blog/added-{save:04d}.html")
    done = len(preview.builds())
    new.unlink()
    preview.wait_for_build(done)
    time.sleep(1)  # as after a save: the next build's application is made between saves


def endure(preview: Preview, site: Path) -> tuple[list[float], list[float]]:
    """The endurance run's saves: resident MB (first build, then each save), and seconds."""
    post = site / "blog" / "synthetic-0000.md"
    page = "blog/synthetic-0000.html"
    memory, seconds = [resident_mb(preview.process)], []
    for save in range(1, ENDURANCE_SAVES + 1):
        n = time.time_ns() % 10**9
        text = f"{post.read_text(encoding='utf-8').rstrip()}\n\nEndurance edit {n}.\n"
        seconds.append(preview.save_to_visible(post, text, f"Endurance edit {n}.", page))
        memory.append(resident_mb(preview.process))
        if save % CHURN == 0:
            churn(preview, site, save)
        if save % 20 == 0:
            print(f"save {save}: {memory[-1]:.0f} MB, {seconds[-1]:.2f} s", file=sys.stderr)
    return memory, seconds
