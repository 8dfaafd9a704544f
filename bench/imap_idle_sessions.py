"""Many IDLE sessions against one IMAP server: memory per session and delivery-to-EXISTS latency.

    .venv/bin/python bench/imap_idle_sessions.py --port 1143 --users-file users.txt \
        --sessions 10000 --server-pid $(pgrep -f runimapd) --deliveries 200

Opens --sessions connections (spread over the users, `address:password` per line in
--users-file or given with --user), each logged in with INBOX selected and in IDLE. With
--server-pid it reports the server's resident memory before and after, per session. Then it
APPENDs --deliveries messages, one at a time, to the users' INBOXes from a separate connection
and measures, for every idle session of that user, the time from the APPEND's OK (the message is
committed) to the `* n EXISTS` it receives. Prints p50/p90/p99/max. Standard library only; the
client needs a file descriptor per session (ulimit -n). The delivering connection counts
against the server's per-account connection limit (IMAP_MAX_CONNECTIONS_PER_ACCOUNT): keep the
sessions per user below it, or raise it.
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import statistics
import time
from collections import defaultdict
from pathlib import Path

MESSAGE = (
    b"From: Bench <bench@example.net>\r\nTo: idle@example.org\r\nSubject: ping\r\n"
    b"Date: Mon, 02 Jun 2025 10:00:00 +0000\r\n\r\nping\r\n"
)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class IdleSession:
    def __init__(self, user: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.user = user
        self.reader = reader
        self.writer = writer
        self.exists_at: asyncio.Queue[float] = asyncio.Queue()

    @classmethod
    async def open(
        cls, host: str, port: int, user: str, password: str, tls: ssl.SSLContext | None = None
    ) -> IdleSession:
        reader, writer = await asyncio.open_connection(host, port, ssl=tls)
        await reader.readline()
        writer.write(
            b'a LOGIN "%s" "%s"\r\nb SELECT INBOX\r\nc IDLE\r\n'
            % (
                user.encode(),
                password.encode(),
            )
        )
        await writer.drain()
        while True:
            line = await reader.readline()
            if not line:
                raise ConnectionError("closed during setup")
            if line.startswith((b"a NO", b"a BAD", b"b NO", b"b BAD")):
                raise ConnectionError(line.decode(errors="replace").strip())
            if line.startswith(b"+ "):
                break
        session = cls(user, reader, writer)
        asyncio.get_running_loop().create_task(session.listen())
        return session

    async def listen(self) -> None:
        while True:
            line = await self.reader.readline()
            if not line:
                return
            if line.endswith(b" EXISTS\r\n"):
                self.exists_at.put_nowait(time.perf_counter())


async def append(
    host: str, port: int, user: str, password: str, count: int, tls: ssl.SSLContext | None
) -> list[float]:
    """APPEND `count` messages one by one; the times their OKs arrived."""
    reader, writer = await asyncio.open_connection(host, port, ssl=tls)
    await reader.readline()
    writer.write(b'l LOGIN "%s" "%s"\r\n' % (user.encode(), password.encode()))
    await writer.drain()
    while not (line := await reader.readline()).startswith(b"l "):
        pass
    if not line.startswith(b"l OK"):
        raise ConnectionError(f"{user}: {line.decode(errors='replace').strip()}")
    done: list[float] = []
    for n in range(count):
        writer.write(b"a%d APPEND INBOX {%d+}\r\n%s\r\n" % (n, len(MESSAGE), MESSAGE))
        await writer.drain()
        while True:
            line = await reader.readline()
            if line.startswith(b"a%d " % n):
                if not line.startswith(b"a%d OK" % n):
                    raise ConnectionError(f"APPEND failed: {line.decode(errors='replace')}")
                done.append(time.perf_counter())
                break
    writer.close()
    return done


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1143)
    parser.add_argument("--user", action="append", default=[], help="address:password")
    parser.add_argument("--users-file", type=Path, help="address:password per line")
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--deliveries", type=int, default=100)
    parser.add_argument("--batch", type=int, default=200, help="sessions opened concurrently")
    parser.add_argument("--tls", action="store_true", help="implicit TLS (the IMAPS port)")
    args = parser.parse_args()
    context = None
    if args.tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    entries = list(args.user)
    if args.users_file:
        entries += [line.strip() for line in args.users_file.read_text().splitlines() if line]
    users = [tuple(entry.split(":", 1)) for entry in entries]
    if not users:
        parser.error("give --user or --users-file")

    before = rss_kib(args.server_pid) if args.server_pid else None
    sessions: list[IdleSession] = []
    started = time.perf_counter()
    for first in range(0, args.sessions, args.batch):
        batch = range(first, min(args.sessions, first + args.batch))
        sessions += await asyncio.gather(
            *(
                IdleSession.open(
                    args.host,
                    args.port,
                    users[n % len(users)][0],
                    users[n % len(users)][1],
                    context,
                )
                for n in batch
            )
        )
    print(f"{len(sessions)} sessions idling after {time.perf_counter() - started:.1f} s")
    if args.server_pid and before is not None:
        await asyncio.sleep(1)
        after = rss_kib(args.server_pid)
        print(
            f"server RSS {before / 1024:.1f} MiB -> {after / 1024:.1f} MiB: "
            f"{(after - before) / len(sessions):.1f} KiB per idle session"
        )

    by_user: dict[str, list[IdleSession]] = defaultdict(list)
    for session in sessions:
        by_user[session.user].append(session)
    passwords = dict(users)
    latencies: list[float] = []
    names = list(by_user)
    for n in range(args.deliveries):
        user = names[n % len(names)]
        (committed,) = await append(args.host, args.port, user, passwords[user], 1, context)
        for session in by_user[user]:
            arrived = await asyncio.wait_for(session.exists_at.get(), timeout=30)
            latencies.append(max(0.0, arrived - committed))
    latencies.sort()
    if latencies:

        def pct(fraction: float) -> float:
            return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1000

        print(
            f"delivery-to-EXISTS over {len(latencies)} notifications: "
            f"p50 {pct(0.5):.1f} ms, p90 {pct(0.9):.1f} ms, p99 {pct(0.99):.1f} ms, "
            f"max {latencies[-1] * 1000:.1f} ms, mean {statistics.mean(latencies) * 1000:.1f} ms"
        )
    for session in sessions:
        session.writer.close()


if __name__ == "__main__":
    asyncio.run(main())
