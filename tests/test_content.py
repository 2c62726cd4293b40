"""What the site says, checked against the brief it is written from.

- Links: every external URL in the pages and templates points at a host (and, on GitHub, a
  repository or profile) that the brief names. A URL that cannot be checked may not exist.
- The one full post carries its argument at length: 1,200 words of prose or more, code aside.
- Every sentence is our own: no run of eight words matches the brief's notes (titles aside).
  The brief lives beside the repository, in ``../shared/content/brief.md``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from dryga_site.core import frontmatter
from helpers import ROOT, front_matter, soup

#: The brief sits beside the repository (a git worktree may sit a folder deeper).
BRIEF = next(
    (d / "shared" / "content" / "brief.md" for d in ROOT.parents if (d / "shared").is_dir()),
    ROOT.parent / "shared" / "content" / "brief.md",
)
BASE_URL = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["html"]["baseurl"]
#: Hosts a page or template may link to, and on GitHub the profile, organisations and
#: repositories the brief names (a URL must be one of them or lie under one).
ALLOWED_HOSTS = {"github.com"}
GITHUB_PATHS = {
    "/AndrewDryga",
    "/AndrewDryga/vagrant-box-osx",
    "/edenlabllc",
    "/firezone/firezone",
    "/Nebo15/annon.api",
    "/Nebo15/confex",
    "/Nebo15/ecto_mnesia",
    "/Nebo15/gandalf.api",
    "/Nebo15/ipsp.web",
    "/Nebo15/logger_json",
    "/Nebo15/man.api",
    "/Nebo15/onedayofmine.web",
    "/Nebo15/sage",
}
#: Built pages may also link to the DOIs of works cited from the BibTeX file.
CITATION_HOSTS = {"doi.org"}
LONG_POST = ROOT / "blog" / "real-10x-engineer.md"
MIN_WORDS = 1200
RUN = 8  # words in a row that may not match the brief

FENCE = re.compile(r"^(`{3,}|:{3,})(.*)$")
#: Directives whose body is prose; every other fenced block is code, data or options.
PROSE_DIRECTIVES = {"note", "tip", "important", "warning", "admonition", "margin", "aside"}
URL = re.compile(r"""(?:https?:)?//[^\s<>"'`)\]]+""")
FIELD = re.compile(r"^\s*:[\w-]+:.*$", re.MULTILINE)


def sources() -> list[Path]:
    """Every page and template whose links and words a reader meets."""
    pages = [*sorted((ROOT / "projects").glob("*.md")), *sorted((ROOT / "blog").glob("*.md"))]
    pages += [ROOT / "index.md", ROOT / "about.md", ROOT / "404.md"]
    return pages + sorted((ROOT / "_templates").rglob("*.html"))


def body(text: str) -> str:
    """A page without its front matter (found by the build's own reader)."""
    found = frontmatter.read(text)
    return text if found is None else text[found.body :]


def prose(text: str) -> str:
    """The Markdown a reader reads as text: no front matter, code blocks or directive options.

    The bodies of admonitions stay (they are prose); code cells, fenced code, raw HTML and
    the options of any directive go. Inline code and math stay as written.
    """
    kept: list[str] = []
    closing: str | None = None
    keep_block = True
    for line in body(text).splitlines():
        match = FENCE.match(line.strip())
        if closing is not None:
            if match and match.group(1) == closing and not match.group(2).strip():
                closing = None
            elif keep_block:
                kept.append(line)
            continue
        if match:
            info = match.group(2).strip()
            name = info[1 : info.find("}")] if info.startswith("{") else ""
            closing, keep_block = match.group(1), name in PROSE_DIRECTIVES
            continue
        kept.append(line)
    text = FIELD.sub("", "\n".join(kept))
    return re.sub(r"^\$\$.*?\$\$[^\n]*", "", text, flags=re.MULTILINE | re.DOTALL)


def external_urls(path: Path) -> list[str]:
    """Every absolute URL a page or template links to: in its text, raw HTML and front matter.

    Code is left out: a URL printed by an example is not a link.
    """
    text = path.read_text(encoding="utf-8")
    found = URL.findall(prose(text) if path.suffix == ".md" else text)
    if path.suffix == ".md":
        meta = front_matter(path)
        found += [link.get("url", "") for link in meta.get("links") or []]
    return [url.rstrip(".,;:") for url in found]


def allowed(url: str, hosts: set[str] = ALLOWED_HOSTS) -> bool:
    if url.startswith(BASE_URL):
        return True
    parts = urlsplit(url if "://" in url else "https:" + url)
    if parts.hostname not in hosts:
        return False
    if parts.hostname != "github.com":
        return True
    path = parts.path.rstrip("/")
    return any(path == known or path.startswith(known + "/") for known in GITHUB_PATHS)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def titles() -> list[list[str]]:
    """The project and post titles, as words: names, which pages and brief may share."""
    paths = [*(ROOT / "projects").glob("*.md"), *(ROOT / "blog").glob("*.md")]
    names = [words(str(front_matter(p).get("title", ""))) for p in paths]
    return sorted((n for n in names if len(n) > 1), key=len, reverse=True)


def runs(tokens: list[str], names: list[list[str]], n: int = RUN) -> set[tuple[str, ...]]:
    """Every n words in a row, not counting runs that overlap a title."""
    masked = list(tokens)
    for name in names:
        for i in range(len(masked) - len(name) + 1):
            if masked[i : i + len(name)] == name:
                masked[i : i + len(name)] = [None] * len(name)
    return {
        tuple(masked[i : i + n])
        for i in range(len(masked) - n + 1)
        if None not in masked[i : i + n]
    }


def page_text(path: Path) -> str:
    """What a reader reads on a page: its prose plus the front matter written for readers."""
    meta = front_matter(path)
    summary = [str(meta.get(key) or "") for key in ("tagline", "description", "role")]
    return "\n".join([*summary, prose(path.read_text(encoding="utf-8"))])


def borrowed_runs(brief: str) -> dict[str, list[str]]:
    """page -> the runs of RUN words it shares with the brief."""
    names = titles()
    from_brief = runs(words(brief), names)
    found: dict[str, list[str]] = {}
    for path in sources():
        if path.suffix != ".md":
            continue
        shared = runs(words(page_text(path)), names) & from_brief
        if shared:
            found[path.relative_to(ROOT).as_posix()] = sorted(" ".join(r) for r in shared)
    return found


def prose_words(text: str) -> int:
    """Words of running text: no code, headings, display math, roles' markup or link targets."""
    lines = [line for line in prose(text).splitlines() if not line.lstrip().startswith("#")]
    text = "\n".join(lines)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # [text](target) -> text
    text = re.sub(r"\{[\w:-]+\}`", "`", text)  # {role}`x` -> `x`
    return len(re.findall(r"[A-Za-z0-9][\w'’.,-]*", text))


# ------------------------------------------------------------------------------------ links


def test_every_link_in_pages_and_templates_is_one_the_brief_names() -> None:
    urls = {path: external_urls(path) for path in sources()}
    assert sum(map(len, urls.values())) >= 10  # the scan sees the project links
    strays = {
        f"{path.relative_to(ROOT)}: {url}"
        for path, found in urls.items()
        for url in found
        if not allowed(url)
    }
    assert not strays, "links the brief does not name:\n" + "\n".join(sorted(strays))


def test_the_link_check_catches_a_talks_page_and_an_unknown_repository() -> None:
    assert allowed("https://github.com/Nebo15/sage")
    assert allowed("https://github.com/Nebo15/sage/blob/master/README.md")
    assert allowed(BASE_URL + "about.html")
    assert not allowed("https://speakerdeck.com/andrewdryga")
    assert not allowed("https://github.com/Nebo15/sage-extras")
    assert not allowed("https://twitter.com/andrew_dryga")
    assert not allowed("https://doi.org/10.1145/38713.38742")
    assert external_urls(ROOT / "projects" / "sage.md") == ["https://github.com/Nebo15/sage"]


def test_built_pages_link_only_to_the_brief_and_cited_works(html: Path) -> None:
    """Also what the theme and extensions add: every href and src of every built page."""
    strays: set[str] = set()
    for page in html.rglob("*.html"):
        for tag in soup(page).select("[href], [src]"):
            url = tag.get("href") or tag.get("src")
            if re.match(r"(https?:)?//", url) and not allowed(url, ALLOWED_HOSTS | CITATION_HOSTS):
                strays.add(f"{page.relative_to(html)}: {url}")
    assert not strays, "\n".join(sorted(strays))


# ------------------------------------------------------------------------------- the long post


def test_the_10x_post_has_at_least_1200_words_of_prose() -> None:
    count = prose_words(LONG_POST.read_text(encoding="utf-8"))
    assert count >= MIN_WORDS, f"{LONG_POST.name}: {count} words of prose, {MIN_WORDS} needed"


def test_the_word_count_leaves_code_front_matter_and_options_out() -> None:
    page = (
        "---\ntitle: A title of four\ndescription: five words in the summary\n---\n\n"
        "# Heading words\n\nOne two three [four](https://github.com/AndrewDryga).\n\n"
        "```{code-cell} ipython3\n---\nmystnb:\n  image:\n    alt: many words here\n---\n"
        "x = 1 + 2  # words in code\n```\n\n"
        "```{note}\n:class: dropdown\nFive six.\n```\n\n"
        "$$ a + b $$ (label)\n\nSeven {eq}`label` eight.\n"
    )
    assert prose_words(page) == 9


# ------------------------------------------------------------------------- our own words


def test_no_page_repeats_eight_words_of_the_brief() -> None:
    if not BRIEF.is_file():
        pytest.skip(f"the brief is not beside the repository ({BRIEF}); CI has it there")
    found = borrowed_runs(BRIEF.read_text(encoding="utf-8"))
    report = [f"{page}: {run}" for page, shared in found.items() for run in shared]
    assert not report, "runs of eight words taken from the brief:\n" + "\n".join(report)


def test_the_overlap_check_sees_a_copied_run_but_not_a_shared_title() -> None:
    names = [words("Introducing Sage - a Sagas pattern implementation in Elixir")]
    brief = runs(words("either all steps complete or compensations amend partial execution"), names)
    copied = runs(words("With it, either all steps complete or compensations amend partial"), names)
    own = runs(words("Either every step finishes, or compensations repair what already ran"), names)
    assert copied & brief and not own & brief
    title = "Introducing Sage - a Sagas pattern implementation in Elixir"
    assert not runs(words(f"Read {title} today"), names) & runs(words(title), [])
