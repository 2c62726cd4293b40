"""Math as MathML Core, rendered while the page is read: readers download no math engine.

MyST's ``$...$``, ``$$...$$ (label)``, ``{math}`` and amsmath environments become ``<math>``
elements that Chromium, Firefox and Safari draw natively, so no page loads a script or font
for them and nothing comes from a CDN (Sphinx's MathJax renderer is never selected). Equation
numbers are Sphinx's, one sequence per page shared by labelled equations and numbered amsmath
environments, so an ``{eq}`` link always shows the number its equation shows. Broken TeX and
an ``{eq}`` to a label that no equation has are author errors naming the file and line.
"""

from __future__ import annotations

import html
import re
from typing import Any

from docutils import nodes
from math_core import LatexError, LatexToMathML
from sphinx.application import Sphinx
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number
from sphinx.writers.html5 import HTML5Translator

from ..extension.errors import author_error

logger = logging.getLogger(__name__)
RENDERER = "mathml"
#: amsmath environments whose numbers Sphinx gives (one per block), so MathML gets none.
NUMBERED_ENVIRONMENT = re.compile(r"\\(begin|end)\{(equation|align|gather|multline)\}")
ERROR = re.compile(r"\A(?P<offset>\d+): (?P<message>.*)\Z", re.DOTALL)


def display_tex(node: nodes.math_block) -> str:
    """The TeX of a display block, read as Sphinx reads it.

    Without ``nowrap``, paragraphs are stacked equations and a ``\\\\`` breaks a line.
    """
    if node["nowrap"]:
        return NUMBERED_ENVIRONMENT.sub(r"\\\1{\2*}", node.astext())
    parts = [part for part in node.astext().split("\n\n") if part.strip()]
    if len(parts) == 1 and r"\\" not in parts[0]:
        return parts[0]
    return r"\begin{aligned}" + r" \\ ".join(parts) + r"\end{aligned}"


def to_mathml(node: nodes.math | nodes.math_block) -> str:
    """``node``'s MathML; raises ``LatexError`` ("<offset>: <message>") on broken TeX."""
    converter = LatexToMathML(fancy_error=False)
    if isinstance(node, nodes.math_block):
        return converter.convert_with_local_state(display_tex(node), displaystyle=True)
    return converter.convert_with_local_state(node.astext(), displaystyle=False)


def _line(node: nodes.Node, tex: str, offset: int) -> int | None:
    """The source line of the TeX in ``node`` that ends where character ``offset`` is."""
    while node is not None and not node.line:
        node = node.parent
    before = tex[:offset].rstrip()  # "reached the end" is the end of the last line, not after it
    return node.line + before.count("\n") if node is not None else None


def render_math(app: Sphinx, doctree: nodes.document) -> None:
    """Convert every formula of the page once; broken TeX is one located author error."""
    env = app.env
    for node in doctree.findall(lambda n: isinstance(n, nodes.math | nodes.math_block)):
        try:
            node["mathml"] = to_mathml(node)
        except LatexError as error:
            found = ERROR.match(str(error))
            offset, message = (int(found["offset"]), found["message"]) if found else (0, error)
            tex = node.astext()
            line = _line(node, tex, offset)
            near = tex[max(offset - 20, 0) : offset + 20].strip()
            author_error(
                env,
                env.docname,
                f"broken TeX in math, near {near!r}: {message} Fix the formula.",
                line,
            )
            node["mathml"] = f"<code>{html.escape(tex)}</code>"
    stable_equation_ids(doctree)


def stable_equation_ids(doctree: nodes.document) -> None:
    """Name numbered amsmath blocks by their number, not MyST's random label.

    MyST gives each one a fresh random label, which would make every build's HTML differ.
    """
    for node in doctree.findall(nodes.math_block):
        if "amsmath" not in node["classes"] or not node.get("number"):
            continue
        stable = f"equation-amsmath-{node['number']}"
        for old in node["ids"]:
            for target in doctree.findall(nodes.target):
                if target.get("refid") == old:
                    target["refid"] = stable
            doctree.ids.pop(old, None)
        node["ids"] = [stable]
        doctree.ids[stable] = node


def _mathml(node: nodes.math | nodes.math_block) -> str:
    """The MathML made when the page was read; formulas added later are converted now."""
    if "mathml" not in node:
        try:
            node["mathml"] = to_mathml(node)
        except LatexError as error:
            logger.warning("broken TeX in math: %s", error, location=node)
            node["mathml"] = f"<code>{html.escape(node.astext())}</code>"
    return node["mathml"]


def visit_math(self: HTML5Translator, node: nodes.math) -> None:
    self.body.append(_mathml(node))
    raise nodes.SkipNode


def visit_math_block(self: HTML5Translator, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math"))
    if node["number"]:
        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(_mathml(node))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def report_missing_equation(app: Sphinx, domain: Any, node: nodes.Element) -> bool | None:
    """An ``{eq}`` to a label no equation has: one author error with the fix."""
    if domain is None or domain.name != "math" or node.get("reftype") != "eq":
        return None
    message = (
        f'{{eq}} refers to "{node["reftarget"]}", but no equation has that label; '
        f"label one with $$ ... $$ ({node['reftarget']}) or fix the name"
    )
    author_error(app.env, node.get("refdoc") or app.env.docname, message, node.line)
    return True


def setup(app: Sphinx) -> None:
    """Register the MathML renderer (selected over MathJax)."""
    app.add_html_math_renderer(RENDERER, (visit_math, None), (visit_math_block, None))
