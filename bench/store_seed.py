"""Create an account with one large mailbox for the store and IMAP benchmarks.

    .venv/bin/python manage.py migrate
    .venv/bin/python bench/store_seed.py --messages 100000

Messages are small and varied (subjects from a word list, several senders, bodies of different
sizes, \\Seen on most, a few \\Flagged, \\Answered and keywords, internal dates over two years).
A pool of distinct messages is analysed once by `imapd.mime`; every stored message still gets
its own blob and content row. Blobs are written without a per-file fsync and synced once at the
end, then rows go in through `messages_import` in large batches: the real write path, minus
the per-message durability a benchmark fixture does not need.

The account gets no password unless BENCH_PASSWORD is set in the environment.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailplatform.settings")

import django

django.setup()

from accounts import services as account_services  # noqa: E402
from accounts.models import Account, Domain  # noqa: E402
from imapd.models import Mailbox  # noqa: E402
from imapd.store import blobs, names  # noqa: E402
from imapd.store.services import StoredMessage, mailbox_create, messages_import  # noqa: E402
from imapd.store.summary import ContentFields, content_fields  # noqa: E402

WORDS = (
    "invoice", "meeting", "report", "budget", "travel", "project", "release", "update",
    "weekly", "review", "lunch", "contract", "offer", "holiday", "photos", "question",
    "answer", "urgent", "reminder", "agenda", "draft", "notes", "quarterly", "planning",
    "launch", "feedback", "survey", "schedule", "delivery", "order", "receipt", "support",
)  # fmt: skip
SENDERS = [
    f"{first.title()} {last.title()} <{first}.{last}@{domain}>"
    for first in ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
    for last in ("smith", "jones", "martin")
    for domain in ("example.com", "example.net")
]
POOL_SIZE = 2000


def make_raw(rng: random.Random, n: int) -> bytes:
    subject = " ".join(rng.sample(WORDS, rng.randint(2, 6))).capitalize() + f" #{n}"
    sender = rng.choice(SENDERS)
    sent = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 1_000_000))
    body = "\r\n".join(
        " ".join(rng.choices(WORDS, k=rng.randint(5, 14))) for _ in range(rng.randint(3, 60))
    )
    return (
        f"From: {sender}\r\nTo: Bench <bench@bench.example>\r\nSubject: {subject}\r\n"
        f"Date: {sent:%a, %d %b %Y %H:%M:%S +0000}\r\nMessage-ID: <seed-{n}@bench.example>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def flags_for(rng: random.Random) -> tuple[str, ...]:
    flags = []
    if rng.random() < 0.7:
        flags.append("\\Seen")
    if rng.random() < 0.05:
        flags.append("\\Flagged")
    if rng.random() < 0.1:
        flags.append("\\Answered")
    if rng.random() < 0.03:
        flags.append("$Label1")
    return tuple(flags)


def bench_account(address: str, replace: bool) -> Account:
    local, domain_name = address.split("@")
    domain = Domain.objects.filter(name=domain_name).first() or account_services.domain_create(
        name=domain_name, acting_user=None
    )
    existing = Account.objects.filter(domain=domain, local_part=local).first()
    if existing is not None:
        if not replace:
            sys.exit(f"{address} exists; pass --replace to recreate it")
        account_services.account_delete(account=existing, acting_user=None)
    return account_services.account_create(
        domain=domain,
        local_part=local,
        password=os.environ.get("BENCH_PASSWORD") or None,
        acting_user=None,
        quota_bytes=None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--address", default="bench@bench.example")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--mailbox", default=names.INBOX)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replace", action="store_true", help="recreate an existing account")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    started = time.perf_counter()
    account = bench_account(args.address, args.replace)
    mailbox = Mailbox.objects.filter(account=account, name=args.mailbox).first() or (
        mailbox_create(account=account, name=args.mailbox)
    )
    pool_raw = [make_raw(rng, n) for n in range(min(POOL_SIZE, args.messages))]
    pool: list[tuple[bytes, ContentFields]] = [(raw, content_fields(raw)) for raw in pool_raw]
    analysed = time.perf_counter()

    first_date = datetime.now(UTC).replace(microsecond=0) - timedelta(days=730)
    step = timedelta(days=730) / max(args.messages, 1)
    blob_seconds = 0.0
    done = 0
    while done < args.messages:
        count = min(args.batch, args.messages - done)
        chosen = [pool[(done + i) % len(pool)] for i in range(count)]
        t0 = time.perf_counter()
        keys = blobs.blobs_write(
            account_id=account.pk, contents=[raw for raw, _ in chosen], durable=False
        )
        blob_seconds += time.perf_counter() - t0
        messages_import(
            mailbox=mailbox,
            stored=[
                StoredMessage(
                    blob_key=key,
                    fields=fields,
                    flags=flags_for(rng),
                    internal_date=(first_date + step * (done + i)).replace(microsecond=0),
                )
                for i, (key, (_, fields)) in enumerate(zip(keys, chosen, strict=True))
            ],
        )
        done += count
        print(f"\r{done}/{args.messages} messages", end="", flush=True)
    t0 = time.perf_counter()
    os.sync()  # one flush for every blob written above
    blob_seconds += time.perf_counter() - t0
    finished = time.perf_counter()

    mailbox.refresh_from_db()
    print(
        f"\n{account.address} {mailbox.name}: {mailbox.message_count} messages, "
        f"{mailbox.total_size / 1e6:.1f} MB, {mailbox.unseen_count} unseen\n"
        f"took {finished - started:.1f} s (analysis of {len(pool)} distinct messages "
        f"{analysed - started:.1f} s, blobs {blob_seconds:.1f} s, "
        f"rows {finished - analysed - blob_seconds:.1f} s)"
    )


if __name__ == "__main__":
    main()
