"""An IMAP load generator usable against any IMAP4rev1 server (ours, pymap, Dovecot).

    .venv/bin/python bench/imap_load.py --port 1143 --user bench@bench.example:secret \
        --clients 10 --duration 30

N clients (asyncio, one connection each, logged in once) loop over a realistic mix on one
mailbox: SELECT, FETCH of all flags, FETCH of whole messages, STORE, SEARCH (flags and
subject), APPEND and EXPUNGE of what they appended (so the mailbox keeps its size), NOOP.
Users are given as address:password, several times to spread clients over accounts. The mailbox
is filled to --messages first when it holds fewer. Prints commands per second, overall and per
command, with latency percentiles. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import re
import ssl
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field

WORDS = [
    "invoice",
    "meeting",
    "report",
    "budget",
    "travel",
    "project",
    "release",
    "update",
    "weekly",
    "review",
    "lunch",
    "contract",
    "offer",
    "holiday",
    "photos",
    "question",
    "answer",
    "urgent",
    "reminder",
    "agenda",
    "draft",
    "notes",
]
_LITERAL = re.compile(rb"\{(\d+)\}\r\n$")
_EXISTS = re.compile(rb"^\* (\d+) EXISTS")
_APPENDUID = re.compile(rb"\[APPENDUID \d+ (\d+)\]")


class ImapError(Exception):
    pass


def make_message(rng: random.Random, n: int) -> bytes:
    subject = " ".join(rng.sample(WORDS, rng.randint(2, 5))).capitalize()
    body = "\r\n".join(
        " ".join(rng.choices(WORDS, k=rng.randint(6, 14))) for _ in range(rng.randint(3, 40))
    )
    return (
        f"From: Load Test <load{n % 7}@example.net>\r\nTo: bench@example.org\r\n"
        f"Subject: {subject}\r\nDate: Mon, 02 Jun 2025 10:00:00 +0000\r\n"
        f"Message-ID: <load-{n}-{rng.random()}@example.net>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    def add(self, name: str, seconds: float) -> None:
        self.latencies[name].append(seconds)


class Client:
    """A minimal IMAP client: tagged commands, literals in responses, synchronising literals."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.counter = 0

    @classmethod
    async def connect(cls, args: argparse.Namespace) -> Client:
        context = None
        if args.tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        reader, writer = await asyncio.open_connection(
            args.host, args.port, ssl=context, limit=1 << 24
        )
        client = cls(reader, writer)
        await client.line()  # greeting
        return client

    async def line(self) -> bytes:
        data = await self.reader.readline()
        if not data:
            raise ImapError("connection closed")
        while (match := _LITERAL.search(data)) is not None:
            data += await self.reader.readexactly(int(match.group(1)))
            data += await self.reader.readline()
        return data

    async def command(self, text: bytes, literal: bytes | None = None) -> list[bytes]:
        self.counter += 1
        tag = b"t%d" % self.counter
        if literal is None:
            self.writer.write(tag + b" " + text + b"\r\n")
        else:
            self.writer.write(tag + b" " + text + b" {%d}\r\n" % len(literal))
            await self.writer.drain()
            if not (await self.line()).startswith(b"+"):
                raise ImapError("literal refused")
            self.writer.write(literal + b"\r\n")
        await self.writer.drain()
        lines = []
        while True:
            line = await self.line()
            lines.append(line)
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise ImapError(line.decode(errors="replace").strip())
                return lines

    async def close(self) -> None:
        with contextlib.suppress(ImapError, ConnectionError):
            await self.command(b"LOGOUT")
        self.writer.close()


def _exists(lines: list[bytes]) -> int:
    for line in lines:
        match = _EXISTS.match(line)
        if match:
            return int(match.group(1))
    return 0


async def fill(args: argparse.Namespace, user: str, password: str) -> None:
    client = await Client.connect(args)
    await client.command(b'LOGIN "%s" "%s"' % (user.encode(), password.encode()))
    count = _exists(await client.command(b'SELECT "%s"' % args.mailbox.encode()))
    rng = random.Random(user)
    for n in range(count, args.messages):
        await client.command(b'APPEND "%s" (\\Seen)' % args.mailbox.encode(), make_message(rng, n))
    await client.close()


async def run_client(
    number: int, args: argparse.Namespace, user: str, password: str, stats: Stats, stop: float
) -> None:
    rng = random.Random(number)
    client = await Client.connect(args)
    await client.command(b'LOGIN "%s" "%s"' % (user.encode(), password.encode()))
    mailbox = b'"%s"' % args.mailbox.encode()

    async def timed(name: str, text: bytes, literal: bytes | None = None) -> list[bytes]:
        started = time.perf_counter()
        try:
            return await client.command(text, literal)
        except ImapError as exc:
            stats.errors.append(f"{name}: {exc}")
            return []
        finally:
            stats.add(name, time.perf_counter() - started)

    while time.monotonic() < stop:
        exists = _exists(await timed("SELECT", b"SELECT " + mailbox))
        if exists == 0:
            exists = 1
        await timed("UID FETCH 1:* (UID FLAGS)", b"UID FETCH 1:* (UID FLAGS)")
        for _ in range(args.bodies):
            seq = rng.randint(1, exists)
            await timed("FETCH BODY.PEEK[]", b"FETCH %d (UID RFC822.SIZE BODY.PEEK[])" % seq)
        first = rng.randint(1, exists)
        span = b"%d:%d" % (first, min(exists, first + 20))
        await timed("FETCH ENVELOPE", b"FETCH " + span + b" (UID FLAGS ENVELOPE)")
        await timed("STORE +FLAGS", b"STORE %d +FLAGS (\\Flagged)" % rng.randint(1, exists))
        await timed("STORE -FLAGS", b"STORE %d -FLAGS (\\Flagged)" % rng.randint(1, exists))
        await timed("UID SEARCH UNSEEN", b"UID SEARCH UNSEEN")
        await timed("SEARCH SUBJECT", b"SEARCH SUBJECT " + rng.choice(WORDS).encode())
        appended = await timed("APPEND", b"APPEND " + mailbox, make_message(rng, number))
        match = _APPENDUID.search(appended[-1]) if appended else None
        if match is not None:
            uid = match.group(1)
            await timed("UID STORE \\Deleted", b"UID STORE " + uid + b" +FLAGS.SILENT (\\Deleted)")
            await timed("EXPUNGE", b"EXPUNGE")
        await timed("NOOP", b"NOOP")
    await client.close()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1143)
    parser.add_argument("--tls", action="store_true", help="implicit TLS")
    parser.add_argument(
        "--user",
        action="append",
        required=True,
        help="address:password; repeat to spread clients over accounts",
    )
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    parser.add_argument("--mailbox", default="INBOX")
    parser.add_argument("--messages", type=int, default=1000, help="fill the mailbox to this")
    parser.add_argument("--bodies", type=int, default=3, help="whole messages per round")
    args = parser.parse_args()
    users = [tuple(entry.split(":", 1)) for entry in args.user]
    for user, password in dict(users).items():
        await fill(args, user, password)
    stats = Stats()
    started = time.monotonic()
    stop = started + args.duration
    await asyncio.gather(
        *(
            run_client(n, args, users[n % len(users)][0], users[n % len(users)][1], stats, stop)
            for n in range(args.clients)
        )
    )
    elapsed = time.monotonic() - started
    total = sum(len(v) for v in stats.latencies.values())
    print(f"{args.clients} clients, {elapsed:.1f} s: {total} commands, {total / elapsed:.1f}/s")
    print(f"{'command':<28}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for name, values in sorted(stats.latencies.items()):
        print(
            f"{name:<28}{len(values):>8}{len(values) / elapsed:>9.1f}"
            f"{statistics.median(values) * 1000:>9.1f}{_percentile(values, 0.95) * 1000:>9.1f}"
        )
    if stats.errors:
        print(f"{len(stats.errors)} commands failed, e.g.:")
        for error in stats.errors[:5]:
            print("  " + error)


if __name__ == "__main__":
    asyncio.run(main())
