"""Benchmark the site: Lighthouse per page template, and build times. Not a test.

    python scripts/bench.py                   # everything (about 15 minutes on 2 cores)
    python scripts/bench.py --lighthouse-only --runs 3
    python scripts/bench.py --runs 3 --before OLD/_build/html --html _build/html  # side by side
    python scripts/bench.py --builds-only --posts 100 500
    python scripts/bench.py --clean-logs 10      # ten clean builds whose logs must be clean
    python scripts/bench.py --preview           # the author's loop: save to visible page
    python scripts/bench.py --endurance         # the preview over a day of saves
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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bench_preview import bench_endurance, bench_preview, synthetic_site

from dryga_site.authoring.config import STRICT
from dryga_site.authoring.serve import serving, template_pages
from helpers import (
    CHROMIUM_ARGS,
    JUPYTER_BOOK,
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
    only.add_argument(
        "--endurance",
        action="store_true",
        help="only the preview over 200 saves on a 500-post blog: memory and speed",
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
    if args.endurance:
        bench_endurance()
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
