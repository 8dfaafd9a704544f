"""FETCH of full messages and SEARCH BODY: an encrypted account against one in clear.

    .venv/bin/python bench/crypto_fetch_search.py --messages 10000 [--via imap] [--runs 3]

Seeds two accounts with the same N messages in a throwaway data directory (its own SQLite
database and blobs; nothing of `var/` is touched): one stored in clear, one encrypted (created
with MAIL_ENCRYPTION=new, each message sealed with its own key wrapped to the account's public
key by HPKE, as delivery does). Then times, median of `--runs` after one warm-up run:

- FETCH 1:* (UID BODY.PEEK[]): every message's bytes read, decrypted where encrypted;
- SEARCH BODY <word>: every message's bytes read and searched (no index can answer it).

Times are CPU seconds of this process by default (`--clock wall` for wall time), the two
accounts' runs alternating, so that other work on a shared machine skews neither.

`--via store` (default) runs what the daemon's ORM threads run for these commands through the
store's selectors (`messages_fetch` in batches of 2000, `message_bytes_of`, response lines
built, `imapd.mime.body_contains`); `--via imap` starts the real daemon and times the commands
over a socket, the response read to the tagged line.

The encrypted account is timed twice: "cold", right after delivery, when every message key is
still in the HPKE form delivery makes (one X25519 exchange per message), and "settled", after
the background pass a login starts (`imapd.crypto.maintenance`) has turned them into storage-key
wraps. A mailbox is cold only until its first login; the settled figure is the steady state. Over
IMAP the cold figure is the first FETCH of the first session, while that session's background
pass is already settling the keys: between the two.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_DATA = tempfile.mkdtemp(prefix="bench-crypto-")
os.environ["DATA_DIR"] = _DATA
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailplatform.settings")
os.environ.setdefault("PASSWORD_SCHEME", "SHA512-CRYPT")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from accounts import services as account_services  # noqa: E402
from accounts.models import Account  # noqa: E402
from imapd import mime  # noqa: E402
from imapd.crypto.keyring import Keyring  # noqa: E402
from imapd.crypto.maintenance import keys_maintenance_step  # noqa: E402
from imapd.crypto.sealing import sealer_for  # noqa: E402
from imapd.crypto.services import keyring_unlock  # noqa: E402
from imapd.models import Mailbox  # noqa: E402
from imapd.store import blobs, selectors  # noqa: E402
from imapd.store.dto import UidSet  # noqa: E402
from imapd.store.services import StoredMessage, messages_import  # noqa: E402
from imapd.store.summary import content_fields  # noqa: E402

PASSWORD = "bench-password-1"  # noqa: S105 (a throwaway account of the benchmark)
WORDS = (
    "invoice", "meeting", "report", "budget", "travel", "project", "release", "update",
    "weekly", "review", "lunch", "contract", "offer", "holiday", "photos", "question",
)  # fmt: skip
NEEDLE = "zanzibar"  # in one message of 100


def make_raw(rng: random.Random, n: int) -> bytes:
    lines = [" ".join(rng.choices(WORDS, k=rng.randint(5, 14))) for _ in range(rng.randint(3, 60))]
    if n % 100 == 0:
        lines.insert(rng.randrange(len(lines)), f"the {NEEDLE} figures")
    body = "\r\n".join(lines)
    return (
        f"From: Sender {n % 37} <sender{n % 37}@bench.example>\r\nTo: bench@bench.example\r\n"
        f"Subject: {rng.choice(WORDS)} {n}\r\nDate: Mon, 02 Jun 2025 10:00:00 +0000\r\n"
        f"Message-ID: <m{n}@bench.example>\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"\r\n{body}\r\n"
    ).encode()


def seed(local_part: str, raws: list[bytes], *, encrypted: bool) -> Account:
    settings.MAIL_ENCRYPTION = "new" if encrypted else "off"
    domain = account_services.domain_get(name="bench.example")
    account = account_services.account_create(
        domain=domain, local_part=local_part, password=PASSWORD, acting_user=None, quota_bytes=None
    )
    inbox = Mailbox.objects.get(account=account, name="INBOX")
    sealer = sealer_for(account.pk)
    for start in range(0, len(raws), 2000):
        chunk = raws[start : start + 2000]
        fields = [content_fields(raw) for raw in chunk]
        sealed = [sealer.seal(r, f) for r, f in zip(chunk, fields, strict=True)] if sealer else []
        keys = blobs.blobs_write(
            account_id=account.pk,
            contents=[s.blob for s in sealed] if sealed else chunk,
            durable=False,
        )
        messages_import(
            mailbox=inbox,
            stored=[
                StoredMessage(
                    blob_key=key,
                    fields=sealed[i].fields if sealed else fields[i],
                    seal=sealed[i].seal if sealed else None,
                )
                for i, key in enumerate(keys)
            ],
        )
    return account


# -- the work of the daemon's ORM threads, through the store ------------------------------


def store_fetch(account: Account, keyring: Keyring | None) -> int:
    inbox = Mailbox.objects.get(account=account, name="INBOX")
    uids = list(range(1, inbox.uidnext))
    out = 0
    for start in range(0, len(uids), 2000):
        chunk = UidSet.span(uids[start], uids[min(start + 1999, len(uids) - 1)])
        for seq, row in enumerate(
            selectors.messages_fetch(mailbox_id=inbox.pk, uids=chunk, keyring=keyring), start
        ):
            raw = selectors.message_bytes_of(account_id=account.pk, row=row, keyring=keyring)
            line = b"* %d FETCH (UID %d BODY[] {%d}\r\n%s)\r\n" % (seq + 1, row.uid, len(raw), raw)
            out += len(line)
    return out


def store_search_body(account: Account, keyring: Keyring | None) -> int:
    inbox = Mailbox.objects.get(account=account, name="INBOX")
    found = 0
    for start in range(1, inbox.uidnext, 1000):
        rows = selectors.messages_fetch(
            mailbox_id=inbox.pk, uids=UidSet.span(start, start + 999), keyring=keyring
        )
        for row in rows:
            raw = selectors.message_bytes_of(account_id=account.pk, row=row, keyring=keyring)
            found += mime.body_contains(raw, NEEDLE)
    return found


# -- the same over IMAP ---------------------------------------------------------------------


class Wire:
    def __init__(self, port: int, user: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buffer = b""
        self.tag = 0
        self._until(b"\r\n")
        self.command(f'LOGIN "{user}" "{PASSWORD}"')
        self.command("SELECT INBOX")

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            self.buffer += self.sock.recv(1 << 20)
        end = self.buffer.index(marker) + len(marker)
        data, self.buffer = self.buffer[:end], self.buffer[end:]
        return data

    def command(self, text: str) -> int:
        self.tag += 1
        tag = b"t%d " % self.tag
        self.sock.sendall(tag + text.encode() + b"\r\n")
        # A CRLF in front, so that a tagged line at the very start is found like any other.
        received = bytearray(b"\r\n")
        while True:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed")
            received += chunk
            at = received.rfind(b"\r\n" + tag, max(0, len(received) - len(chunk) - 1024))
            if at != -1 and received.endswith(b"\r\n"):
                status = bytes(received[at + 2 :]).split(b" ", 2)[1]
                if status != b"OK":
                    raise RuntimeError(bytes(received[at + 2 :]).decode(errors="replace"))
                return len(received)


# perf_counter (wall) or process_time (CPU of this process, the in-process daemon's threads
# included): on a shared machine the CPU clock is not inflated by other people's work.
CLOCK: Callable[[], float] = time.process_time


def timed(work: Callable[[], object], runs: int, *, warm_up: bool = True) -> float:
    if warm_up:
        work()  # page cache, connections
    times = []
    for _ in range(runs):
        started = CLOCK()
        work()
        times.append(CLOCK() - started)
    return statistics.median(times)


def compared(
    plain: Callable[[], object], encrypted: Callable[[], object], runs: int
) -> tuple[float, float]:
    """Medians of the two, run alternately so that a busy machine slows both alike."""
    plain()
    encrypted()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for work, bucket in ((plain, times[0]), (encrypted, times[1])):
            started = CLOCK()
            work()
            bucket.append(CLOCK() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def fresh(account: Account) -> Keyring:
    """A new login's keyring (no message key opened yet)."""
    keyring = keyring_unlock(account=account, password=PASSWORD)
    assert keyring
    return keyring


def with_new_login(
    work: Callable[[Account, Keyring | None], int], account: Account, rings: list[Keyring]
) -> int:
    return work(account, rings.pop())


def settle(account: Account, keyring: Keyring) -> None:
    while not keys_maintenance_step(account_id=account.pk, keyring=keyring, batch=2000).done:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--via", choices=("store", "imap"), default="store")
    parser.add_argument(
        "--clock", choices=("cpu", "wall"), default="cpu", help="what is timed (default cpu)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    try:
        run(args)
    finally:
        if not args.keep:
            shutil.rmtree(_DATA, ignore_errors=True)


def run(args: argparse.Namespace) -> None:
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter

    call_command("migrate", verbosity=0)
    account_services.domain_create(name="bench.example", acting_user=None)
    rng = random.Random(1)
    raws = [make_raw(rng, n) for n in range(args.messages)]
    started = time.perf_counter()
    plain = seed("plain", raws, encrypted=False)
    encrypted = seed("sealed", raws, encrypted=True)
    print(f"seeded 2 x {args.messages} messages in {time.perf_counter() - started:.1f} s "
          f"({sum(map(len, raws)) / 1e6:.1f} MB each), data in {_DATA}")  # fmt: skip
    keyring = keyring_unlock(account=encrypted, password=PASSWORD)
    assert keyring, "the encrypted account's keys did not open"

    results: dict[str, float] = {}
    if args.via == "store":
        works: tuple[tuple[str, Callable[[Account, Keyring | None], int]], ...] = (
            ("FETCH", store_fetch),
            ("SEARCH BODY", store_search_body),
        )
        for name, work in works:
            # Cold: each run with a new login's keyring (made untimed; reading leaves the wraps).
            rings = [fresh(encrypted) for _ in range(args.runs + 1)]
            plain_s, cold_s = compared(
                partial(work, plain, None),
                partial(with_new_login, work, encrypted, rings),
                args.runs,
            )
            results[f"{name} plain"] = plain_s
            results[f"{name} encrypted, cold"] = cold_s
        settle(encrypted, keyring)
        for name, work in works:
            plain_s, settled_s = compared(
                partial(work, plain, None), partial(work, encrypted, keyring), args.runs
            )
            results[f"{name} plain, again"] = plain_s
            results[f"{name} encrypted, settled"] = settled_s
        counts = (store_search_body(plain, None), store_search_body(encrypted, keyring))
        assert counts[0] == counts[1], counts
    else:
        results.update(imap_results(plain, encrypted, keyring, args.runs))

    print(f"\n{'operation':34} {'median s':>9}  ({args.clock} time)")
    for name, seconds in results.items():
        print(f"{name:34} {seconds:9.3f}")
    print()
    for operation in ("FETCH", "SEARCH BODY"):
        for state in ("cold", "settled"):
            key = f"{operation} encrypted, {state}"
            if key in results:
                # Against the plain runs timed alongside (see `compared`) where there are some.
                alongside = f"{operation} plain" if state == "cold" else ""
                baseline = results.get(alongside) or results[f"{operation} plain, again"]
                ratio = baseline / results[key]
                verdict = "meets" if ratio >= 0.7 else "misses"
                print(f"{operation} {state}: encrypted runs at {ratio:.2f}x of plain "
                      f"({verdict} the 0.7x aim)")  # fmt: skip


def imap_results(
    plain: Account, encrypted: Account, keyring: Keyring, runs: int
) -> dict[str, float]:
    from imapd.daemon import DaemonOptions, DaemonThread

    daemon = DaemonThread(
        DaemonOptions(
            host="127.0.0.1",
            imap_port=None,
            imaps_port=None,
            imap_unix_socket="",
            lmtp_port=0,
            lmtp_unix_socket="",
            submission_port=0,
            submissions_port=0,
            smtp_port=0,
        )
    ).start()
    try:
        port = daemon.port("imap")
        fetch = "UID FETCH 1:* (UID BODY.PEEK[])"
        search = f"UID SEARCH BODY {NEEDLE}"
        results: dict[str, float] = {}
        plain_wire = Wire(port, plain.address)
        # The first FETCH after the account's first login: its keys still as delivery made them
        # (the session starts settling them in the background at login, racing this FETCH).
        plain_wire.command(fetch)
        cold = Wire(port, encrypted.address)
        results["FETCH encrypted, cold"] = timed(partial(cold.command, fetch), 1, warm_up=False)
        settle(encrypted, keyring)
        wire = Wire(port, encrypted.address)
        for name, command in (("FETCH", fetch), ("SEARCH BODY", search)):
            plain_s, settled_s = compared(
                partial(plain_wire.command, command), partial(wire.command, command), runs
            )
            results[f"{name} plain, again"] = plain_s
            results[f"{name} encrypted, settled"] = settled_s
        return results
    finally:
        daemon.stop()


if __name__ == "__main__":
    main()
