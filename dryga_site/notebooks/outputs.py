"""What code cells print and draw, published as a reader should meet it.

**Bytes.** A cell's output may hold control characters: a progress bar rewriting its line
with ``\\r``, a bell, a backspace, a NUL. :func:`terminal_text` is the one rule for them: a
line shows what a terminal would finally show, colour codes stay where the page colours
them (myst-nb's ``myst-ansi`` lexer) and every other control character goes, so pages are
clean and the Atom feed (XML, which forbids most of them) can be written. It runs over
every page when it is read (outputs run now or stored in a notebook, glued values, the lead
a list shows) and again when a page is written (values glued from another page).

**Images.** An image a cell outputs gets alt text: the author's (the cell's
``mystnb: image: alt:`` metadata, or ``:alt:`` on ``{glue:figure}``), else its figure's
caption, else one made up from where it comes from, e.g. "Plot from code cell 5" (cells
counted as the reader sees them on the page). Without it, HTML writers use the image's file
path. Made-up alt text is marked with :data:`GENERATED_ALT`, so ``check`` can list them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from docutils import nodes
from sphinx.application import Sphinx

from ..extension.shared import GENERATED_ALT

#: One terminal "token": an escape sequence (CSI such as colours, OSC such as hyperlinks,
#: or a two-character one), or any single character.
_TOKEN = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours (final m), erase (K), cursor moves, ...
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, hyperlinks; ends with BEL or ST
    r"|\x1b[@-Z\\-_]?"  # another escape, or a lone ESC
    r"|.",
    re.S,
)
#: A colour or style code, which the page's ANSI lexer turns into colour.
_SGR = re.compile(r"\x1b\[[0-9;]*m")
#: "Erase in line" from the cursor to the end (``\x1b[K``, ``\x1b[0K``) or all of it (``2K``).
_ERASE = re.compile(r"\x1b\[([02]?)K")
#: Characters a page and XML cannot carry, except tab and newline: C0 (ESC included), DEL,
#: C1, lone surrogates and the two non-characters XML forbids.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
#: Lines that need a terminal's reading: they move the cursor or hold escape sequences.
_MOVES = re.compile(r"[\r\x08\x1b]")
#: The lexer that colours ANSI codes in outputs (myst-nb's ``nb_render_text_lexer``).
ANSI_LEXER = "myst-ansi"


def _fold_line(line: str, colours: bool) -> tuple[list[str], int, str]:
    """One line as a terminal shows it: ``\\r`` goes back to its start, backspace one
    character left, and what is written next overwrites what was there.

    Returns the columns (each character with the escapes written before it), the cursor's
    column, and escapes written after the last character.
    """
    cells: list[list[str]] = []
    cursor, pending = 0, ""
    for token in _TOKEN.findall(line):
        if token == "\r":
            cursor = 0
        elif token == "\x08":
            cursor = max(0, cursor - 1)
        elif token.startswith("\x1b"):
            if colours and _SGR.fullmatch(token):
                pending += token
            elif erase := _ERASE.fullmatch(token):
                del cells[0 if erase[1] == "2" else cursor :]
                cursor = min(cursor, len(cells))
        elif _CONTROL.fullmatch(token) is None:
            if cursor < len(cells):
                cells[cursor] = [cells[cursor][0] + pending, token]
            else:
                cells.append([pending, token])
            cursor, pending = cursor + 1, ""
    return ["".join(cell) for cell in cells], cursor, pending


def terminal_text(text: str, colours: bool = True) -> str:
    """``text`` as a terminal shows it, with no control character but tab and newline.

    ``\\r\\n`` is a newline; a line rewritten with ``\\r`` (a progress bar) shows its last
    state, and backspace moves back over what it rewrites. With ``colours``, colour codes
    stay (for a block the page's ANSI lexer reads); otherwise every escape sequence goes.
    """
    if not _CONTROL.search(text):
        return text
    lines = re.sub(r"\r+\n", "\n", text).split("\n")
    for number, line in enumerate(lines):
        if _MOVES.search(line):
            cells, _, pending = _fold_line(line, colours)
            # What a rewrite left blank at the end is no text (a bar cleared with spaces).
            lines[number] = "".join(cells).rstrip(" ") + pending
        else:
            lines[number] = _CONTROL.sub("", line)
    return "\n".join(lines)


def unfinished_line(line: str) -> str:
    """A line still being written (no newline yet), folded as :func:`terminal_text` folds
    it, in a form that leaves the cursor where it was for what is written next."""
    if not _MOVES.search(line):
        return _CONTROL.sub("", line)
    cells, cursor, pending = _fold_line(line, colours=True)
    shown = "".join(cells) + pending
    return shown if cursor == len(cells) else shown + "\r" + "".join(cells[:cursor])


def _texts(doctree: nodes.Node) -> Iterator[nodes.Text]:
    """The text nodes holding a character :func:`terminal_text` changes."""
    return (t for t in doctree.findall(nodes.Text) if _CONTROL.search(t))


def clean_text(app: Sphinx, doctree: nodes.document, docname: str = "") -> None:
    """Every text of the page as a terminal would show it (see :func:`terminal_text`).

    On ``doctree-read`` (before ablog copies the lead) and ``doctree-resolved``.
    """
    for text in list(_texts(doctree)):
        parent = text.parent
        ansi = isinstance(parent, nodes.literal_block) and parent.get("language") == ANSI_LEXER
        clean = terminal_text(str(text), colours=ansi)
        if isinstance(parent, nodes.FixedTextElement) and parent.rawsource == str(text):
            parent.rawsource = clean  # Sphinx highlights a block whose source is its text
        parent.replace(text, nodes.Text(clean))


def _is_output(node: nodes.Node) -> bool:
    """A rendering of an output (a cell's, or a glued value's): myst-nb's mime bundle."""
    return isinstance(node, nodes.container) and node.get("nb_element") == "mime_bundle"


def _is_cell(node: nodes.Node) -> bool:
    """A code cell as the page shows it (myst-nb leaves out the cells it removes)."""
    return isinstance(node, nodes.container) and node.get("nb_element") == "cell_code"


def _caption(image: nodes.image) -> str:
    """The caption of the figure holding ``image``, if any."""
    figure = image.parent
    while figure is not None and not isinstance(figure, nodes.figure):
        figure = figure.parent
    caption = figure.next_node(nodes.caption) if figure is not None else None
    return " ".join(caption.astext().split()) if caption is not None else ""


def describe_images(app: Sphinx, doctree: nodes.document) -> None:
    """Give every output image without alt text its caption, or a made-up description."""
    cells = {id(cell): number for number, cell in enumerate(doctree.findall(_is_cell), 1)}
    for bundle in doctree.findall(_is_output):
        cell = bundle.parent
        while cell is not None and id(cell) not in cells:
            cell = cell.parent
        made_up = (
            f"Plot from code cell {cells[id(cell)]}"
            if cell is not None
            else "Plot from this post's code"
        )
        for image in bundle.findall(nodes.image):
            if "alt" not in image:
                image["alt"] = _caption(image) or made_up
                if image["alt"] == made_up:
                    image["classes"].append(GENERATED_ALT)
