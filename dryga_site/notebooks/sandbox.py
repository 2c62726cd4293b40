"""The fenced room code cells run in: no secrets, no writes to the sources, no leftovers.

myst-nb runs each notebook (through jupyter-cache and nbclient) in a temporary folder. Here:

- kernels start from :class:`FencedProvisioner`, a jupyter_client kernel provisioner (the
  public hook for how a kernel process is launched and ended): a scrubbed environment whose
  HOME and TMPDIR are the run's temporary folder, encrypted loopback sockets, a client that
  keeps each cell's output under :data:`OUTPUT_LIMIT` as it arrives, and every process the
  kernel started is ended with it;
- :class:`FencedParser` wraps myst-nb's parser for the page: per-post settings may lower the
  time limit but not raise it or change how code runs, a dead kernel is one located error,
  a cell that changed the sources or the built site fails the build naming the files, a cut
  output is one warning at its cell, and outputs carry no absolute path of the build machine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging as std_logging
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import psutil
from docutils import nodes
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.kernelspec import NoSuchKernel
from jupyter_client.provisioning import KernelProvisionerFactory, LocalProvisioner
from myst_nb.core.config import NbParserConfig, Section
from myst_nb.core.read import create_nb_reader
from myst_nb.sphinx_ import NbMetadataCollector, Parser
from nbclient.exceptions import DeadKernelError
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError
from sphinx.util import logging
from traitlets import Type

from ..core.problems import shown
from ..extension.errors import author_error

logger = logging.getLogger(__name__)

#: The entry point name of :class:`FencedProvisioner` (``pyproject.toml``).
PROVISIONER = "dryga-fenced"
#: The only variables of the build's environment a kernel sees; HOME and TMPDIR are its room.
KERNEL_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONPATH", "SOURCE_DATE_EPOCH")
#: Kept caches (matplotlib's font list): built afresh, it can print a notice into a cell.
KERNEL_CACHE = "XDG_CACHE_HOME"
#: Marks every process a kernel starts, so the ones that leave its process group are found too.
KERNEL_MARK = "DRYGA_SITE_KERNEL"
#: Folders of a site that are not sources: the build's own output, caches and tools, and
#: git's own folder, which the author's git (or another worktree's) may change mid-build.
NOT_SOURCES = {
    ".git",
    "_build",
    ".jupyter_cache",
    ".venv",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".ipynb_checkpoints",
}
#: The prefix of a value glued with ``display=False``: kept in the notebook, not shown there.
GLUED_HIDDEN = "application/papermill.record/"
#: Characters of output one cell may publish ("no real post needs more"), and of one line:
#: myst-nb's stream merging takes time growing with the square of a line's length.
OUTPUT_LIMIT = 1_000_000
LINE_LIMIT = 2_000
CUT = "[output cut: this cell printed more than {} characters; the rest is not shown]"
#: myst-nb settings a post may set for itself: how outputs look, and a lower time limit.
POST_SETTINGS = {"execution_timeout"} | {
    field.name
    for field in dataclasses.fields(NbParserConfig)
    if Section.cell_lvl in field.metadata.get("sections", ())
}


class FencedIOPub(AsyncZMQSocketChannel):
    """The kernel's output channel: each cell's output cut at :data:`OUTPUT_LIMIT`, and the
    build machine's temporary, Python and home folders rewritten in text as it arrives, so
    neither values glued into prose nor the cache nor the notebook download carry them.
    (The site's own folder is rewritten where the page shows outputs, ``fence_outputs``.)"""

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
        msg = await super().get_msg(timeout)
        if not hasattr(self, "printed"):
            self.printed: dict[str, int] = {}
            self.rules = machine_paths("")
        content, kind = msg["content"], msg["msg_type"]
        if kind == "error":
            content["traceback"] = [neutral(line, self.rules) for line in content["traceback"]]
            content["evalue"] = neutral(content.get("evalue", ""), self.rules)
            return msg
        if kind == "stream":
            fields = [(content, "text")]
        elif kind in ("display_data", "execute_result", "update_display_data"):
            fields = [(content.get("data", {}), mime) for mime in content.get("data", {})]
        else:
            return msg
        cell = msg["parent_header"].get("msg_id", "")
        printed = self.printed.get(cell, 0)
        if printed > OUTPUT_LIMIT:
            msg["msg_type"] = "execute_input"  # a message nbclient reads and does not keep
            return msg
        size = 0
        for holder, key in fields:
            mime = key.removeprefix(GLUED_HIDDEN)  # glue(..., display=False) keeps it there
            if isinstance(holder[key], str) and (mime == "text" or mime.startswith("text/")):
                holder[key] = neutral(holder[key], self.rules)
            text = holder[key] if isinstance(holder[key], str) else json.dumps(holder[key])
            size = max(size, len(text))
            if kind == "stream":
                holder[key] = "\n".join(
                    line if len(line) <= LINE_LIMIT else line[:LINE_LIMIT] + " [line cut]"
                    for line in text[: OUTPUT_LIMIT - printed].split("\n")
                )
        self.printed[cell] = printed + size
        if printed + size > OUTPUT_LIMIT:
            note = "\n" + CUT.format(f"{OUTPUT_LIMIT:,}") + "\n"
            if kind == "stream":
                content["text"] += note
            else:
                content["data"] = {"text/plain": note.strip()}
        return msg


class FencedKernelClient(AsyncKernelClient):
    """nbclient's kernel client, reading output through :class:`FencedIOPub`."""

    iopub_channel_class = Type(FencedIOPub)


class FencedProvisioner(LocalProvisioner):  # type: ignore[misc]
    """A local kernel with a scrubbed environment whose processes all end with it."""

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        """Launch over CurveZMQ-encrypted sockets, with only :data:`KERNEL_ENV` of the build's."""
        kwargs.setdefault("transport_encryption", "auto")
        self.parent.client_factory = FencedKernelClient
        kwargs = await super().pre_launch(**kwargs)
        room = str(kwargs.get("cwd") or tempfile.gettempdir())
        env = kwargs["env"]
        kept = {k: env[k] for k in KERNEL_ENV if k in env}
        kept.update({k: v for k, v in env.items() if k.startswith("JPY_")})
        kept.update(self.kernel_spec.env or {})
        cache = env.get(KERNEL_CACHE) or os.path.expanduser("~/.cache")
        kwargs["env"] = {
            **kept,
            "HOME": room,
            "TMPDIR": room,
            KERNEL_CACHE: cache,
            KERNEL_MARK: self.kernel_id,
        }
        return kwargs

    async def send_signal(self, signum: int) -> None:
        """At shutdown, end the kernel at once instead of interrupting it first.

        jupyter_client interrupts a kernel, then asks it over ZMQ to shut down; a kernel still
        busy (a cell that timed out) then replies on a socket its shutdown has closed, and
        logs a ZMQError traceback. The build needs nothing from a kernel after its last cell.
        """
        if signum == signal.SIGINT and self.parent is not None and self.parent.shutting_down:
            await self.kill()
        else:
            await super().send_signal(signum)

    async def cleanup(self, restart: bool = False) -> None:
        """End what the kernel left running: its process group and any marked process."""
        await super().cleanup(restart)
        if not restart:
            end_processes(self.kernel_id, self.pgid)


def end_processes(kernel_id: str, pgid: int | None) -> None:
    """Kill the processes of one kernel's process group or carrying its mark."""
    if pgid and pgid != os.getpgid(0):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass  # the group is already gone
    for process in psutil.process_iter():
        try:
            if process.environ().get(KERNEL_MARK) == kernel_id:
                process.kill()
        except (psutil.Error, OSError):
            continue  # gone, or not ours to read


def _source_files(root: Path) -> Iterator[Path]:
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d not in NOT_SOURCES]
        for name in files:
            yield Path(folder, name)


def source_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every source file under ``root`` (build output and caches left out)."""
    hashes = {}
    for path in _source_files(root):
        try:
            hashes[path.relative_to(root).as_posix()] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
        except OSError:
            hashes[path.relative_to(root).as_posix()] = "unreadable"
    return hashes


def output_stamps(outdir: Path, root: Path, skip: Path | None = None) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file written into ``outdir`` so far (but
    ``skip``), by name (relative to ``root`` where it is inside it)."""
    stamps = {}
    for folder, _, files in os.walk(outdir):
        for name in files:
            path = Path(folder, name)
            if path == skip:
                continue
            with contextlib.suppress(OSError):
                stat = path.stat()
                stamps[shown(path, root)] = (stat.st_size, stat.st_mtime_ns)
    return stamps


def _changed(before: dict[str, Any], after: dict[str, Any]) -> str:
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else "")


def machine_paths(srcdir: str) -> list[tuple[re.Pattern[str], str]]:
    """Rewrites that turn the build machine's absolute paths into neutral names."""
    temporary = tempfile.gettempdir().rstrip("/")
    tmp = re.escape(temporary)
    end = r"(?=[/\s'\"]|$)"
    # Each folder with what it is called; a folder inside another is rewritten first (the
    # site or its Python may be in the temporary folder, which may be in the home folder).
    # In the temporary folder, the random name of a run's own folder goes too.
    folders = {
        srcdir: (re.escape(srcdir.rstrip("/")) + end, "<site>"),
        sys.prefix: (re.escape(sys.prefix.rstrip("/")) + end, "<python>"),
        sys.base_prefix: (re.escape(sys.base_prefix.rstrip("/")) + end, "<python>"),
        os.path.expanduser("~"): (re.escape(os.path.expanduser("~").rstrip("/")) + end, "~"),
        temporary: (rf"{tmp}/[^/\s'\"]+", "~"),
    }
    rules = [(rf"{tmp}/[^/\s'\"]+/ipykernel_\d+/\d+\.py|{tmp}/ipykernel_\d+/\d+\.py", "<cell>")]
    for folder in sorted(folders, key=lambda f: len(f.rstrip("/")), reverse=True):
        if folder.rstrip("/"):
            rules.append(folders[folder])
    return [(re.compile(pattern), name) for pattern, name in rules]


def neutral(text: str, rules: list[tuple[re.Pattern[str], str]]) -> str:
    """``text`` with the build machine's absolute paths rewritten."""
    for pattern, name in rules:
        text = pattern.sub(name, text)
    return text


def settings_problem(metadata: dict[str, Any], ceiling: int) -> str | None:
    """Why a post's own settings may not run, if they may not."""
    settings = metadata.get("mystnb") or {}
    for key in settings:
        if key not in POST_SETTINGS:
            return (
                f"`mystnb: {key}` is a site-wide setting and can't be set per post; "
                "remove it from the front matter"
            )
    limits = [("mystnb: execution_timeout", settings.get("execution_timeout"))]
    limits.append(("execution: timeout", (metadata.get("execution") or {}).get("timeout")))
    for name, value in limits:
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= ceiling:
            return (
                f"`{name}: {value}` must be a whole number of seconds from 1 to {ceiling} "
                "(the site's limit, `execute.timeout` in _config.yml); lower it"
            )
    return None


class FencedParser(Parser):  # type: ignore[misc]
    """myst-nb's parser, run inside the fence described in this module's docstring."""

    def parse(self, inputstring: str, document: nodes.document) -> None:
        env = getattr(document.settings, "env", None) or self.env
        app = env.app
        path = env.doc2path(env.docname)
        reader = create_nb_reader(path, env.myst_config, env.mystnb_config, inputstring)
        if reader is None:
            return super().parse(inputstring, document)
        metadata = reader.read(inputstring).metadata
        problem = settings_problem(metadata, app.config.nb_execution_timeout)
        if problem:
            source = Path(path).read_text(encoding="utf-8")  # as written, before other readers
            return author_error(env, env.docname, problem, _line_of(source, problem))
        root, outdir = Path(app.srcdir), Path(app.outdir)
        report = failure_report(app, env.docname)  # written by myst-nb while the page is read
        before, built = source_hashes(root), output_stamps(outdir, root, skip=report)
        notes = FailedRunNotes()
        mystnb_log = std_logging.getLogger(f"sphinx.mystnb-{env.docname}")  # SphinxDocLogger's
        mystnb_log.addFilter(notes)
        try:
            super().parse(inputstring, document)
        except DeadKernelError:
            message = (
                "the kernel died while a code cell ran (a cell ended its own process?); "
                "let every cell return normally"
            )
            author_error(env, env.docname, message)
        except NoSuchKernel as error:
            message = f"there is no kernel named {error.args[0]!r}; use `python3`"
            author_error(env, env.docname, message)
        finally:
            mystnb_log.removeFilter(notes)
        document.attributes.pop("nb_renderer", None)  # myst-nb's, left by a cut-off parse
        for what, files in (
            ("the sources", _changed(before, source_hashes(root))),
            ("the built site", _changed(built, output_stamps(outdir, root, skip=report))),
        ):
            if files:
                message = f"its code changed {what} ({files}); write only to the folder it runs in"
                author_error(env, env.docname, message)
        for key in [
            k
            for k in NbMetadataCollector.get_js_files(env, env.docname)
            if k.startswith("ipywidgets")
        ]:
            del NbMetadataCollector.get_js_files(env, env.docname)[key]
        fence_outputs(app, document)


def run_record(env: BuildEnvironment, docname: str) -> dict[str, Any] | None:
    """myst-nb's record of running ``docname``'s code in this build or a cached one, if it ran."""
    return NbMetadataCollector.get_exec_data(env, docname)


def failure_report(app: Sphinx, docname: str) -> Path:
    """Where myst-nb writes the traceback of a page's failed run."""
    return Path(app.outdir).joinpath("reports", *f"{docname}.err.log".split("/"))


class FailedRunNotes(std_logging.Filter):
    """myst-nb's two warnings on a failed run ("Executing notebook failed", "traceback saved
    in ..."): ``failures.report_failed_run`` says the same in one located line."""

    def filter(self, record: std_logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (
            getattr(record, "subtype", None) == "exec"
            and message.startswith(("Executing notebook failed", "Notebook exception traceback"))
        )


def _line_of(text: str, problem: str) -> int | None:
    key = re.search(r"`(?:mystnb|execution): (\w+)", problem)
    if key:
        for number, line in enumerate(text.splitlines(), 1):
            if re.match(rf"\s*\"?{key[1]}\"?\s*:", line):
                return number
    return None


def _output_nodes(cell: nodes.Element) -> Iterator[nodes.TextElement]:
    for output in cell.findall(nodes.Element):
        if "cell_output" in output.get("classes", ()):
            yield from output.findall(lambda n: isinstance(n, nodes.literal_block | nodes.raw))


def fence_outputs(app: Sphinx, document: nodes.document) -> None:
    """Rewrite absolute paths in each cell's output; warn at each cell whose output was cut."""
    env, rules = app.env, machine_paths(os.fspath(app.srcdir))
    note = CUT.format(f"{OUTPUT_LIMIT:,}")
    source_map = env.metadata[env.docname].get("source_map") or []
    for cell in document.findall(lambda n: isinstance(n, nodes.container) and "cell_index" in n):
        cut = False
        for node in _output_nodes(cell):
            text = neutral(node.astext(), rules)
            cut = cut or note in text
            node.rawsource = text
            node.children = [nodes.Text(text)]
        if cut:
            index = cell["cell_index"]
            line = source_map[index] if index < len(source_map) else None
            logger.warning(
                f"a code cell printed more than {OUTPUT_LIMIT:,} characters, "
                "so its output is cut on the page; print less",
                location=(env.docname, line) if line else env.docname,
                type="dryga",
                subtype="output",
            )


def fence_kernels(app: Sphinx) -> None:
    """Start every kernel of this build from :class:`FencedProvisioner`.

    jupyter_client picks a kernel's provisioner from its kernelspec or, failing that, from
    this factory's default; myst-nb and jupyter-cache take no kernel settings of their own.
    """
    if not entry_points(group=KernelProvisionerFactory.GROUP_NAME, name=PROVISIONER):
        raise ExtensionError(
            f"kernel provisioner {PROVISIONER!r} is not installed: run `pip install -e .`"
        )
    KernelProvisionerFactory.instance().default_provisioner_name = PROVISIONER


def drop_old_reports(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """myst-nb's failure reports of an earlier run are not part of this site."""
    shutil.rmtree(Path(app.outdir, "reports"), ignore_errors=True)


def setup(app: Sphinx) -> None:
    """Fence myst-nb's parser (the kernels are fenced when the builder starts)."""
    app.add_source_parser(FencedParser, override=True)
