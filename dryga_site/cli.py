"""Authoring commands: ``python -m dryga_site new|preview|check``.

``new`` writes a post or project page with valid front matter, ``preview`` serves a
live-reloading build with drafts on 127.0.0.1, and ``check`` runs every check the
site must pass before it is published, printing one ``file:line: message`` per problem.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from .checks import (
    build_log_problems,
    config_problems,
    feed_problems,
    front_matter_problems,
    read_front_matter,
)
from .linkcheck import Problem, check_links
from .schema import DOMAINS, KINDS, POST_DESCRIPTION_PLACEHOLDER, validate_project

STRICT = ["--warningiserror", "--nitpick", "--keep-going"]
#: Well-known sites: if none answers, there is no network to check external links with.
PROBED_HOSTS = ("pypi.org", "github.com", "readthedocs.org")
# Settings Sphinx reads relative to the folder of conf.py; made absolute for a conf.py elsewhere.
CONFDIR_PATHS = ("templates_path", "html_static_path", "html_extra_path", "bibtex_bibfiles")
CONFDIR_FILES = ("html_favicon", "html_logo")
# What the preview's file watcher ignores, besides the output folder: files a build
# writes, caches, and editors' temporary files.
PREVIEW_IGNORED = (
    r"/(_build|\.jupyter_cache|jupyter_execute|\.ipynb_checkpoints|__pycache__)/",
    r"/(\.git|\.venv|node_modules|tests|[^/]*\.egg-info)/",
    r"(\.pyc|\.swp|\.swx|~|/4913|/\.#[^/]*)$",
)


def slugify(text: str) -> str:
    """A file name for a title: lowercase ASCII words joined by hyphens."""
    text = re.sub(r"['’]", "", text)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds ``_config.yml``."""
    for folder in (start, *start.parents):
        if (folder / "_config.yml").is_file():
            return folder
    raise click.UsageError(f"no _config.yml in {start} or above: run this inside the site")


def _yaml_list(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


# --------------------------------------------------------------------------- new


def post_text(title: str, tags: list[str], notebook: bool, today: dt.date) -> str:
    """The starting text of a draft post."""
    lines = [
        "---",
        f"title: {_quoted(title)}",
        "blogpost: true",
        "draft: true  # delete this line to publish the post",
        f'date: "{today.isoformat()}"',
        "date_approximate: false",
        f"tags: {_yaml_list(tags)}",
        "author: Andrew Dryga",
        f"description: {_quoted(POST_DESCRIPTION_PLACEHOLDER)}",
    ]
    if notebook:
        lines += [
            "jupytext:",
            "  text_representation:",
            "    extension: .md",
            "    format_name: myst",
            "kernelspec:",
            "  name: python3",
            "  display_name: Python 3",
        ]
    lines += [
        "---",
        "",
        "Open with the point of the post: the problem, and what the reader will take away.",
        "",
        "## The first section",
        "",
        "Each section makes one step of the argument.",
        "",
    ]
    if notebook:
        lines += [
            "Code cells run when the site is built, and readers see their output:",
            "",
            "```{code-cell} ipython3",
            "total = sum(range(1, 11))",
            "total",
            "```",
            "",
        ]
    return "\n".join(lines)


def notebook_post(title: str, tags: list[str], today: dt.date) -> str:
    """A draft post as a Jupyter notebook: its front matter is the notebook's metadata."""
    import nbformat

    metadata = {
        "title": title,
        "blogpost": True,
        "draft": True,
        "date": today.isoformat(),
        "date_approximate": False,
        "tags": tags,
        "author": "Andrew Dryga",
        "description": POST_DESCRIPTION_PLACEHOLDER,
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    lead = (
        "Open with the point of the post: the problem, and what the reader will take away.\n\n"
        "The post's title, date and tags are the notebook's metadata (in JupyterLab: the "
        "property inspector's Advanced Tools). Set `draft` to false there to publish it."
    )
    cells = [
        nbformat.v4.new_markdown_cell(lead, id="lead"),
        nbformat.v4.new_code_cell("total = sum(range(1, 11))\ntotal", id="first-cell"),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=metadata)
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The site's folder (default: the nearest folder with _config.yml).",
)
@click.pass_context
def main(ctx: click.Context, root: Path | None) -> None:
    """Write, preview and check posts and project pages of Andrew Dryga's site."""
    ctx.obj = find_root((root or Path.cwd()).resolve())


@main.group()
def new() -> None:
    """Start a new post or project page."""


@new.command("post")
@click.argument("title")
@click.option("--tags", default="", help="Comma-separated tags, e.g. elixir,testing.")
@click.option("--notebook", is_flag=True, help="Add a code cell that runs at build time.")
@click.option("--ipynb", is_flag=True, help="Write a Jupyter notebook, blog/<slug>.ipynb.")
@click.pass_obj
def new_post(root: Path, title: str, tags: str, notebook: bool, ipynb: bool) -> None:
    """Start a draft post, blog/<slug>.md (or .ipynb), titled TITLE."""
    slug = slugify(title)
    if not slug:
        raise click.BadParameter("the title needs at least one letter or digit", param_hint="TITLE")
    path = _new_file(root, "blog", slug, ".ipynb" if ipynb else ".md")
    tag_list = [t for t in (slugify(tag) for tag in tags.split(",")) if t]
    today = dt.date.today()
    text = (
        notebook_post(title, tag_list, today)
        if ipynb
        else post_text(title, tag_list, notebook, today)
    )
    path.write_text(text, encoding="utf-8")
    click.echo(f"Created {path.relative_to(root)} (a draft: only the preview shows it).")
    click.echo("Next: run `python -m dryga_site preview`, write, and watch the page update.")


def _new_file(root: Path, folder: str, slug: str, suffix: str = ".md") -> Path:
    """The path of a new page, refusing to replace any page with the same name."""
    existing = sorted((root / folder).glob(f"{slug}.*"))
    if existing:
        raise click.ClickException(
            f"{existing[0].relative_to(root)} already exists: "
            "edit it, or choose another title for the new page"
        )
    (root / folder).mkdir(exist_ok=True)
    return root / folder / f"{slug}{suffix}"


def project_text(meta: dict[str, Any]) -> str:
    """The starting text of a project page; its body is a comment until written."""
    return "\n".join(
        [
            "---",
            f"title: {_quoted(meta['title'])}",
            f"tagline: {_quoted(meta['tagline'])}",
            f"kind: {meta['kind']}",
            f"domains: {_yaml_list(meta['domains'])}",
            "stack: []",
            'role: ""',
            "links: []",
            "featured: false",
            f"order: {meta['order']}",
            "---",
            "",
            "% What the project is, what it achieved and Andrew's part in it: facts only.",
            "",
        ]
    )


def _domains(ctx: click.Context, param: click.Parameter, value: str) -> list[str]:
    domains = [d.strip() for d in value.split(",") if d.strip()]
    unknown = [d for d in domains if d not in DOMAINS]
    if unknown or not domains:
        raise click.BadParameter(
            f"{', '.join(map(repr, unknown)) or 'none given'}: use any of {', '.join(DOMAINS)}"
        )
    return domains


def _next_order(root: Path) -> int:
    """One more than the largest ``order`` of the existing projects."""
    orders = [0]
    for path in (root / "projects").glob("*.md"):
        try:
            order = read_front_matter(path)[0].get("order")
        except ValueError:
            continue
        if isinstance(order, int):
            orders.append(order)
    return max(orders) + 1


@new.command("project")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(KINDS), help="What the project is.")
@click.option(
    "--domains",
    required=True,
    callback=_domains,
    help=f"Comma-separated, from: {', '.join(DOMAINS)}.",
)
@click.option("--tagline", prompt="Tagline (one line)", help="One line on what it does.")
@click.pass_obj
def new_project(root: Path, name: str, kind: str, domains: list[str], tagline: str) -> None:
    """Start a project page, projects/<slug>.md, for the project NAME."""
    slug = slugify(name)
    if not slug:
        raise click.BadParameter("the name needs at least one letter or digit", param_hint="NAME")
    path = _new_file(root, "projects", slug)
    meta = {"title": name, "tagline": tagline, "kind": kind, "domains": domains}
    meta |= {"stack": [], "role": "", "links": [], "featured": False, "order": _next_order(root)}
    problems = validate_project(meta)
    if problems:
        raise click.ClickException("; ".join(problems))
    path.write_text(project_text(meta), encoding="utf-8")
    click.echo(f"Created {path.relative_to(root)}, listed in the catalog as soon as it builds.")
    click.echo("Next: add its stack, role and links, write the page, and run the check command.")


# ----------------------------------------------------------------------- preview


def sphinx_config(root: Path, **overrides: Any) -> dict[str, Any]:
    """The Sphinx settings Jupyter Book derives from ``_config.yml``, plus ``overrides``.

    Paths Sphinx reads relative to the folder of conf.py are made absolute, so the
    settings work from a conf.py outside the sources.
    """
    from jupyter_book.config import get_final_config

    config, _ = get_final_config(
        user_yaml=root / "_config.yml",
        cli_config={"latex_individualpages": False, "external_toc_path": str(root / "_toc.yml")},
        sourcedir=root,
    )
    for key in CONFDIR_PATHS:
        config[key] = [str(root / p) for p in config.get(key, [])]
    for key in CONFDIR_FILES:
        if config.get(key) and not urlsplit(config[key]).scheme:
            config[key] = str(root / config[key])
    return {**config, **overrides}


def site_env(root: Path) -> dict[str, str]:
    """The environment for builds of ``root``: its own ``dryga_site`` is imported first."""
    path = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONPATH": path}


def write_conf(confdir: Path, config: dict[str, Any]) -> Path:
    """Write ``config`` as a conf.py in ``confdir`` (never in the sources)."""
    lines = ["# Generated by `python -m dryga_site` from _config.yml; do not edit."]
    lines += [f"{key} = {value!r}" for key, value in sorted(config.items())]
    path = confdir / "conf.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@main.command()
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port on 127.0.0.1; 0 picks a free one.",
)
@click.pass_obj
def preview(root: Path, port: int) -> None:
    """Serve the site on 127.0.0.1, drafts included, rebuilding on every save.

    The preview builds into _build/preview, apart from the build you publish.
    """
    from sphinx_autobuild.__main__ import main as autobuild

    out = root / "_build" / "preview"
    with tempfile.TemporaryDirectory(prefix="dryga-preview-") as confdir:
        write_conf(Path(confdir), sphinx_config(root, **{"blog_show_drafts": True}))
        args = [str(root), str(out / "html"), "-c", confdir, "-d", str(out / ".doctrees")]
        args += ["--host", "127.0.0.1", "--port", str(port), "-n"]
        args += ["--ignore", str(root / "_build")]
        for pattern in PREVIEW_IGNORED:
            args += ["--re-ignore", pattern]
        click.echo(f"Preview of {root} with drafts; Ctrl+C stops it.")
        os.environ.update(site_env(root))  # for the builds sphinx-autobuild starts
        autobuild(args)


# ------------------------------------------------------------------------- check


def _jupyter_book() -> str:
    local = Path(sys.executable).parent / "jupyter-book"
    return str(local) if local.exists() else shutil.which("jupyter-book") or "jupyter-book"


def strict_build(root: Path) -> tuple[bool, list[Problem]]:
    """Build the site into _build/html as the publishing build does: success, and warnings."""
    cmd = [_jupyter_book(), "build", str(root), *STRICT]
    env = {**site_env(root), "NO_COLOR": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    log = proc.stdout + proc.stderr
    problems = build_log_problems(log, root)
    if proc.returncode and not problems:
        click.echo(log[-3000:], err=True)
        problems = [Problem("_config.yml", 1, "the build failed; its log ends above")]
    return proc.returncode == 0, problems


def base_url_of(html: Path) -> str:
    """The canonical base URL a build used, read from its home page."""
    index = html / "index.html"
    if index.is_file():
        found = re.search(r'<link rel="canonical" href="([^"]*)index\.html"', index.read_text())
        if found:
            return found.group(1)
    return ""


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
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    return next((n for n, line in enumerate(lines, start=1) if text in line), 0)


def _short(info: str, limit: int = 120) -> str:
    return info if len(info) <= limit else info[: limit - 1] + "…"


def external_problems(root: Path) -> list[Problem]:
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
            click.echo(proc.stdout + proc.stderr, err=True)
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


@main.command()
@click.option("--external", is_flag=True, help="Also check links to other sites (needs a network).")
@click.option(
    "--no-build", is_flag=True, help="Check the existing _build/html instead of building it."
)
@click.pass_obj
def check(root: Path, external: bool, no_build: bool) -> None:
    """Check the site as it will be published; one line per problem.

    Runs the strict build, then checks the front matter, every internal link and
    anchor of the built HTML and the Atom feed. Exits non-zero on any problem.
    """
    if problems := config_problems(root):  # nothing builds without a readable configuration
        click.echo("\n".join(map(str, problems)))
        raise SystemExit(1)
    problems = front_matter_problems(root)
    built = True
    if not no_build:
        click.echo("Building the site strictly (jupyter-book build) ...", err=True)
        built, build_problems = strict_build(root)
        problems += build_problems
    html = root / "_build" / "html"
    if not built:
        click.echo("The build failed, so links and the feed are checked once it passes.", err=True)
    elif not (html / "index.html").is_file():
        problems.append(Problem("_build/html", 1, "no built site to check: build it first"))
    else:
        base_url = base_url_of(html)
        problems += check_links(html, root, base_url)
        problems += feed_problems(html, root, base_url)
        if external:
            click.echo("Checking links to other sites ...", err=True)
            problems += external_problems(root)
    problems = list(dict.fromkeys(problems))
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        raise SystemExit(1)
    click.echo("All checks passed.", err=True)
