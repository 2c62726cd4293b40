"""sphinx-external-toc, adapted: pages left out of ``_toc.yml`` found without walking
excluded folders.

With ``only_build_toc_files`` (``external_toc_exclude_missing``), sphinx-external-toc globs
``**/*<suffix>`` over the whole source folder on every build, ``node_modules`` and ``_build``
included, and excludes each page the table of contents leaves out: 0.1-0.2 s of every build,
and of every save in the preview. The same list is made here by a walk that does not enter
folders the site already excludes; sphinx-external-toc then reads ``_toc.yml`` as before, with
its own walk switched off.
"""

from __future__ import annotations

import os
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.matching import Matcher, patmatch


def left_out(srcdir: Path, toc: Path, suffixes: list[str], excluded: list[str]) -> list[str]:
    """Source files (relative, POSIX) that ``toc`` neither lists nor globs, outside
    ``excluded``; hidden files and folders are skipped, as sphinx-external-toc's glob does."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    site_map = parse_toc_yaml(toc)
    globs = list(site_map.globs())
    is_excluded = Matcher(excluded)
    found = []
    for folder, subfolders, files in os.walk(srcdir, followlinks=True):
        here = Path(folder).relative_to(srcdir).as_posix().removeprefix(".")
        subfolders[:] = sorted(
            name
            for name in subfolders
            if not name.startswith(".") and not is_excluded(f"{here}/{name}".lstrip("/"))
        )
        for name in sorted(files):
            suffix = next((s for s in suffixes if name.endswith(s)), None)
            posix = f"{here}/{name}".lstrip("/")
            if suffix is None or name.startswith(".") or is_excluded(posix):
                continue
            stem = posix[: -len(suffix)]
            if posix in site_map or stem in site_map or any(patmatch(stem, g) for g in globs):
                continue
            found.append(posix)
    return found


def exclude_missing(app: Sphinx, config: Config) -> None:
    """Exclude what ``_toc.yml`` leaves out, before sphinx-external-toc would walk for it."""
    if not config["external_toc_exclude_missing"]:
        return
    toc = Path(app.srcdir, config["external_toc_path"])
    if not toc.is_file():
        return  # sphinx-external-toc reports it
    suffixes = list(config["source_suffix"])
    excluded = list(config["exclude_patterns"])
    try:
        missing = left_out(Path(app.srcdir), toc, suffixes, excluded)
    except Exception:  # noqa: BLE001 - a malformed _toc.yml: sphinx-external-toc reports it
        return
    # A new list, as sphinx-external-toc does: extending would alter the setting's default.
    config["exclude_patterns"] = excluded + missing
    config["external_toc_exclude_missing"] = False
