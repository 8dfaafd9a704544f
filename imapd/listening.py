"""The daemon's listening sockets, bound in one place so that several processes can share them.

A daemon of one process binds each socket when its server starts. A daemon of several
(`imapd.prefork`) binds every socket in the supervising process before it forks its workers,
and each worker takes its own (`worker_sockets_take`; `listening_socket` then finds them by
listener name):

- a TCP port gets one socket per worker, all bound to it with SO_REUSEPORT, so that the kernel
  spreads connections evenly over the workers. (On one shared socket, the first worker to wake
  accepts every connection waiting, and a burst of connections all goes to one process.)
  Binding them all up front works for port 0 too, and a replaced worker finds its socket;
- a unix socket is one socket shared by every worker.
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


def _bind(spec: ListenerSpec, *, shared_port: bool = False) -> socket.socket:
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
        if shared_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
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


def bind_all(specs: list[ListenerSpec], workers: int) -> dict[str, list[socket.socket]]:
    """Bind every listener for `workers` processes (the supervisor, before forking): per
    listener, one socket per worker for a TCP port, one shared socket for a unix socket."""
    bound: dict[str, list[socket.socket]] = {}
    try:
        for spec in specs:
            if spec.path:
                bound[spec.name] = [_bind(spec)]
                continue
            first = _bind(spec, shared_port=True)
            bound[spec.name] = [first]
            port = int(first.getsockname()[1])  # the one the OS chose for port 0
            same = ListenerSpec(spec.name, host=spec.host, port=port)
            bound[spec.name] += [_bind(same, shared_port=True) for _ in range(workers - 1)]
    except BaseException:
        for socks in bound.values():
            for sock in socks:
                sock.close()
        raise
    return bound


def worker_sockets_take(bound: dict[str, list[socket.socket]], slot: int) -> None:
    """In worker `slot` after the fork: keep its own sockets for its servers, close the
    others' copies."""
    for name, socks in bound.items():
        mine = socks[slot % len(socks)]
        _inherited[name] = mine
        for sock in socks:
            if sock is not mine:
                sock.close()


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
