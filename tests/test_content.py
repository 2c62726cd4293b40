"""What the site says, checked against the brief it is written from.

- Links: every external URL in the pages and templates points at a host (and, on GitHub, a
  repository or profile) that the brief names. A URL that cannot be checked may not exist.
- The one full post carries its argument at length: 1,200 words of prose or more, code aside.
- Every sentence is our own: no run of eight words matches the brief's notes (titles aside).
  The brief lives beside the repository, in ``../shared/content/brief.md``.
- Each post written from a one-line summary says so near its top, in a note, and no post calls
  itself a historical record.
- A post under Andrew's byline does not name him in the third person.
- A project's ``kind`` agrees with its text where the brief decides it (truBrain was someone
  else's product, not one of his ventures).
- One spelling (British) and one tagline across the pages.
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


# -------------------------------------------------------------------------- what a post is

#: The one post whose full text the site has; every other post is rewritten from a summary.
FULL_TEXT_POSTS = {"real-10x-engineer"}
#: The note a rewritten post carries: rewritten, from the original's summary, not the original.
REWRITE_NOTE = re.compile(
    r"rewritten from the one-line summary\b.*\boriginal post\b.*\bnot the original article\b",
    re.IGNORECASE | re.DOTALL,
)
ADMONITION = re.compile(
    r"^(`{3,}|:{3,})\{(?P<name>note|admonition)\}[^\n]*\n(?P<body>.*?)^\1[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
HISTORY_CLAIM = re.compile(
    r"kept for history|historical record|for the record|as they stood then|kept as it was",
    re.IGNORECASE,
)


def posts() -> list[Path]:
    return sorted(p for p in (ROOT / "blog").glob("*.md") if front_matter(p).get("blogpost"))


def rewritten_posts() -> list[Path]:
    return [p for p in posts() if p.stem not in FULL_TEXT_POSTS]


def opening(text: str) -> str:
    """A page's body up to its first section heading: what a reader meets first.

    A ``#`` line inside a fenced block (a comment in a code cell) is not a heading.
    """
    kept: list[str] = []
    closing: str | None = None
    for line in body(text).splitlines():
        match = FENCE.match(line.strip())
        if closing is None and re.match(r"#{1,6} ", line):
            break
        if closing is None and match:
            closing = match.group(1)
        elif closing is not None and match and match.group(1) == closing:
            closing = None if not match.group(2).strip() else closing
        kept.append(line)
    return "\n".join(kept) + "\n"


def rewrite_note(text: str) -> str | None:
    """The note in a post's opening that says the text is a rewrite, if there is one."""
    for match in ADMONITION.finditer(opening(text)):
        lines = match.group("body").splitlines()
        options = [line for line in lines if FIELD.fullmatch(line)]
        if match.group("name") == "admonition" and not any(
            re.fullmatch(r"\s*:class:.*\bnote\b.*", line) for line in options
        ):
            continue
        note = " ".join(line for line in lines if line not in options)
        if REWRITE_NOTE.search(note):
            return note
    return None


def test_seven_posts_are_rewrites_and_each_says_so_in_its_opening() -> None:
    assert len(rewritten_posts()) == 7
    missing = [p.name for p in rewritten_posts() if not rewrite_note(p.read_text(encoding="utf-8"))]
    assert not missing, "posts without the rewrite note before their first heading: " + ", ".join(
        missing
    )
    full = [p.name for p in posts() if p.stem in FULL_TEXT_POSTS]
    assert full and not any(
        rewrite_note(p.read_text(encoding="utf-8")) for p in posts() if p.stem in FULL_TEXT_POSTS
    )


def straight(text: str) -> str:
    """``text`` with the typographic quotes and dashes of MyST's smartquotes made plain."""
    return text.translate(
        str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "--", "—": "---"})
    )


def test_the_rewrite_note_opens_the_post_as_a_visible_note(html: Path) -> None:
    for path in rewritten_posts():
        article = soup(html / "blog" / f"{path.stem}.html").select_one("article")
        note = article.select_one("div.admonition.note")
        assert note is not None, path.name
        assert REWRITE_NOTE.search(" ".join(note.get_text().split())), path.name
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        chunks = [c.strip() for c in body.split("\n\n") if c.strip()]
        lead = next(c for c in chunks if c[0].isalpha())[:40]
        prose = article.find(string=lambda text, lead=lead: lead in straight(text))
        assert prose is not None, f"{path.name}: lead {lead!r} not on the page"
        assert note in prose.find_all_previous("div"), f"{path.name}: the note is not first"


def test_no_post_calls_itself_a_historical_record() -> None:
    found = [
        f"{p.name}: {m.group(0)!r}" for p in posts() for m in HISTORY_CLAIM.finditer(page_text(p))
    ]
    assert not found, "\n".join(found)


def test_the_note_check_wants_the_note_in_the_opening_and_saying_what_the_text_is() -> None:
    head = "---\ntitle: T\nblogpost: true\n---\n\nLead.\n\n"
    note = (
        "```{admonition} About this post\n:class: note\nThis text was rewritten from the "
        "one-line summary the site keeps of the original post. "
        "It is not the original article.\n```\n"
    )
    assert rewrite_note(head + note + "\n## Section\n\nText.\n")
    assert not rewrite_note(head + "## Section\n\n" + note)  # after the first heading
    assert not rewrite_note(head + note.replace(":class: note\n", ""))  # not a note
    assert not rewrite_note(head + note.replace(" It is not the original article.", ""))
    assert rewrite_note(head + ":::{note}\n" + note.split("\n", 2)[2].replace("```", ":::"))
    cell = "```{code-cell} ipython3\n# a comment, not a heading\nx = 1\n```\n\n"
    assert rewrite_note(head + cell + note)


# ------------------------------------------------------------------- the author in his posts

#: The author's name, or a reference to him as "the author", in his own posts.
THIRD_PERSON = re.compile(r"\bAndrew\b|\bDryga\b|\bthe author\b", re.IGNORECASE)


def test_posts_do_not_name_their_author_in_the_third_person() -> None:
    found = []
    for path in posts():
        meta = front_matter(path)
        assert meta.get("author") == "Andrew Dryga", path.name
        found += [f"{path.name}: {m.group(0)!r}" for m in THIRD_PERSON.finditer(page_text(path))]
    assert not found, "the author named in his own post:\n" + "\n".join(found)


def test_the_third_person_check_ignores_the_byline_and_sees_the_name_in_the_text() -> None:
    page = "---\ntitle: T\nauthor: Andrew Dryga\n---\n\nI wrote this.\n"
    assert not THIRD_PERSON.search(prose(page))
    assert THIRD_PERSON.search(prose(page + "\nAndrew wrote this post in 2017.\n"))


# -------------------------------------------------------------------------- project kinds

#: Kinds the brief decides, with the fact it decides them by.
BRIEF_KINDS = {
    "trubrain": "product",  # someone else's early-stage product, helped for free; not his venture
    "bullpen": "product",  # built for his company's sales team, then a standalone product
    "firezone": "product",  # an employer's product, open source as well
    "onedayofmine": "venture",
    "l15": "venture",
}
#: Text that says a project was not one of his own ventures.
NOT_HIS = re.compile(
    r"\bnot (?:one of )?(?:Andrew's|his) own ventures?\b|\bsomeone else's\b|\bbelonged to others\b",
    re.IGNORECASE,
)


def kind_problems(slug: str, meta: dict, text: str) -> list[str]:
    problems = []
    expected = BRIEF_KINDS.get(slug)
    if expected and meta.get("kind") != expected:
        problems.append(f"{slug}: kind {meta.get('kind')!r}, the brief makes it {expected!r}")
    if meta.get("kind") == "venture" and NOT_HIS.search(text):
        problems.append(
            f"{slug}: kind venture, but the page says {NOT_HIS.search(text).group(0)!r}"
        )
    return problems


def test_a_projects_kind_agrees_with_the_brief_and_its_own_text() -> None:
    projects = [p for p in sorted((ROOT / "projects").glob("*.md")) if p.stem != "index"]
    assert len(projects) == 30
    problems = [
        problem
        for path in projects
        for problem in kind_problems(path.stem, front_matter(path), page_text(path))
    ]
    assert not problems, "\n".join(problems)


def test_the_kind_check_sees_a_venture_that_was_not_his() -> None:
    text = "truBrain 1.0 was someone else's product; it is not one of Andrew's own ventures."
    assert kind_problems("trubrain", {"kind": "venture"}, text)
    assert kind_problems("other", {"kind": "venture"}, text)
    assert not kind_problems("other", {"kind": "product"}, text)
    assert not kind_problems("l15", {"kind": "venture"}, "An experiment in clubworking.")


# ------------------------------------------------------------------- one spelling, one line

#: Common American spellings; the site writes British English. Code, URLs and titles aside.
AMERICAN = re.compile(
    r"\b(?:\w*(?:organi|optimi|reali|recogni|summari|prioriti|minimi|maximi|standardi|normali"
    r"|authori|centrali|speciali|locali|seriali|categori|generali|visuali|utili|customi"
    r"|emphasi|synchroni|moderni|securiti)z(?:e|es|ed|ing|ation|ations|er|ers)"
    r"|\w*(?:behavio|colo|favo|flavo|hono|labo|neighbo|rumo|humo|endeavo)r(?:s|ed|ing|ite|ites)?"
    r"|cent(?:er|ers|ered)|fiber|theater|catalog(?:s|ed)?|analyz\w*|defense|gray"
    r"|travel(?:ed|ing)|cancel(?:ed|ing)|model(?:ed|ing)|label(?:ed|ing)|toward)\b",
    re.IGNORECASE,
)
INLINE_CODE = re.compile(r"`[^`\n]*`")


def american_words(text: str, names: list[str]) -> list[str]:
    """American spellings in reader-facing text, leaving out inline code, URLs and titles."""
    text = INLINE_CODE.sub(" ", text)
    text = URL.sub(" ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    for name in names:
        text = text.replace(name, " ")
    return [m.group(0) for m in AMERICAN.finditer(text)]


def test_pages_use_british_spelling() -> None:
    names = sorted(
        (
            str(front_matter(p).get("title", ""))
            for p in [*(ROOT / "projects").glob("*.md"), *posts()]
        ),
        key=len,
        reverse=True,
    )
    found = [
        f"{path.relative_to(ROOT)}: {word}"
        for path in sources()
        if path.suffix == ".md"
        for word in american_words(page_text(path), names)
    ]
    assert not found, "American spellings:\n" + "\n".join(found)


def test_the_spelling_check_sees_american_forms_but_not_code_urls_or_names() -> None:
    assert american_words("We optimize the catalog and its behavior.", []) == [
        "optimize",
        "catalog",
        "behavior",
    ]
    assert not american_words("We optimise the catalogue; its behaviour, its size and colour.", [])
    assert not american_words("Kubernetes and Elixir run `serialize(x)` at https://x.org/color", [])
    title = "Bringing blockchain properties to centralized government databases"
    assert not american_words(f"See {title}.", [title])


#: The site's one tagline: what the terminal card (_static/og-card.png) says under the name.
TAGLINE = "backend and infrastructure engineer: Elixir, DevOps, security and architecture"


def test_one_tagline_on_the_home_and_about_pages_and_the_link_preview() -> None:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    places = {
        "index.md description": front_matter(ROOT / "index.md")["description"],
        "index.md text": prose((ROOT / "index.md").read_text(encoding="utf-8")),
        "about.md description": front_matter(ROOT / "about.md")["description"],
        "ogp_image_alt": config["sphinx"]["config"]["ogp_image_alt"],
    }
    missing = [where for where, text in places.items() if TAGLINE.lower() not in text.lower()]
    assert not missing, f"the tagline {TAGLINE!r} is missing from: " + ", ".join(missing)


# ---------------------------------------------------------------------- each page for itself

#: A line saying what the header's Links already shows.
CODE_ON_GITHUB = re.compile(r"\bcode is on GitHub\b", re.IGNORECASE)


def test_project_pages_do_not_share_headings_or_restate_their_links() -> None:
    projects = [p for p in sorted((ROOT / "projects").glob("*.md")) if p.stem != "index"]
    headings: dict[str, list[str]] = {}
    for path in projects:
        for heading in re.findall(r"^#{2,3} (.+)$", prose(path.read_text(encoding="utf-8")), re.M):
            headings.setdefault(heading.strip().lower(), []).append(path.stem)
    shared = {h: pages for h, pages in headings.items() if len(pages) > 2}
    assert not shared, f"headings on more than two project pages: {shared}"
    restated = [
        p.name
        for p in projects
        if front_matter(p).get("links")
        and CODE_ON_GITHUB.search(prose(p.read_text(encoding="utf-8")))
    ]
    assert not restated, "pages saying what their Links field shows: " + ", ".join(restated)
