"""The preview's Sphinx applications: made ahead of a save, built once, then dropped whole.

A Sphinx application leaves itself in process-wide places: handlers on the "sphinx" logger
(Sphinx's own and the site's ``WarningLog``, each holding it), ablog's blog, and docutils'
registries of directives and roles. A preview runs all day and makes an application per save,
so :meth:`ReadyApp.close` takes each of those back, and nothing is frozen before what was
dropped is collected.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import importlib
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace, patch_docutils
from sphinx.util.logging import NAMESPACE


def warm_up(extensions: list[str]) -> None:
    """Import the extensions now, and exempt everything imported from garbage collection.

    Imported modules live as long as the process; frozen, they are not scanned again by
    each collection, nor by ``gc.get_objects()``, which sphinx-external-toc calls for
    every new app to find Sphinx's table-of-contents collector. Whatever was dropped is
    collected first: frozen, it would stay for good.
    """
    for name in extensions:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()


def empty_blog(app: Sphinx | None = None) -> None:
    """Empty ablog's blog if ``app`` filled it (with no ``app``: in any case).

    ablog keeps its blog in a class attribute shared by every Sphinx app of a process (a
    "Borg"), filled by the first app that asks; it holds that app.
    """
    from ablog.blog import Blog

    # PRIVATE: ablog's shared state is the class attribute ``Blog._dict``, with the app under
    # "app"; canary: test_ablog_keeps_its_blog_in_one_class_dict.
    if app is None or Blog._dict.get("app") is app:
        Blog._dict.clear()


def unhang(handlers: Iterable[logging.Handler]) -> None:
    """Take ``handlers`` off the "sphinx" logger (those still on it)."""
    sphinx_logger = logging.getLogger(NAMESPACE)
    for handler in list(handlers):
        sphinx_logger.removeHandler(handler)


@dataclass
class ReadyApp:
    """A Sphinx application made ahead of the save it will build, with what it holds open."""

    app: Sphinx
    warnings: io.StringIO
    #: docutils' registries, patched and saved for this application until it is dropped.
    context: contextlib.ExitStack
    day: date
    #: What the application hung on the process-wide "sphinx" logger: each handler holds it.
    handlers: list[logging.Handler]

    def usable_for(self, changed: Sequence[Path]) -> bool:
        """Whether ``changed`` are all existing pages it knows, on the day it was made.

        A new or deleted file changes what the table of contents excludes; any other file
        (settings, a bibliography, templates, styles) may be read when an application starts.
        """
        env = self.app.env
        return self.day == date.today() and all(
            path.is_file() and env.path2doc(str(path)) in env.found_docs for path in changed
        )

    def close(self) -> None:
        """Drop the application: nothing process-wide keeps it, docutils is as before it."""
        unhang(self.handlers)
        empty_blog(self.app)
        self.context.close()


@dataclass(frozen=True)
class AppPlan:
    """What every application of one preview is made from."""

    root: Path
    build_dir: Path
    doctrees: Path
    settings: dict[str, Any]
    templates: jinja2.BytecodeCache


def make_app(plan: AppPlan) -> ReadyApp:
    """A Sphinx application for the preview's next build (settings, extensions, the
    pickled environment, the theme)."""
    empty_blog()  # each fresh app fills it again
    warnings, context = io.StringIO(), contextlib.ExitStack()
    day = date.today()
    sphinx_logger = logging.getLogger(NAMESPACE)
    before = list(sphinx_logger.handlers)
    with context:
        # PRIVATE: Sphinx's own build commands register docutils' directives and roles
        # globally inside these two; canary: test_sphinx_docutils_contexts_are_there.
        context.enter_context(patch_docutils(plan.root))
        context.enter_context(docutils_namespace())
        try:
            app = _sphinx(plan, warnings)
        except BaseException:  # an app that failed to start leaves nothing behind either
            unhang([h for h in sphinx_logger.handlers if h not in before])
            raise
        hung = [h for h in sphinx_logger.handlers if h not in before]
        return ReadyApp(app, warnings, context.pop_all(), day, hung)


def _sphinx(plan: AppPlan, warnings: io.StringIO) -> Sphinx:
    app = Sphinx(
        srcdir=plan.root,
        confdir=None,  # as jupyter-book builds: the settings are all overrides
        outdir=plan.build_dir,
        doctreedir=plan.doctrees,
        buildername="html",
        # A copy: extensions append to list settings (ablog to html_static_path).
        # Drafts listed; no first-paint step: it would cost every save a second.
        confoverrides={
            **copy.deepcopy(plan.settings),
            "blog_show_drafts": True,
            "site_first_paint": False,
        },
        status=None,
        warning=warnings,
        keep_going=True,
    )
    # PRIVATE: Sphinx's template loader keeps its Jinja environment as ``environment``; set
    # before any page is rendered. Canary: test_compiled_templates_outlive_each_app.
    app.builder.templates.environment.bytecode_cache = plan.templates
    return app


class MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept between builds (each fresh app would compile them again).

    Jinja checks each entry against its template's source, so an edited template is
    compiled anew.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()
