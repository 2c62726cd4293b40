"""Each page numbers its own figures, tables, listings and equations from 1.

With ``numfig``, Sphinx counts across every page that has no section numbers, so a post's
first figure could be "Fig. 7" because of figures in older posts. A post is read on its own:
its first figure is "Fig. 1" and its first numbered equation "(1)", in text and references.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


def number_per_page(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Renumber Sphinx's figure numbers 1, 2, ... within each page, keeping their order."""
    for figtypes in env.toc_fignumbers.values():
        for figtype, numbers in figtypes.items():
            in_order = sorted(numbers, key=numbers.__getitem__)
            figtypes[figtype] = {node_id: (n,) for n, node_id in enumerate(in_order, start=1)}
    return []
