"""``python -m dryga_site freeze blog/<slug>.md``: run a text post once, keep its outputs.

The post runs in the same fenced room as in the build (``notebooks/sandbox.py``: a temporary
folder with copies of its data files, a scrubbed environment, outputs cut and stripped of
machine paths as they arrive), then its record is written to ``_freeze/blog/<slug>.json``
(``notebooks/frozen.py``). With ``freeze: true`` the build publishes that record instead of
running the post, until a code cell changes. Every problem is one ``file:line: message``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from ..core.pages import POST, read_page
from ..core.problems import Problem, shown
from .config import site_folders

#: Seconds a cell may run when ``_config.yml`` sets no ``execute.timeout``.
DEFAULT_TIMEOUT = 60


class FreezeError(Exception):
    """A post that cannot be frozen: one located problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _timeout(root: Path) -> int:
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    return int((config.get("execute") or {}).get("timeout") or DEFAULT_TIMEOUT)


def read_text_notebook(root: Path, path: Path) -> Any:
    """The text notebook at ``path`` as the build reads it, or a :class:`FreezeError`."""
    from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    name = shown(path, root)
    if path.suffix == ".ipynb":
        message = (
            "a Jupyter notebook keeps its own outputs: run it in JupyterLab, save it, and set "
            "`freeze: true`; `freeze` is for text posts (.md)"
        )
        raise FreezeError(Problem(name, 1, message))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise FreezeError(Problem(name, 1, f"not UTF-8 (byte {err.start})")) from None
    page = read_page(name, text, site_folders(root))
    if page.kind != POST:
        raise FreezeError(Problem(name, 1, f"not a post: only posts in {site_folders(root).blog}/"
                                  " can be frozen"))  # fmt: skip
    if page.problems:
        line, message = page.problems[0]
        raise FreezeError(Problem(name, line, message))
    if not is_myst_markdown_notebook(page.source):
        raise FreezeError(Problem(name, 1, "no code runs in this post (it is not a text "
                                  "notebook): there is nothing to freeze"))  # fmt: skip
    return read_myst_markdown_notebook(
        page.source, config=MdParserConfig(), add_source_map=True, path=str(path)
    )


def _failed_cell(notebook: Any) -> int | None:
    """The line of the cell a failed run stopped at: the one with an error, else the last run."""
    source_map = notebook.metadata.get("source_map") or []
    ran = [i for i, c in enumerate(notebook.cells) if c.get("execution_count") is not None]
    failed = [
        i
        for i, c in enumerate(notebook.cells)
        if any(o.get("output_type") == "error" for o in c.get("outputs", []))
    ]
    index = failed[0] if failed else (ran[-1] if ran else None)
    return source_map[index] if index is not None and index < len(source_map) else None


def run_fenced(root: Path, path: Path, notebook: Any) -> None:
    """Run ``notebook`` (the post at ``path``) in the build's fenced room; FreezeError on a
    failure, a dead kernel, or a write to the sources or to a data file."""
    from jupyter_client.provisioning import KernelProvisionerFactory
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from ..notebooks.datafiles import data_files, size_problem
    from ..notebooks.fence import Watch, data_written
    from ..notebooks.sandbox import PROVISIONER, kernel_room

    name = shown(path, root)
    data = data_files(path)
    if problem := size_problem(data):
        raise FreezeError(Problem(name, 1, problem))
    factory = KernelProvisionerFactory.instance()
    saved, factory.default_provisioner_name = factory.default_provisioner_name, PROVISIONER
    watch = Watch(root, root / "_build" / "html", root / "_build" / "no-report")
    kernel = notebook.metadata.get("kernelspec", {}).get("name", "python3")
    try:
        with (
            tempfile.TemporaryDirectory() as room_dir,
            kernel_room(str(root), watch.kernel_started, data) as room,
        ):
            client = NotebookClient(
                notebook,
                timeout=_timeout(root),
                kernel_name=kernel,
                resources={"metadata": {"path": room_dir}},
            )
            client.execute()
    except CellTimeoutError:
        message = "a code cell was still running at the time limit; make it finish sooner"
        raise FreezeError(Problem(name, _failed_cell(notebook) or 1, message)) from None
    except CellExecutionError as err:
        reason = (str(err).strip().splitlines() or ["an error"])[-1]
        message = f"a code cell failed with {reason}; fix it, then run freeze again"
        raise FreezeError(Problem(name, _failed_cell(notebook) or 1, message)) from None
    except DeadKernelError:
        message = "the kernel died while a code cell ran; let every cell return normally"
        raise FreezeError(Problem(name, _failed_cell(notebook) or 1, message)) from None
    finally:
        factory.default_provisioner_name = saved
    for what, files in watch.changes():
        message = f"its code changed {what} ({files}); write only to the folder it runs in"
        raise FreezeError(Problem(name, 1, message))
    if room.written:
        raise FreezeError(Problem(name, 1, data_written(path, room.written, root)))


def freeze_post(root: Path, path: Path) -> tuple[Path, int, float]:
    """Run the text post at ``path`` and write its record: (the record, code cells, seconds)."""
    from ..notebooks.frozen import make_record, record_path, write_record

    notebook = read_text_notebook(root, path)
    started = time.monotonic()
    run_fenced(root, path, notebook)
    docname = shown(path, root).removesuffix(path.suffix)
    record = make_record(notebook)
    target = record_path(root, docname)
    write_record(target, record)
    return target, len(record["cells"]), time.monotonic() - started
