"""Fixtures for encryption at rest: fast key derivation, messages full of markers, and the
views of an attacker who has the disk and the database (every blob file, every table row)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.core.cache import cache
from django.db import connection

from accounts import services as account_services
from accounts.login import login_attempt
from accounts.models import Account, Domain
from imapd.crypto.keyring import Keyring
from imapd.models import Mailbox
from imapd.smtp.delivery import Arrival, account_deliver
from imapd.store import selectors
from imapd.store.dto import UidSet
from imapd.store.services.delivery import Delivered

PASSWORD = "enc-secret-pw-1"
NEW_PASSWORD = "enc-secret-pw-2"
# What must never be readable at rest: the sender's name and address, another recipient, the
# subject, the Message-ID and the body (each message adds its number to some of them).
SENDER_NAME = "Zebulon Quixote"
SENDER = "zebulon.quixote@far-away.example"
CC = "cc-person-4411@elsewhere.example"
SUBJECT = "Quarterly Zanzibar Marker"
BODY = "BODYMARKER tangerine armadillo"
MESSAGE_ID = "msgid-marker-9c1e@far-away.example"
MARKERS = (SENDER_NAME, SENDER, CC, SUBJECT, BODY, MESSAGE_ID)


def message(n: int = 0, *, subject: str = SUBJECT, body: str = BODY) -> bytes:
    return (
        f"From: {SENDER_NAME} <{SENDER}>\r\n"
        f"To: alice@example.org\r\nCc: {CC}\r\n"
        f"Subject: {subject} {n}\r\n"
        f"Date: Mon, 02 Jun 2025 10:00:{n % 60:02d} +0200\r\n"
        f"Message-ID: <{n}.{MESSAGE_ID}>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"\r\n{body} number {n}\r\n"
    ).encode()


@pytest.fixture(autouse=True)
def _crypto_settings(settings, tmp_path: Path) -> Iterator[None]:
    """Blobs per test, MAIL_ENCRYPTION=new, a cheap key derivation (the real one costs tens of
    milliseconds a login on purpose), no recovery key unless a test configures one."""
    settings.BLOB_DIR = tmp_path / "blobs"
    settings.MAIL_ENCRYPTION = "new"
    settings.MAIL_KEY_KDF = "argon2id"
    settings.MAIL_KEY_KDF_MEMORY_KIB = 64
    settings.MAIL_KEY_KDF_ITERATIONS = 1
    settings.MAIL_KEY_KDF_LANES = 1
    settings.RECOVERY_PUBLIC_KEY_FILE = ""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def recovery_key(settings, tmp_path: Path) -> X25519PrivateKey:
    """An operator recovery key pair: the public half configured, the private one returned."""
    private = X25519PrivateKey.generate()
    public_file = tmp_path / "recovery-public.pem"
    public_file.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    settings.RECOVERY_PUBLIC_KEY_FILE = str(public_file)
    return private


def private_pem(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture
def alice(domain: Domain) -> Account:
    """An account created while MAIL_ENCRYPTION=new: encrypted from the start."""
    return account_services.account_create(
        domain=domain, local_part="alice", password=PASSWORD, acting_user=None
    )


@pytest.fixture
def plain_bob(domain: Domain, settings) -> Account:
    """An account created with encryption off: its mail is stored in clear."""
    settings.MAIL_ENCRYPTION = "off"
    bob = account_services.account_create(
        domain=domain, local_part="bob", password=PASSWORD, acting_user=None
    )
    settings.MAIL_ENCRYPTION = "new"
    return bob


def deliver(account: Account, raw: bytes, mailbox: str = "INBOX") -> Delivered:
    """The one delivery path (LMTP, submission, the LDA and the API append all use it)."""
    return account_deliver(
        account=account,
        raw=raw,
        arrival=Arrival(sender=SENDER, protocol="LMTP", helo="mx.far-away.example"),
        recipient=account.address,
        mailbox=mailbox,
    )


def unlock(account: Account, password: str = PASSWORD) -> Keyring | None:
    """What an IMAP login hands its session (None: failed, or an account without keys)."""
    outcome = login_attempt(
        address=account.address,
        password=password,
        remote_addr="127.0.0.1",
        protocol="test",
        unlock_keys=True,
    )
    assert outcome.ok, "the login itself failed"
    return outcome.keyring


def keys_of(account: Account, password: str = PASSWORD) -> Keyring:
    """The keyring of a login of an account that has keys."""
    keyring = unlock(account, password)
    assert keyring is not None, "the account has no keys"
    return keyring


def read_mailbox(
    account: Account, keyring: Keyring | None, name: str = "INBOX"
) -> list[tuple[bytes, str | None, str | None]]:
    """(bytes, envelope JSON, structure JSON) of every message, in UID order, as FETCH reads."""
    mailbox = Mailbox.objects.get(account=account, name=name)
    rows = selectors.messages_fetch(
        mailbox_id=mailbox.pk, uids=UidSet.all(), envelope=True, structure=True, keyring=keyring
    )
    return [
        (
            selectors.message_bytes_of(account_id=account.pk, row=row, keyring=keyring),
            row.envelope,
            row.structure,
        )
        for row in rows
    ]


def blob_files(account: Account, blob_dir: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in (blob_dir / str(account.pk)).rglob("*") if p.is_file()}


def database_text() -> str:
    """Every value of every row of every table, as one casefolded text (bytes as Latin-1)."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from introspection)
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes | bytearray):
                        parts.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        parts.append(str(value))
    return "\n".join(parts).casefold()


def plaintext_found(haystack: str | bytes, markers: tuple[str, ...] = MARKERS) -> list[str]:
    text = haystack.decode("latin-1") if isinstance(haystack, bytes) else haystack
    folded = text.casefold()
    return [m for m in markers if m.casefold() in folded]
