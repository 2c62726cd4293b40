"""Margin notes: ``{margin}`` beside the text on wide screens, inline on phones.

A note is an ``<aside>`` named for screen readers by its title (or "Margin note"), so it is a
complementary landmark that sits where it is written in the reading and tab order; only the
stylesheet moves it into the margin. Other builders fall back to a docutils sidebar.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.writers.html5 import HTML5Translator

DEFAULT_LABEL = "Margin note"


class margin(nodes.sidebar):  # noqa: N801 (docutils names node classes in lowercase)
    """A note set in the margin beside the paragraph it follows."""


class MarginDirective(SphinxDirective):
    """``{margin} Optional title`` with the note as content."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = {"class": directives.class_option, "name": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        node = margin("", classes=["margin", *self.options.get("class", [])])
        self.set_source_info(node)
        self.add_name(node)
        if self.arguments:
            title_nodes, messages = self.state.inline_text(self.arguments[0], self.lineno)
            node += nodes.title(self.arguments[0], "", *title_nodes)
            node += messages
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


def visit_margin(self: HTML5Translator, node: margin) -> None:
    title = node.next_node(nodes.title)
    label = title.astext() if title is not None and title.parent is node else DEFAULT_LABEL
    self.body.append(self.starttag(node, "aside", **{"aria-label": label}))


def depart_margin(self: HTML5Translator, node: margin) -> None:
    self.body.append("</aside>\n")


def setup(app: Sphinx) -> None:
    """Register the note, its directive and its HTML (sphinx-design already has ``{aside}``)."""
    app.add_node(margin, html=(visit_margin, depart_margin))
    app.add_directive("margin", MarginDirective)
