"""The daemon's listening sockets, bound in one place so that several processes can share them.

A daemon of one process binds each socket when its server starts. A daemon of several
(`imapd.prefork`) binds every socket once in the supervising process, before it forks its
workers: each worker then takes the inherited sockets (`listening_socket` finds them by
listener name) and the kernel hands each new connection to one of the processes accepting
on it. This works for unix sockets too and for port 0, which per-process binding with
SO_REUSEPORT would not.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Final

BACKLOG: Final = 1024  # an MTA opens many LMTP connections at once after a queue run


@dataclass(frozen=True)
class ListenerSpec:
    """Where one listener binds: a TCP `host` and `port` (None: a free port), or a unix
    socket `path`."""

    name: str
    host: str = ""
    port: int | None = None
    path: str = ""


def _bind(spec: ListenerSpec) -> socket.socket:
    if spec.path:
        path = Path(spec.path)
        with contextlib.suppress(FileNotFoundError):
            if stat.S_ISSOCK(path.stat().st_mode):
                path.unlink()  # left by a daemon that did not stop cleanly
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target: str | tuple[str, int] = os.fspath(path)
    else:
        infos = socket.getaddrinfo(
            spec.host or None,
            spec.port or 0,
            type=socket.SOCK_STREAM,
            flags=socket.AI_PASSIVE,
        )
        family, _, _, _, address = infos[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        target = (str(address[0]), int(address[1]))
    try:
        sock.bind(target)
        sock.listen(BACKLOG)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


_inherited: dict[str, socket.socket] = {}


def bind_all(specs: list[ListenerSpec]) -> dict[str, socket.socket]:
    """Bind every listener now (the supervisor, before forking); the servers started in
    this process and in its children take these sockets instead of binding their own."""
    bound: dict[str, socket.socket] = {}
    try:
        for spec in specs:
            bound[spec.name] = _bind(spec)
    except BaseException:
        for sock in bound.values():
            sock.close()
        raise
    _inherited.update(bound)
    return bound


def listening_socket(spec: ListenerSpec) -> socket.socket:
    """The socket a server listens on: the one bound before forking, else a new one."""
    inherited = _inherited.get(spec.name)
    if inherited is not None:
        # A duplicate, so that a server closing its socket leaves the shared one open.
        return inherited.dup()
    return _bind(spec)


def address_of(sock: socket.socket) -> tuple[str, int | None]:
    """How a listener is reported: `host:port` (`[v6]:port`) and the port, or the path."""
    name = sock.getsockname()
    if isinstance(name, tuple):
        host, port = str(name[0]), int(name[1])
        return (f"[{host}]:{port}" if ":" in host else f"{host}:{port}"), port
    return f"unix:{name}", None
