"""The authoring commands, run as an author runs them, in temporary copies of the site.

``check`` reuses the session build for the clean site; one more build, of a copy with a
new draft post and a planted broken link and anchor, serves the ``new post`` and ``check``
tests together; ``preview`` builds a copy of its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import yaml
from click.testing import CliRunner, Result

from dryga_site.authoring.check import (
    build_log_problems,
    feed_problems,
    front_matter_problems,
)
from dryga_site.authoring.cli import main
from dryga_site.authoring.links import check_links
from dryga_site.core import frontmatter
from dryga_site.core.posts import POST_DESCRIPTION_PLACEHOLDER
from dryga_site.core.projects import KINDS, validate_project
from helpers import ROOT, Build, copy_site, offline_env, tree_hashes

DRAFT_TITLE = "A draft in progress"
DRAFT = "blog/a-draft-in-progress"
BROKEN = (
    '\nA planted <a href="no-such-page.html">broken link</a>.\n\n'
    'A planted <a href="index.html#no-such-anchor">broken anchor</a>.\n'
)


def cli(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--root", str(root), *args])


def lines_of(root: Path, path: str, text: str) -> list[int]:
    """The numbers of the lines of ``root/path`` that contain ``text``."""
    lines = (root / path).read_text(encoding="utf-8").splitlines()
    return [number for number, line in enumerate(lines, start=1) if text in line]


@pytest.fixture
def empty_site(tmp_path: Path) -> Path:
    """A folder the CLI accepts as a site: a _config.yml and a copy of the projects."""
    (tmp_path / "_config.yml").write_text("title: Test\n")
    shutil.copytree(ROOT / "projects", tmp_path / "projects")
    return tmp_path


def read_front_matter(path: Path) -> tuple[dict, dict[str, int]]:
    """A page's front matter as the build reads it, and each key's line."""
    front = frontmatter.read(path.read_text(encoding="utf-8"))
    assert front is not None, f"{path} has no front matter"
    return front.data, front.lines


# --------------------------------------------------------------------------- new


def test_new_post_refuses_to_overwrite(empty_site: Path) -> None:
    first = cli(empty_site, "new", "post", "Hello, World", "--tags", "Elixir, OTP")
    assert first.exit_code == 0, first.output
    assert "blog/hello-world.md" in first.output
    assert "preview" in first.output  # the next step
    path = empty_site / "blog" / "hello-world.md"
    written = path.read_text()
    meta, _ = read_front_matter(path)
    assert meta["tags"] == ["elixir", "otp"] and meta["draft"] is True
    assert 'date: "' in written  # quoted, so YAML keeps it text

    again = cli(empty_site, "new", "post", "Hello World!")
    assert again.exit_code == 1
    assert "blog/hello-world.md already exists" in again.output
    assert path.read_text() == written


def test_new_project_rejects_an_unknown_kind(empty_site: Path) -> None:
    result = cli(empty_site, "new", "project", "Acme", "--kind", "saas", "--domains", "payments")
    assert result.exit_code == 2
    assert "'saas' is not one of" in result.output
    assert all(kind in result.output for kind in KINDS)
    assert not (empty_site / "projects" / "acme.md").exists()


def test_new_project_rejects_an_unknown_domain(empty_site: Path) -> None:
    args = ["--kind", "product", "--domains", "payments,fintech", "--tagline", "Pay"]
    result = cli(empty_site, "new", "project", "Acme", *args)
    assert result.exit_code == 2
    assert "'fintech'" in result.output and "payments, lending" in result.output


def test_new_project_is_valid_and_comes_last(empty_site: Path) -> None:
    orders = [read_front_matter(p)[0].get("order", 0) for p in empty_site.glob("projects/*.md")]
    args = ["--kind", "open-source", "--domains", "devtools", "--tagline", "Fast JSON for Elixir"]
    result = cli(empty_site, "new", "project", "Jason Fast", *args)
    assert result.exit_code == 0, result.output
    meta, _ = read_front_matter(empty_site / "projects" / "jason-fast.md")
    assert validate_project(meta) == []
    assert meta["order"] == max(orders) + 1
    assert (meta["kind"], meta["domains"], meta["tagline"]) == (
        "open-source",
        ["devtools"],
        "Fast JSON for Elixir",
    )


# ------------------------------------------------------------------------- check


@dataclass(frozen=True)
class Checked:
    src: Path
    html: Path
    result: Result


@pytest.fixture(scope="module")
def planted(site: Build, tmp_path_factory: pytest.TempPathFactory) -> Checked:
    """A copy of the site with a new notebook draft and a broken link and anchor, checked.

    The copy brings the session build's notebook cache, so only the new post's code runs.
    """
    src = copy_site(tmp_path_factory.mktemp("planted") / "src", site.src, notebook_cache=True)
    created = cli(src, "new", "post", DRAFT_TITLE, "--tags", "testing", "--notebook")
    assert created.exit_code == 0, created.output
    with (src / "about.md").open("a", encoding="utf-8") as about:
        about.write(BROKEN)
    return Checked(src, src / "_build" / "html", cli(src, "check"))


def test_link_check_follows_links_as_a_browser_does(tmp_path: Path) -> None:
    pages = {
        "index.html": '<a id="top"></a> <a href="a/">folder</a> <a href="a/b.html#here">ok</a>'
        '<a href="https://example.org/x">other site</a> <a href="mailto:me@example.org">mail</a>'
        '\n<a href="https://site.test/a/b.html#gone">own site, absolute</a>',
        "a/index.html": '<a href="../index.html#top">up</a>\n<img src="../missing.png" alt="">',
        "a/b.html": '<p id="here"></p>\n<a href="../../outside.html">outside</a>',
        "404.html": '<a href="/index.html">home</a>\n<a href="index.html">relative</a>',
    }
    for name, text in pages.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    problems = [
        (Path(p.path).relative_to(tmp_path).as_posix(), p.line, p.message)
        for p in check_links(tmp_path, base_url="https://site.test/")
    ]
    assert sorted(problems) == [
        ("404.html", 2, "link 'index.html' must start with '/': 404.html is served at any address"),
        ("a/b.html", 2, "link '../../outside.html' leads outside the site"),
        ("a/index.html", 2, "broken link '../missing.png': no missing.png in the build"),
        (
            "index.html",
            2,
            "broken anchor 'https://site.test/a/b.html#gone': a/b.html has no id 'gone'",
        ),
    ]


FEED = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>https://site.test/</id><title>Blog</title><updated>2026-01-01T00:00:00+00:00</updated>
  <entry>
    <id>https://site.test/blog/good.html</id><title>Good</title>
    <updated>2026-01-01T00:00:00+00:00</updated>
    <link href="https://site.test/blog/good.html"/>
    <content type="html">&lt;a href="https://site.test/about.html"&gt;about&lt;/a&gt;</content>
  </entry>
  <entry>
    <id>https://site.test/blog/wip.html</id><title>Work in progress</title>
    <updated>2026-01-02T00:00:00+00:00</updated>
    <link href="https://site.test/blog/wip.html"/>
    <content type="html">&lt;a href="#part-2"&gt;part 2&lt;/a&gt;</content>
  </entry>
  <entry>
    <id>gone</id><title></title>
    <link href="blog/gone.html"/>
  </entry>
</feed>
"""


def test_feed_check_reads_the_feed_as_a_reader_would(tmp_path: Path) -> None:
    html = tmp_path / "_build" / "html"
    (html / "blog").mkdir(parents=True)
    for page in ("blog/good.html", "blog/wip.html"):
        (html / page).write_text("<p>post</p>")
    (html / "blog" / "atom.xml").write_text(FEED)
    (tmp_path / "blog").mkdir()
    (tmp_path / "blog" / "wip.md").write_text("---\ntitle: WIP\nblogpost: true\ndraft: true\n---\n")
    problems = [str(p) for p in feed_problems(html, tmp_path, "https://site.test/")]
    assert problems == [
        "_build/html/blog/atom.xml:11: entry 'Work in progress' is a draft, "
        "which must stay out of the feed",
        "_build/html/blog/atom.xml:11: entry 'Work in progress' has relative links, "
        "which readers cannot follow: '#part-2'",
        "_build/html/blog/atom.xml:18: entry 'blog/gone.html' has no title",
        "_build/html/blog/atom.xml:18: entry 'blog/gone.html' has no date",
        "_build/html/blog/atom.xml:18: entry 'blog/gone.html' links to 'blog/gone.html', "
        "not to an absolute http(s) address",
    ]


def test_front_matter_check_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "blog").mkdir()
    (tmp_path / "projects").mkdir()
    post = ["---", 'title: "Ready"', "blogpost: true", 'date: "2026-01-01"', "tags: [Elixir, a/b]"]
    post += [f"description: {POST_DESCRIPTION_PLACEHOLDER!r}", "---", "", "Text."]
    (tmp_path / "blog" / "ready.md").write_text("\n".join(post))
    (tmp_path / "blog" / "no-front-matter.md").write_text("# A page, not a post\n")
    project = ["---", 'title: "X"', 'tagline: "Y"', "kind: saas", "domains: [devtools]"]
    (tmp_path / "projects" / "x.md").write_text("\n".join([*project, "order: 1", "---", ""]))
    problems = [str(p) for p in front_matter_problems(tmp_path)]
    assert problems[0] == (
        "blog/no-front-matter.md:1: no front matter: start the file with a '---' line"
    )
    assert problems[1] == (
        "blog/ready.md:5: tags: 'a/b' is not a tag; "
        "use lower-case words joined by hyphens, e.g. a-b"
    )
    assert problems[2].startswith("blog/ready.md:6: description: still the placeholder")
    assert problems[3].startswith("projects/x.md:4: kind: 'saas' is not allowed")
    assert len(problems) == 4


def test_check_takes_its_folders_from_the_configuration(tmp_path: Path) -> None:
    folders = {"blog_path": "writing", "projects_dir": "work"}
    config = {"title": "Test", "sphinx": {"config": folders}}
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    for folder in folders.values():
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.md").write_text("# No front matter\n", encoding="utf-8")
    result = cli(tmp_path, "check", "--no-build")
    named = {line.split(":", 1)[0] for line in result.stdout.splitlines()}
    assert named == {"_build/html", "work/x.md", "writing/x.md"}, result.stdout
    assert result.exit_code == 1


def test_build_warnings_become_one_line_each(tmp_path: Path) -> None:
    log = (
        "reading sources... [ 50%] about\n"
        f"\x1b[91m{tmp_path}/blog/x.md:12: WARNING: undefined label: 'nope'\x1b[39;49;00m\n"
        f"{tmp_path}/projects/y.md:3: ERROR: kind: 'saas' is not allowed\n"
        "WARNING: html_static_path entry 'missing' does not exist\n"
        "build finished with problems, 3 warnings.\n"
    )
    assert [str(p) for p in build_log_problems(log, tmp_path)] == [
        "blog/x.md:12: undefined label: 'nope'",
        "projects/y.md:3: kind: 'saas' is not allowed",
        "_config.yml:1: html_static_path entry 'missing' does not exist",
    ]


def test_check_passes_on_the_clean_site(site: Build, html: Path) -> None:
    result = cli(site.src, "check", "--no-build")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "All checks passed" in result.stderr


def test_check_reports_a_broken_link_and_anchor_by_file(planted: Checked) -> None:
    link = lines_of(planted.src, "about.md", "no-such-page.html")[0]
    anchor = lines_of(planted.src, "about.md", "#no-such-anchor")[0]
    assert planted.result.exit_code == 1
    assert planted.result.stdout.splitlines() == [
        f"about.md:{link}: broken link 'no-such-page.html': no no-such-page.html in the build",
        f"about.md:{anchor}: broken anchor 'index.html#no-such-anchor': "
        "index.html has no id 'no-such-anchor'",
    ]


def test_new_post_builds_strictly_as_a_draft_only(planted: Checked) -> None:
    # The strict build reported nothing (the only problems are the planted ones, above).
    page = (planted.html / f"{DRAFT}.html").read_text(encoding="utf-8")
    assert DRAFT_TITLE in page
    assert "55" in page  # the first code cell ran: sum(range(1, 11))
    assert DRAFT not in (planted.html / "blog.html").read_text(encoding="utf-8")
    assert DRAFT not in (planted.html / "blog" / "atom.xml").read_text(encoding="utf-8")
    tag = planted.html / "blog" / "tag" / "testing.html"
    assert not tag.exists() or "a-draft-in-progress" not in tag.read_text(encoding="utf-8")


def test_check_external_says_when_there_is_no_network(site: Build, html: Path) -> None:
    env = offline_env(site.src.parent / "check-attempts.log")
    cmd = [sys.executable, "-m", "dryga_site", "--root", str(site.src), "check", "--no-build"]
    started = time.monotonic()
    proc = subprocess.run([*cmd, "--external"], capture_output=True, text=True, env=env, timeout=60)
    # One quick probe, not a time-out per link (generous: a busy 2-core machine is slow to start).
    assert time.monotonic() - started < 30
    assert proc.returncode == 1
    assert "external links not checked: no network" in proc.stdout


# ----------------------------------------------------------------------- preview


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, text: str, process: subprocess.Popen, timeout: float) -> str:
    """The page at ``url`` once it contains ``text``; fails if the preview dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the preview stopped"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                page = response.read().decode()
            if text in page:
                return page
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} never showed {text!r}")


def test_preview_serves_rebuilds_and_stops(site: Build, tmp_path: Path) -> None:
    src = copy_site(tmp_path / "src", site.src)
    assert cli(src, "new", "post", DRAFT_TITLE, "--notebook").exit_code == 0
    before = tree_hashes(src)
    port = _free_port()
    log = (tmp_path / "preview.log").open("w")
    cmd = [sys.executable, "-m", "dryga_site", "--root", str(src), "preview", "--port", str(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        base = f"http://127.0.0.1:{port}/"
        home = _wait_for(base + "index.html", "Andrew Dryga", process, timeout=300)
        assert "<title>" in home
        # Drafts show in the preview.
        _wait_for(base + "blog.html", DRAFT_TITLE, process, timeout=10)

        # Saving the draft runs its code again, writing the execution cache and outputs.
        post = src / f"{DRAFT}.md"
        post.write_text(post.read_text().replace("range(1, 11)", "range(1, 101)"))
        _wait_for(base + f"{DRAFT}.html", "5050", process, timeout=180)
        time.sleep(5)  # what that build wrote must not start another build
        output = (tmp_path / "preview.log").read_text()
        assert output.count("Rebuilding") == 1, output[-3000:]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # killed, with all it started, and still a failure
            for child in psutil.Process(process.pid).children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    child.kill()
            process.kill()
            process.wait()
            raise
        finally:
            log.close()
    time.sleep(0.5)
    leftovers = [
        p.info["cmdline"]
        for p in psutil.process_iter(["cmdline"])
        if str(src) in " ".join(p.info["cmdline"] or [])
    ]
    assert leftovers == []
    after = tree_hashes(src)
    assert sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    ) == [f"{DRAFT}.md"]
