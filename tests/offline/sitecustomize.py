"""Imported by every Python process of an offline test build (through PYTHONPATH).

Any connection to, or name lookup of, a host other than this machine raises, and is
recorded in the file named by ``DRYGA_BLOCKED_LOG``, so a test sees attempts even when
a tool swallows the error. Loopback stays open: the Jupyter kernel talks over it.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _is_local(host: object) -> bool:
    if host is None or host in ("localhost", "", b"localhost"):
        return True
    try:
        return ipaddress.ip_address(
            host.decode() if isinstance(host, bytes) else str(host)
        ).is_loopback
    except ValueError:
        return False


def _block(what: str) -> None:
    with open(os.environ.get("DRYGA_BLOCKED_LOG", os.devnull), "a", encoding="utf-8") as log:
        log.write(what + "\n")
    raise OSError(errno.ENETUNREACH, f"network blocked for the offline build: {what}")


def _check(sock: socket.socket, address: object) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        _block(f"connect {address[0]}:{address[1]}")


def connect(self: socket.socket, address: object) -> None:
    _check(self, address)
    return _connect(self, address)


def connect_ex(self: socket.socket, address: object) -> int:
    _check(self, address)
    return _connect_ex(self, address)


def getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
    if not _is_local(host):
        _block(f"resolve {host}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.getaddrinfo = getaddrinfo
