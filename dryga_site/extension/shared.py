"""What several features share: static files shipped with the HTML, placeholders filled at
write time, and the mark that keeps part of a post out of its feed entry."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform

#: A node attribute: set it true on a part of a post the feed leaves out (e.g. a list that
#: only makes sense on the page). HTML writers ignore unknown attributes.
NOT_IN_FEED = "site_not_in_feed"


def ship_static(app: Sphinx, config: Config, folders: Sequence[Path]) -> None:
    """Copy each of ``folders`` (a feature's ``static/``) into the built site's ``_static``."""
    config.html_static_path = [*config.html_static_path, *map(str, folders)]


class FillPlaceholders(SphinxPostTransform):
    """Replace each ``placeholder`` node left at read time with what :meth:`fill` makes of it.

    Placeholders wait for write time, when every page has been read.
    """

    default_priority = 5
    placeholder: type[nodes.Element]

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(self.placeholder)):
            self.fill(node)

    def fill(self, node: nodes.Element) -> None:
        raise NotImplementedError
