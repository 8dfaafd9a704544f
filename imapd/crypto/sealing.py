"""What the message store calls to encrypt on write and decrypt on read.

On write (`imapd.store.services.messages`): `sealer_for(account_id)` says whether the account
is encrypted; its `seal` turns a message and its analysis into an encrypted blob and sealed
content fields, with a fresh content key wrapped to the account's current public key. Inside
the store transaction, once the account's store row is locked, `seals_under_lock` checks that
the pair is still the current one (a rotation or a reset may have replaced it meanwhile) and
wraps the content key again if not: the content key is still in memory, so mail delivered
during a rotation is never lost.

On read (`imapd.store.selectors`, `imapd.store.search`): the rows of encrypted contents are
opened with the session's `Keyring`.

What an encrypted content keeps in clear: its size, its internal date and the Date: header's
instant and day (sorting, SENTON/SINCE/BEFORE), its flags, keywords, UIDs and modseqs, its
random EMAILID, the mailbox it is in and the mailbox names; see imapd.crypto.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Final

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from django.db import transaction
from django.utils import timezone

from imapd.crypto import envelope
from imapd.crypto.keyring import Keyring, KeyUnavailable
from imapd.crypto.keys import WrongKey
from imapd.crypto.models import AccountEncryption, AccountKeyPair, KeyPairState
from imapd.store.dto import FetchRow
from imapd.store.summary import ContentFields, search_text
from mailplatform.errors import TemporaryFailure

log = logging.getLogger(__name__)

ENVELOPE: Final = "envelope"
STRUCTURE: Final = "structure"
HEADER_FIELDS: Final = "header_fields"
# Search text fields (imapd.store.search.TextField) -> their key in the header fields JSON.
SEARCH_KEYS: Final[Mapping[str, str]] = {
    "subject": "subject",
    "from": "from_",
    "to": "to",
    "cc": "cc",
    "bcc": "bcc",
}


@dataclass(frozen=True, slots=True)
class ContentSeal:
    """How a stored content's key is wrapped, and the key itself while the append runs."""

    pair_id: int
    sealed_key: bytes
    content_key: bytes

    def __repr__(self) -> str:  # never print key material
        return f"ContentSeal(pair_id={self.pair_id})"


@dataclass(frozen=True, slots=True)
class SealedMessage:
    blob: bytes
    fields: ContentFields
    seal: ContentSeal


def fields_seal(fields: ContentFields, cipher: envelope.ContentCipher) -> ContentFields:
    """The columns of an encrypted content: the JSON texts sealed, the searchable and
    identifying header texts left empty (SEARCH decrypts the header fields instead)."""
    return replace(
        fields,
        message_id="",
        subject_search="",
        from_search="",
        to_search="",
        cc_search="",
        bcc_search="",
        envelope=cipher.seal_text(fields.envelope, ENVELOPE),
        structure=cipher.seal_text(fields.structure, STRUCTURE),
        header_fields=cipher.seal_text(fields.header_fields, HEADER_FIELDS),
    )


@dataclass(frozen=True, slots=True)
class Sealer:
    """Encrypts messages for one account's current public key."""

    pair_id: int
    public_key: X25519PublicKey

    def seal(self, raw: bytes, fields: ContentFields) -> SealedMessage:
        cipher, seal = self.begin()
        return SealedMessage(
            blob=cipher.seal_blob(raw), fields=fields_seal(fields, cipher), seal=seal
        )

    def begin(self) -> tuple[envelope.ContentCipher, ContentSeal]:
        """A fresh content key: its cipher (for the blob, then `fields_seal`) and its seal."""
        content_key = envelope.content_key_new()
        return envelope.ContentCipher(content_key), ContentSeal(
            pair_id=self.pair_id,
            sealed_key=envelope.content_key_seal(content_key, self.public_key),
            content_key=content_key,
        )


CurrentPair = tuple[int, bytes]  # the current key pair's id and public key


def _current_pair(account_id: int) -> CurrentPair | None:
    row = (
        AccountKeyPair.objects.filter(account_id=account_id, state=KeyPairState.CURRENT)
        .values_list("pk", "public_key")
        .first()
    )
    return None if row is None else (row[0], bytes(row[1]))


def sealer_of(current: CurrentPair | None) -> Sealer | None:
    """The sealer for an account whose current key pair is `current` (None: in clear)."""
    if current is None:
        return None
    return Sealer(current[0], X25519PublicKey.from_public_bytes(current[1]))


def sealer_for(account_id: int) -> Sealer | None:
    """The sealer of an encrypted account (one with a current key pair), else None."""
    return sealer_of(_current_pair(account_id))


def seals_under_lock(
    account_id: int, seals: Iterable[ContentSeal | None]
) -> list[ContentSeal | None]:
    """Run with the account's store row locked: each seal wrapped to the pair current now."""
    return seals_for_pair(account_id, seals, _current_pair(account_id))


def seals_for_pair(
    account_id: int, seals: Iterable[ContentSeal | None], current: CurrentPair | None
) -> list[ContentSeal | None]:
    """Each seal wrapped to `current`, the pair read with the account's store row locked (a
    rotation or a reset may have replaced the one a content was sealed to meanwhile).

    A content prepared in clear while the account was being switched on stays in clear here;
    the account's encryption job is asked (after commit) to pick it up.
    """
    seals = list(seals)
    if current is None:
        if any(seals):
            raise TemporaryFailure("The account's encryption keys are being changed; try again.")
        return seals
    if not all(seals):
        AccountEncryption.objects.filter(
            account_id=account_id, encrypting_since__isnull=True
        ).update(encrypting_since=timezone.now())
        transaction.on_commit(lambda: encryption_job_wake(account_id))
    pair_id, public = current
    public_key: X25519PublicKey | None = None
    result: list[ContentSeal | None] = []
    for seal in seals:
        if seal is not None and seal.pair_id != pair_id:
            public_key = public_key or X25519PublicKey.from_public_bytes(public)
            seal = ContentSeal(
                pair_id=pair_id,
                sealed_key=envelope.content_key_seal(seal.content_key, public_key),
                content_key=seal.content_key,
            )
        result.append(seal)
    return result


def encryption_job_wake(account_id: int) -> None:
    """Queue the job that encrypts an account's mail still in clear (imapd.crypto.tasks)."""
    from imapd.crypto.tasks import encrypt_account  # the Celery app loads late

    try:
        encrypt_account.delay(account_id)
    except Exception:  # a broker outage must not fail a delivery; the periodic sweep catches up
        log.warning("could not queue the encryption of account %s", account_id, exc_info=True)


# --- reading -------------------------------------------------------------------------------


def _unopenable() -> KeyUnavailable:
    # A key or ciphertext that does not open (altered, or the wrong pair) is refused like a
    # missing key, never answered with garbage. (try/except rather than a context manager:
    # this runs once per message of a FETCH.)
    return KeyUnavailable("This message does not open with the account's key.")


def cipher_of(
    keyring: Keyring | None, key_pair_id: int, sealed_key: bytes | memoryview | None
) -> envelope.ContentCipher:
    if sealed_key is None:
        raise KeyUnavailable("An encrypted message has lost its wrapped key.")
    if keyring is None:
        raise KeyUnavailable()
    try:
        return keyring.cipher(key_pair_id, sealed_key)
    except WrongKey:
        raise _unopenable() from None


def fetch_rows_open(rows: list[FetchRow], keyring: Keyring | None) -> list[FetchRow]:
    """Rows with their envelope and structure (those asked for) decrypted; the rest as is."""
    opened: list[FetchRow] = []
    for row in rows:
        if row.key_pair_id is not None and (row.envelope is not None or row.structure is not None):
            cipher = cipher_of(keyring, row.key_pair_id, row.sealed_key)
            try:
                row = row._replace(
                    envelope=(
                        None if row.envelope is None else cipher.open_text(row.envelope, ENVELOPE)
                    ),
                    structure=(
                        None
                        if row.structure is None
                        else cipher.open_text(row.structure, STRUCTURE)
                    ),
                )
            except WrongKey:
                raise _unopenable() from None
        opened.append(row)
    return opened


def blob_open(
    data: bytes,
    *,
    key_pair_id: int | None,
    sealed_key: bytes | memoryview | None,
    keyring: Keyring | None,
) -> bytes:
    """A message's bytes as read from its blob: decrypted when its content is encrypted.

    Called without a key pair (a reader that does not know the content row), an encrypted
    blob is refused rather than handed out as if it were the message.
    """
    if key_pair_id is None:
        if envelope.is_sealed_blob(data):
            raise KeyUnavailable()
        return data
    cipher = cipher_of(keyring, key_pair_id, sealed_key)
    try:
        return cipher.open_blob(data)
    except WrongKey:
        raise _unopenable() from None


def summary_texts_open(
    *,
    key_pair_id: int,
    sealed_key: bytes | memoryview | None,
    keyring: Keyring | None,
    envelope_text: str,
    structure: str,
    header_fields: str,
) -> tuple[str, str, str]:
    cipher = cipher_of(keyring, key_pair_id, sealed_key)
    try:
        return (
            cipher.open_text(envelope_text, ENVELOPE),
            cipher.open_text(structure, STRUCTURE),
            cipher.open_text(header_fields, HEADER_FIELDS),
        )
    except WrongKey:
        raise _unopenable() from None


def search_texts_open(
    *,
    key_pair_id: int,
    sealed_key: bytes | memoryview | None,
    header_fields: str,
    keyring: Keyring | None,
) -> dict[str, str]:
    """The casefolded texts SEARCH FROM/TO/CC/BCC/SUBJECT look in, as the *_search columns of
    a content in clear hold them (`imapd.store.summary.search_text`)."""
    cipher = cipher_of(keyring, key_pair_id, sealed_key)
    try:
        data = json.loads(cipher.open_text(header_fields, HEADER_FIELDS))
    except WrongKey:
        raise _unopenable() from None
    return {name: search_text(data.get(key)) for name, key in SEARCH_KEYS.items()}
