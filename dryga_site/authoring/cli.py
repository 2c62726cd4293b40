"""Authoring commands: ``python -m dryga_site new|preview|check|freeze|import``.

``new`` writes a post or project page with valid front matter, ``preview`` serves a
live-reloading build with drafts on 127.0.0.1, and ``check`` runs every check the
site must pass before it is published, printing one ``file:line: message`` per problem.
``freeze`` runs a text post once and keeps its outputs for the build; ``import`` brings a
notebook from JupyterLab, Quarto or fastpages in as a post.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..core.fields import slugify
from ..core.projects import DOMAINS, KINDS, validate_project, with_defaults
from .check import check_site
from .config import site_folders
from .new import next_order, notebook_post, post_text, project_text


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds ``_config.yml``."""
    for folder in (start, *start.parents):
        if (folder / "_config.yml").is_file():
            return folder
    raise click.UsageError(f"no _config.yml in {start} or above: run this inside the site")


# --------------------------------------------------------------------------- new


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
    path = _new_file(root, site_folders(root).blog, slug, ".ipynb" if ipynb else ".md")
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


def _domains(ctx: click.Context, param: click.Parameter, value: str) -> list[str]:
    domains = [d.strip() for d in value.split(",") if d.strip()]
    unknown = [d for d in domains if d not in DOMAINS]
    if unknown or not domains:
        raise click.BadParameter(
            f"{', '.join(map(repr, unknown)) or 'none given'}: use any of {', '.join(DOMAINS)}"
        )
    return domains


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
    folder = site_folders(root).projects
    path = _new_file(root, folder, slug)
    order = next_order(root / folder)
    meta = {"title": name, "tagline": tagline, "kind": kind, "domains": domains, "order": order}
    meta = with_defaults(meta)
    problems = validate_project(meta)
    if problems:
        raise click.ClickException("; ".join(problems))
    path.write_text(project_text(meta), encoding="utf-8")
    click.echo(f"Created {path.relative_to(root)}, listed in the catalog as soon as it builds.")
    click.echo("Next: add its stack, role and links, write the page, and run the check command.")


# ----------------------------------------------------------------------- preview


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

    The preview builds into _build/preview, apart from the build you publish; a save
    that does not build keeps the last good pages, with its error on top of each page.
    """
    from .server import PortInUse, serve

    try:
        serve(root, port, log=lambda line: click.echo(line, err=True))
    except PortInUse as error:
        raise click.ClickException(str(error)) from None


# ------------------------------------------------------------------------- check


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
    problems = check_site(root, external, not no_build, lambda text: click.echo(text, err=True))
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        raise SystemExit(1)
    click.echo("All checks passed.", err=True)


# ------------------------------------------------------------------------ freeze


def _site_path(root: Path, value: str) -> Path:
    """A path given on the command line, relative to the current folder or to the site."""
    for path in (Path(value), root / value):
        if path.exists():
            return path.resolve()
    raise click.ClickException(f"{value}: no such file")


@main.command()
@click.argument("post")
@click.pass_obj
def freeze(root: Path, post: str) -> None:
    """Run the text post POST (blog/<slug>.md) once and keep its outputs.

    Writes _freeze/blog/<slug>.json: commit it with the post. With `freeze: true` in its
    front matter the build publishes these outputs instead of running the post, until its
    code changes.
    """
    from .freeze import FreezeError, freeze_post

    path = _site_path(root, post)
    try:
        record, cells, seconds = freeze_post(root, path)
    except FreezeError as error:
        click.echo(str(error.problem))
        raise SystemExit(1) from None
    name = path.relative_to(root).as_posix()
    click.echo(f"Ran {name} ({cells} code cell{'s' if cells != 1 else ''}, {seconds:.1f} s); wrote "
               f"{record.relative_to(root).as_posix()}.")  # fmt: skip
    click.echo("Next: add `freeze: true` to its front matter if it is not there, and commit "
               "the record with the post.")  # fmt: skip


# ------------------------------------------------------------------------ import


@main.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--freeze", is_flag=True, help="Publish its saved outputs; never run it.")
@click.option("--slug", default="", help="The post's file name (default: from its title).")
@click.pass_obj
def import_(root: Path, path: Path, freeze: bool, slug: str) -> None:
    """Copy the notebook PATH (JupyterLab, Quarto or fastpages) into blog/ as a draft post.

    Front matter comes from a Quarto raw cell, a fastpages header or the first heading, and
    the file's date when it gives none. The original is not changed.
    """
    from .imports import ImportProblem, import_notebook

    if not path.is_file():
        click.echo(f"{path}: no such file")
        raise SystemExit(1)
    try:
        report = import_notebook(root, path.resolve(), freeze=freeze, slug=slug)
    except ImportProblem as problem:
        click.echo(str(problem))
        raise SystemExit(1) from None
    click.echo(f"Imported {path} as {report.target.relative_to(root).as_posix()} (a draft).")
    click.echo("Took: " + "; ".join(report.took) + ".")
    for item in report.check:
        click.echo(f"Check {item}.")
    click.echo("Then run `python -m dryga_site preview`, and delete `draft: true` to publish.")
