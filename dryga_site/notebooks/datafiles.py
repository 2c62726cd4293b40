"""Data beside a post: files its cells read by a relative path, as in Jupyter.

A post's code runs in a temporary folder (``sandbox.py``), never in the sources. Its data
files are copied into that folder when its kernel starts, laid out as they are beside the
post, so ``pd.read_csv("sales.csv")`` or ``open("<slug>/data/x.csv")`` works as it does in
JupyterLab, and a cell can never change the sources. A cell that writes to a copy is one
located error naming the data file (``fence.py``): the build cannot keep what it wrote.

A post's data files are, relative to its folder (``blog/``):

- the files right in that folder that are not pages (``blog/sales.csv``, not ``blog/*.md``);
- every file in the folder named after the post (``blog/<slug>/...``), which the table of
  contents never builds as pages (its glob ``blog/*`` does not enter folders).

Hidden files and notebook checkpoints are left out, and the copy is capped at
:data:`DATA_LIMIT` bytes so a run stays cheap. A changed data file runs the post again
(:func:`runs_follow_data`), as a changed code cell does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: Bytes of data files one post may read; more is one located error.
DATA_LIMIT = 20 * 1024 * 1024
#: Suffixes of the pages a folder of posts holds (never data).
PAGE_SUFFIXES = (".md", ".ipynb", ".rst")
SKIPPED_FOLDERS = {".ipynb_checkpoints", "__pycache__"}


def data_files(source: Path) -> dict[str, Path]:
    """The data files of the post ``source``, by their path relative to its folder."""
    folder = source.parent
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith(".") and path.suffix not in PAGE_SUFFIXES:
            found[path.name] = path
    own = folder / source.stem
    if own.is_dir():
        for parent, subfolders, files in os.walk(own):
            subfolders[:] = sorted(
                d for d in subfolders if not d.startswith(".") and d not in SKIPPED_FOLDERS
            )
            for name in sorted(files):
                if not name.startswith("."):
                    path = Path(parent, name)
                    found[path.relative_to(folder).as_posix()] = path
    return found


def size_problem(files: dict[str, Path]) -> str | None:
    """Why the post's data files are too many bytes to copy for a run, if they are."""
    total = sum(path.stat().st_size for path in files.values())
    if total <= DATA_LIMIT:
        return None
    return (
        f"its data files come to {total / 2**20:.1f} MB, over the {DATA_LIMIT // 2**20} MB "
        "a post may read; keep a smaller sample beside the post, or freeze the post "
        "(`freeze: true`)"
    )


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def copy_into(room: Path, files: dict[str, Path]) -> dict[str, str]:
    """Copy ``files`` into the run's folder ``room``; the digest of each copy, by name."""
    digests = {}
    for name, path in files.items():
        target = room / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        digests[name] = _digest(target)
    return digests


def written(room: Path, digests: dict[str, str]) -> list[str]:
    """The copies in ``room`` that a run changed or removed, by name."""
    return [name for name, before in digests.items() if _digest(room / name) != before]


# ------------------------------------------------------------------- cached runs and data

#: Beside jupyter-cache's own files: the data each post's cached run read.
LEDGER = "site-data-runs.json"


def data_digest(files: dict[str, Path]) -> str:
    """One digest of the data files' names and contents."""
    total = hashlib.sha256()
    for name, path in sorted(files.items()):
        total.update(f"{name}\0{_digest(path)}\0".encode())
    return total.hexdigest()


def _cached(cache_path: str, notebook: Any) -> tuple[Any, Any]:
    from jupyter_cache import get_cache

    cache = get_cache(cache_path)
    try:
        return cache, cache.match_cache_notebook(notebook)
    except KeyError:
        return cache, None


def forget_run(cache_path: str, notebook: Any) -> None:
    """Drop the cached run of ``notebook``: the next build runs it again."""
    cache, record = _cached(cache_path, notebook)
    if record is not None:
        cache.remove_cache(record.pk)


@contextlib.contextmanager
def runs_follow_data(
    cache_path: str, docname: str, notebook: Any, files: dict[str, Path]
) -> Iterator[None]:
    """While a post is read: its cached run is used only if it read the same data files.

    jupyter-cache keys a run on its code alone; a ledger beside it keeps the data digest of
    each post's cached run, and a run made from other data is dropped, so the post runs again.
    """
    ledger_path = Path(cache_path, LEDGER)
    try:
        ledger = json.loads(ledger_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        ledger = {}
    if not files and docname not in ledger:
        yield  # no data, now or at its last run: nothing to compare
        return
    digest = data_digest(files) if files else ""
    cache, record = _cached(cache_path, notebook)
    if record is not None and ledger.get(docname, [record.hashkey, ""]) != [record.hashkey, digest]:
        cache.remove_cache(record.pk)
    yield
    cache, record = _cached(cache_path, notebook)
    if record is not None and ledger.get(docname) != [record.hashkey, digest]:
        ledger[docname] = [record.hashkey, digest]
        ledger_path.parent.mkdir(parents=True, exist_ok=True)
        ledger_path.write_text(json.dumps(ledger, indent=1, sort_keys=True), encoding="utf-8")
