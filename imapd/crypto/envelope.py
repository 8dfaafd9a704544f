"""Per-message encryption: a random AES-256-GCM key per message content, wrapped per account.

A content key encrypts the message's blob and the three JSON texts kept for IMAP (envelope,
body structure, header fields), each with its own random nonce and a purpose label as
associated data, so that no ciphertext can be moved to another column or message unnoticed.

The content key itself is kept wrapped in one of two forms (the first octet says which):
- `HPKE`: sealed to the account's public key with HPKE (RFC 9180, DHKEM(X25519), HKDF-SHA256,
  AES-256-GCM). Anyone can make it (delivery, the API, the Celery jobs), only the private key
  opens it, at the cost of one X25519 exchange (about 0.1 ms).
- `STORAGE`: AES-256-GCM under the pair's storage key, which is derived from the private key
  (the pair's public key bound in as associated data). Only a holder of the private key can
  make it; it opens in microseconds, with one cipher object per pair and session. The
  daemon turns HPKE wraps into these in the background after a login, so that reading a large
  mailbox costs little more than reading it in clear.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from imapd.crypto.keys import HPKE_SUITE, WrongKey

BLOB_MAGIC: Final = b"\x00MPSEAL1"
TEXT_PREFIX: Final = "mps1:"
HPKE_FORM: Final = 1
STORAGE_FORM: Final = 2
_CONTENT_INFO: Final = b"mailplatform content key v1"
_STORED_AAD: Final = b"mailplatform stored content key v1"
_BLOB_AAD: Final = b"mailplatform message v1"
_NONCE: Final = 12


def content_key_new() -> bytes:
    return AESGCM.generate_key(bit_length=256)


class ContentCipher:
    """Encrypts and decrypts one message content's blob and texts with its content key."""

    __slots__ = ("_aead",)

    def __init__(self, content_key: bytes) -> None:
        self._aead = AESGCM(content_key)

    def seal_blob(self, raw: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return BLOB_MAGIC + nonce + self._aead.encrypt(nonce, raw, _BLOB_AAD)

    def open_blob(self, data: bytes) -> bytes:
        if not data.startswith(BLOB_MAGIC):
            raise WrongKey("Not an encrypted message blob.")
        start = len(BLOB_MAGIC)
        view = memoryview(data)  # no copy of a message that may be megabytes long
        try:
            return self._aead.decrypt(
                view[start : start + _NONCE], view[start + _NONCE :], _BLOB_AAD
            )
        except InvalidTag:
            raise WrongKey("The message blob does not open with its key.") from None

    def seal_text(self, text: str, purpose: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._aead.encrypt(nonce, text.encode("utf-8"), purpose.encode())
        return TEXT_PREFIX + base64.b64encode(sealed).decode("ascii")

    def open_text(self, token: str, purpose: str) -> str:
        try:
            sealed = base64.b64decode(token.removeprefix(TEXT_PREFIX), validate=True)
            return self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], purpose.encode()).decode(
                "utf-8"
            )
        except (InvalidTag, binascii.Error, ValueError):
            raise WrongKey(f"The {purpose} text does not open with its key.") from None


def is_sealed_blob(data: bytes) -> bool:
    return data.startswith(BLOB_MAGIC)


def content_key_seal(content_key: bytes, public_key: X25519PublicKey) -> bytes:
    """The HPKE form: needs only the public key."""
    return bytes((HPKE_FORM,)) + HPKE_SUITE.encrypt(content_key, public_key, info=_CONTENT_INFO)


def storage_cipher(storage_key: bytes) -> AESGCM:
    """The pair's storage cipher: made once per unlocked pair, used for each message key."""
    return AESGCM(storage_key)


def content_key_store(content_key: bytes, storage: AESGCM, public_key: bytes) -> bytes:
    """The STORAGE form: needs the pair's storage key (derived from its private key)."""
    nonce = os.urandom(_NONCE)
    return (
        bytes((STORAGE_FORM,))
        + nonce
        + storage.encrypt(nonce, content_key, _STORED_AAD + public_key)
    )


def content_key_open(
    sealed: bytes, private_key: X25519PrivateKey, storage: AESGCM, public_key: bytes
) -> bytes:
    form = sealed[0] if sealed else 0
    try:
        if form == STORAGE_FORM:
            return storage.decrypt(
                sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :], _STORED_AAD + public_key
            )
        if form == HPKE_FORM:
            return HPKE_SUITE.decrypt(sealed[1:], private_key, info=_CONTENT_INFO)
    except (InvalidTag, ValueError):
        raise WrongKey("The message key does not open with this key pair.") from None
    raise WrongKey("Unknown form of a wrapped message key.")


def is_storage_form(sealed: bytes) -> bool:
    return sealed[:1] == bytes((STORAGE_FORM,))
