"""The extension's wiring: every feature registered, every event handler connected, here.

Each concern lives in its own module, whose ``setup`` registers only its settings,
directives, roles and nodes. Every event handler is connected here, in one table, so the
build's flow reads top to bottom in one place, with the ordering each handler needs
against Sphinx and the other extensions named.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sphinx.application import Sphinx

from .blog import ablog_adapter, listings, series, visibility
from .catalog import backlinks, catalog
from .extension import assets, errors, firstpaint, seo, shared, sitemap, sources, state, toc
from .notebooks import (
    citations,
    downloads,
    failures,
    fence,
    margins,
    numbering,
    outputs,
    runcode,
    sandbox,
    texmath,
)

# Sphinx runs an event's handlers from low to high priority; at equal priority, in the order
# they were connected, so other extensions' handlers (loaded before this one) come first.
#: config-inited: set the one base URL before ablog, notfound and sphinx-design read settings.
BEFORE_OTHER_EXTENSIONS = 100
#: source-read: check front matter before anything else reads it (the catalog, MyST).
FRONT_MATTER_FIRST = 200
#: doctree-read: change a page before Sphinx's collectors record its title and outline, before
#: myst-nb records its run and before ablog copies a post.
BEFORE_COLLECTORS = 400
#: html-page-context: set the page's description before sphinxext-opengraph writes its own.
BEFORE_OPENGRAPH = 400
#: build-finished: complete the sitemap's list before sphinx-sitemap writes it.
BEFORE_SITEMAP = 450
#: html-collect-pages: the blog's pages where ablog's own writer ran, before notfound's page.
IN_ABLOGS_PLACE = 499
#: builder-inited: check the BibTeX files before sphinxcontrib-bibtex reads them.
BEFORE_BIBTEX = 450
#: Sphinx's default priority, used by most extensions.
DEFAULT = 500
#: doctree-read: after ablog has read (and copied) a post.
AFTER_ABLOG = 600
#: config-inited: list the pages _toc.yml leaves out once Sphinx has merged every parser's
#: file suffixes (800) and before sphinx-external-toc would walk for them (900).
BEFORE_EXTERNAL_TOC = 850
#: config-inited: after sphinx-external-toc has excluded what _toc.yml leaves out.
#: env-get-updated: after Sphinx has numbered the figures of the whole site.
#: html-page-context: after every extension (and the theme) added its assets.
#: build-finished: after everything that writes into the built site or may still warn.
LAST = 900

#: The extension's version, as Sphinx reports it.
VERSION = "1.0.0"

Handler = tuple[str, Callable[..., Any], int]
#: The features' static files, copied into the built site's ``_static``.
STATIC_FOLDERS = (catalog.STATIC, runcode.STATIC)


def events(pages: listings.ListingPages) -> tuple[Handler, ...]:
    """Every handler as (event, handler, priority), in the order they run within each event.

    ``pages`` is this build's writer of the blog's listing pages and feed.
    """
    return (
        # Configuration and the builder
        ("config-inited", seo.apply_base_url, BEFORE_OTHER_EXTENSIONS),
        ("config-inited", toc.exclude_missing, BEFORE_EXTERNAL_TOC),
        ("config-inited", assets.check_rules, DEFAULT),
        ("config-inited", partial(shared.ship_static, folders=STATIC_FOLDERS), DEFAULT),
        ("config-inited", runcode.note_runtime, DEFAULT),
        ("config-inited", firstpaint.note_tools, DEFAULT),
        ("config-inited", catalog.exclude_duplicates, LAST),
        ("builder-inited", sitemap.start_queue, DEFAULT),
        ("builder-inited", sandbox.fence_kernels, DEFAULT),
        ("builder-inited", citations.check_bibliography, BEFORE_BIBTEX),
        ("builder-inited", ablog_adapter.start_build, DEFAULT),
        # What to read
        ("env-get-outdated", errors.reread_failed, DEFAULT),
        ("env-get-outdated", assets.restyle_after_static_edits, DEFAULT),
        ("env-get-outdated", catalog.reread_catalogs, DEFAULT),
        ("env-get-outdated", backlinks.reread_referrers, DEFAULT),
        ("env-get-outdated", visibility.reread_due_posts, DEFAULT),
        # What the last build left: read when a build starts, not when its application is
        # made (the preview makes the next one ahead, and may not use it).
        ("env-before-read-docs", fence.drop_old_reports, DEFAULT),
        ("env-before-read-docs", pages.load, DEFAULT),
        # Reading a page
        ("source-read", sources.check_source, FRONT_MATTER_FIRST),
        ("source-read", catalog.read_front_matter, DEFAULT),
        ("doctree-read", catalog.add_metadata_panel, BEFORE_COLLECTORS),
        ("doctree-read", failures.report_failed_run, BEFORE_COLLECTORS),
        ("doctree-read", texmath.render_math, BEFORE_COLLECTORS),
        ("doctree-read", citations.add_reference_list, BEFORE_COLLECTORS),
        ("doctree-read", outputs.clean_text, BEFORE_COLLECTORS),  # before ablog copies the lead
        ("doctree-read", outputs.describe_images, DEFAULT),
        ("doctree-read", backlinks.add_placeholder, DEFAULT),
        ("doctree-read", visibility.record_post, AFTER_ABLOG),
        ("doctree-read", series.record_series, AFTER_ABLOG),
        # Once every page is read
        ("env-get-updated", numbering.number_per_page, LAST),
        ("env-updated", catalog.check_titles, DEFAULT),
        ("env-updated", backlinks.rewrite_stale, DEFAULT),
        ("env-updated", visibility.after_reading, DEFAULT),
        ("env-updated", series.collect_series, DEFAULT),  # needs the hidden posts
        # Writing the pages
        ("html-collect-pages", pages.collect, IN_ABLOGS_PLACE),
        ("html-collect-pages", series.series_pages, IN_ABLOGS_PLACE),
        ("html-collect-pages", visibility.keep_hidden_posts_out_of_search, DEFAULT),
        ("warn-missing-reference", texmath.report_missing_equation, DEFAULT),
        ("doctree-resolved", seo.root_relative_not_found_links, DEFAULT),
        ("doctree-resolved", assets.lazy_images, DEFAULT),
        ("doctree-resolved", outputs.clean_text, DEFAULT),  # values glued from other pages
        ("html-page-context", seo.describe_page, BEFORE_OPENGRAPH),
        ("html-page-context", seo.use_front_matter_image, BEFORE_OPENGRAPH),
        ("html-page-context", seo.describe_generated_pages, DEFAULT),
        ("html-page-context", seo.drop_not_found_neighbours, DEFAULT),
        ("html-page-context", catalog.add_filter_script, DEFAULT),
        ("html-page-context", downloads.add_run_context, DEFAULT),
        ("html-page-context", runcode.add_controls, DEFAULT),
        ("html-page-context", pages.add_excerpt_helper, DEFAULT),
        ("html-page-context", visibility.hide_hidden_relations, DEFAULT),
        ("html-page-context", series.add_series, DEFAULT),
        ("html-page-context", assets.prune_assets, LAST),
        ("html-page-context", firstpaint.record_page, LAST),
        # After the build
        ("build-finished", sitemap.list_every_document, BEFORE_SITEMAP),
        ("build-finished", seo.write_robots_txt, DEFAULT),
        ("build-finished", downloads.publish_notebooks, DEFAULT),
        ("build-finished", runcode.copy_runtime, DEFAULT),
        ("build-finished", pages.finish_feed, DEFAULT),
        ("build-finished", pages.save, DEFAULT),
        # After every page is written and after the theme and myst-nb write their stylesheets
        # (pygments.css, mystnb.css) in their own build-finished handlers.
        ("build-finished", firstpaint.optimise, LAST),
        ("build-finished", errors.fail_build, LAST),
    )


def setup(app: Sphinx) -> dict[str, Any]:
    """Register every part of the site extension, then connect the event table."""
    errors.WarningLog.of(app)  # count warnings from here on
    shared.SiteConfig.register(app)
    for module in (state, sources, catalog, backlinks, fence, texmath, citations, margins, sitemap):
        module.setup(app)
    pages = listings.setup(app)  # after ablog's own setup: it takes over ablog's writers
    for event, handler, priority in events(pages):
        app.connect(event, handler, priority=priority)
    # Jupyter Book always passes its comment-service settings (``html.comments``);
    # the site loads no comment service, so accept the value and leave it unused.
    app.add_config_value("comments_config", {}, "html")
    return {
        "version": VERSION,
        "env_version": state.ENV_VERSION,
        # The fence compares the whole site before and after a page's code runs: pages read
        # in parallel would be blamed for each other's writes (notebooks/fence.py).
        "parallel_read_safe": False,
        "parallel_write_safe": True,
    }
