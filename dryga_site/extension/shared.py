"""What several features share: the site's settings, static files shipped with the HTML,
placeholders filled at write time, and the mark that keeps part of a post out of its feed
entry."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform

from .assets import DEFAULT_PAGE_ASSETS

#: A node attribute: set it true on a part of a post the feed leaves out (e.g. a list that
#: only makes sense on the page). HTML writers ignore unknown attributes.
NOT_IN_FEED = "site_not_in_feed"
#: The class of an output image whose alt text the build made up (the author gave none):
#: ``check`` lists them (notebooks/outputs.py).
GENERATED_ALT = "site-generated-alt"


def _setting(default: Any, rebuild: str, **kwargs: Any) -> Any:
    """A setting, and what Sphinx rebuilds when it changes ("env", "html" or "")."""
    if isinstance(default, dict):
        kwargs["default_factory"] = lambda: dict(default)
    else:
        kwargs["default"] = default
    return field(metadata={"rebuild": rebuild}, **kwargs)


@dataclass(frozen=True)
class SiteConfig:
    """The site's own settings (``sphinx: config:`` in ``_config.yml``), with their defaults."""

    #: The folder of the project pages (the blog's is ablog's ``blog_path``).
    projects_dir: str = _setting("projects", "env")
    #: List drafts as if they were published (the preview sets it).
    blog_show_drafts: bool = _setting(False, "env")
    #: Any warning fails the build, not only author errors.
    site_fail_on_warning: bool = _setting(True, "")
    #: Asset file name (or its start) -> pattern of the page's HTML that needs it
    #: (``extension/assets.py``).
    site_page_assets: dict[str, str | None] = _setting(DEFAULT_PAGE_ASSETS, "html")
    #: Where the Pyodide package for the run controls is installed.
    site_runtime_dir: str = _setting("node_modules/pyodide", "html")
    #: Set by the build: a digest of the runtime and controls; a change rewrites every page.
    site_runtime_stamp: str = _setting("", "html")
    #: Trim the theme's stylesheets and inline each page's critical CSS after the build
    #: (``extension/firstpaint.py``); the preview turns it off.
    site_first_paint: bool = _setting(True, "html")
    #: Set by the build: a digest of the tools and stylesheets; a change rewrites every page.
    site_first_paint_stamp: str = _setting("", "html")

    @classmethod
    def register(cls, app: Sphinx) -> None:
        """Register every setting with Sphinx."""
        for setting in dataclasses.fields(cls):
            default = getattr(cls(), setting.name)
            app.add_config_value(setting.name, default, setting.metadata["rebuild"])

    @classmethod
    def of(cls, config: Config) -> SiteConfig:
        """The settings of a build."""
        return cls(**{s.name: config[s.name] for s in dataclasses.fields(cls)})


def digest(*parts: Any) -> str:
    """A short fingerprint of ``parts`` (their ``repr``), to tell whether anything changed."""
    return hashlib.sha1(repr(parts).encode()).hexdigest()


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
