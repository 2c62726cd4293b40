"""The room code cells run in: no secrets, no machine paths in outputs, no leftovers.

myst-nb runs each notebook (through jupyter-cache and nbclient) in a temporary folder, and
its kernels start from :class:`FencedProvisioner`, a jupyter_client kernel provisioner (the
public hook for how a kernel process is launched and ended): a scrubbed environment whose HOME
and TMPDIR are the run's temporary folder, encrypted loopback sockets, a client that keeps each
cell's output under :data:`OUTPUT_LIMIT` and rewrites the build machine's folders as it
arrives (the one place outputs are rewritten, so values glued into prose, the cache and the
notebook download carry none), and every process the kernel started is ended with it.

While a page is read, :func:`kernel_room` tells its kernel which site it runs for, whom to
tell when it starts (``fence.py`` stamps the sources then) and the post's data files, which
are copied into the run's folder as the kernel starts and compared when it ends
(``datafiles.py``).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import json
import os
import re
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import psutil
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.provisioning import KernelProvisionerFactory, LocalProvisioner
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError
from sphinx.util import logging
from traitlets import Type

from .datafiles import copy_into, written
from .outputs import terminal_text, unfinished_line

logger = logging.getLogger(__name__)

#: The entry point name of :class:`FencedProvisioner` (``pyproject.toml``).
PROVISIONER = "dryga-fenced"
#: The only variables of the build's environment a kernel sees; HOME and TMPDIR are its room.
KERNEL_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONPATH", "SOURCE_DATE_EPOCH")
#: Kept caches (matplotlib's font list): built afresh, it can print a notice into a cell.
KERNEL_CACHE = "XDG_CACHE_HOME"
#: Marks every process a kernel starts, so the ones that leave its process group are found too.
KERNEL_MARK = "DRYGA_SITE_KERNEL"
#: The prefix of a value glued with ``display=False``: kept in the notebook, not shown there.
GLUED_HIDDEN = "application/papermill.record/"
#: Characters of output one cell may publish ("no real post needs more"), and of one line:
#: myst-nb's stream merging takes time growing with the square of a line's length.
OUTPUT_LIMIT = 1_000_000
LINE_LIMIT = 2_000
CUT = "[output cut: this cell printed more than {} characters; the rest is not shown]"
#: The mime types whose value may be any JSON in a notebook (nbformat's schema); any other
#: value must be text, or nbclient refuses the output and the build stops.
JSON_MIME = re.compile(r"^application/(.+\+)?json$")


@dataclasses.dataclass(frozen=True)
class Room:
    """What the page being read tells its kernel: the site's folder, whom to tell when the
    kernel starts, and its data files (by their path in the run's folder); the kernel tells it
    which copies its code wrote to."""

    srcdir: str
    on_start: Callable[[], None]
    data: dict[str, Path] = dataclasses.field(default_factory=dict)
    written: list[str] = dataclasses.field(default_factory=list)


#: The room of the page being read (set by :func:`kernel_room`; nbclient runs the kernel's
#: client in this thread, in tasks that inherit it).
ROOM: contextvars.ContextVar[Room | None] = contextvars.ContextVar("dryga_site_room", default=None)


@contextlib.contextmanager
def kernel_room(
    srcdir: str, on_start: Callable[[], None], data: dict[str, Path] | None = None
) -> Iterator[Room]:
    """While a page is read: its kernel knows the site's folder and the post's ``data``
    files, and calls ``on_start``."""
    room = Room(srcdir, on_start, dict(data or {}))
    token = ROOM.set(room)
    try:
        yield room
    finally:
        ROOM.reset(token)


class FencedIOPub(AsyncZMQSocketChannel):
    """The kernel's output channel: each cell's output cut at :data:`OUTPUT_LIMIT`, the
    build machine's folders (the site's, the temporary, Python's and the home folder) rewritten
    in text as it arrives, and printed text passed on in whole lines (:meth:`whole_lines`)."""

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
        if not hasattr(self, "printed"):
            self.printed: dict[str, int] = {}
            room = ROOM.get()
            self.rules = machine_paths(room.srcdir if room else "")
            self.waiting: dict[tuple[str, str], dict[str, Any]] = {}
            self.ready: list[dict[str, Any]] = []
        if self.ready:
            return self.ready.pop(0)
        return self.whole_lines(self.rewrite(await super().get_msg(timeout)))

    def whole_lines(self, msg: dict[str, Any]) -> dict[str, Any]:
        """A cell's printed text in whole lines, each as a terminal shows it at its end.

        nbclient keeps each message as an output of its own, and myst-nb starts a new line
        for each: a progress bar rewritten with ``\\r`` in many messages would show every
        state. So the last, unfinished line of a stream waits (folded, ``outputs.py``) for the
        rest of it; any other message of the cell (at the latest, the kernel going idle)
        first brings out what waits.
        """
        cell = msg["parent_header"].get("msg_id", "")
        if msg["msg_type"] != "stream":
            waiting = [self.waiting.pop(key) for key in list(self.waiting) if key[0] == cell]
            self.ready += waiting[1:] + [msg] if waiting else []
            return waiting[0] if waiting else msg
        key = (cell, msg["content"]["name"])
        text = self.waiting.pop(key, {"content": {"text": ""}})["content"]["text"]
        text += msg["content"]["text"]
        done, newline, rest = text.rpartition("\n")
        if rest and len(rest) <= LINE_LIMIT:
            self.waiting[key] = {
                **msg,
                "content": {**msg["content"], "text": unfinished_line(rest)},
            }
            text = done + newline
        if not text:
            msg["msg_type"] = "execute_input"  # a message nbclient reads and does not keep
        msg["content"]["text"] = terminal_text(text)
        return msg

    def rewrite(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Machine paths out of the message's text, and the cell's output cut at the limit."""
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
            if kind != "stream" and not JSON_MIME.match(mime) and not _is_text(holder[key]):
                # e.g. display({"text/plain": {...}}, raw=True): JupyterLab shows it anyway
                holder[key] = json.dumps(holder[key], indent=2, default=str)
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


def _is_text(value: Any) -> bool:
    """Text as a notebook holds it: a string, or a list of strings."""
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    )


class FencedKernelClient(AsyncKernelClient):
    """nbclient's kernel client, reading output through :class:`FencedIOPub`."""

    iopub_channel_class = Type(FencedIOPub)


class FencedProvisioner(LocalProvisioner):  # type: ignore[misc]
    """A local kernel with a scrubbed environment whose processes all end with it, run in a
    folder holding copies of its post's data files."""

    #: The run's folder, its page's room, and the digest of each data file copied into it.
    copies: tuple[Path, Room, dict[str, str]] | None = None

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        """Launch over CurveZMQ-encrypted sockets, with only :data:`KERNEL_ENV` of the build's."""
        kwargs.setdefault("transport_encryption", "auto")
        self.parent.client_factory = FencedKernelClient
        page = ROOM.get()
        if page is not None:
            page.on_start()
        kwargs = await super().pre_launch(**kwargs)
        room = str(kwargs.get("cwd") or tempfile.gettempdir())
        if page is not None and page.data and kwargs.get("cwd"):
            self.copies = (Path(room), page, copy_into(Path(room), page.data))
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
            if self.copies is not None:
                room, page, digests = self.copies
                page.written.extend(written(room, digests))
                self.copies = None


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


def run_record(env: BuildEnvironment, docname: str) -> dict[str, Any] | None:
    """myst-nb's record of running ``docname``'s code in this build or a cached one, if it ran."""
    return NbMetadataCollector.get_exec_data(env, docname)


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
