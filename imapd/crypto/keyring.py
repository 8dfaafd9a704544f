"""The private keys a session unwrapped at login, kept in memory for that session only.

`accounts.login.login_attempt(..., unlock_keys=True)` returns one in `LoginOutcome.keyring`;
the IMAP session hands it to every store read (`keyring=` of the selectors and of SEARCH),
which need it only for contents whose `key_pair` is set. Nothing here touches the database,
and nothing here is ever written anywhere: when the session ends, the keys are gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from imapd.crypto import envelope
from imapd.crypto.keys import public_bytes, storage_key
from mailplatform.errors import NotPermitted

# Opened HPKE-form keys kept per keyring, so that FETCH (ENVELOPE BODY[]) opens each once; the
# storage form is cheaper to open again than to look up.
_CACHE_LIMIT = 4096


class KeyUnavailable(NotPermitted):
    """Encrypted mail asked for without its account's private key (RFC 5530 UNAVAILABLE)."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(
            reason
            or "This mail is encrypted; its key opens only with the account's password "
            "(log in with it, or an operator recovers the key after a password reset).",
            code="UNAVAILABLE",
        )


@dataclass(frozen=True, slots=True)
class UnlockedPair:
    """One key pair's private key, opened."""

    pair_id: int
    account_id: int
    private_key: X25519PrivateKey = field(repr=False)
    storage: AESGCM = field(repr=False)
    public_key: bytes = field(repr=False)

    @classmethod
    def of(cls, *, pair_id: int, account_id: int, private_key: X25519PrivateKey) -> UnlockedPair:
        return cls(
            pair_id=pair_id,
            account_id=account_id,
            private_key=private_key,
            storage=envelope.storage_cipher(storage_key(private_key)),
            public_key=public_bytes(private_key),
        )

    def content_key(self, sealed: bytes) -> bytes:
        return envelope.content_key_open(sealed, self.private_key, self.storage, self.public_key)

    def content_key_store(self, content_key: bytes) -> bytes:
        return envelope.content_key_store(content_key, self.storage, self.public_key)


@dataclass(slots=True)
class Keyring:
    """Unlocked key pairs by id (those of one account, for an IMAP session)."""

    pairs: dict[int, UnlockedPair] = field(default_factory=dict)
    _opened: dict[bytes, bytes] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, pairs: Iterable[UnlockedPair]) -> Keyring:
        return cls({pair.pair_id: pair for pair in pairs})

    def __bool__(self) -> bool:
        return bool(self.pairs)

    def __repr__(self) -> str:  # never print key material
        return f"Keyring(pairs={sorted(self.pairs)})"

    def add(self, pair: UnlockedPair) -> None:
        self.pairs[pair.pair_id] = pair

    def pair(self, pair_id: int) -> UnlockedPair | None:
        return self.pairs.get(pair_id)

    @property
    def account_ids(self) -> frozenset[int]:
        return frozenset(pair.account_id for pair in self.pairs.values())

    def content_key(self, pair_id: int, sealed: bytes | memoryview) -> bytes:
        """The content key wrapped in `sealed` to pair `pair_id`; KeyUnavailable without it."""
        pair = self.pairs.get(pair_id)
        if pair is None:
            raise KeyUnavailable()
        if sealed[0] == envelope.STORAGE_FORM:  # cheaper to open again than to remember
            return pair.content_key(bytes(sealed))
        sealed = bytes(sealed)
        key = self._opened.get(sealed)
        if key is None:
            key = pair.content_key(sealed)
            if len(self._opened) >= _CACHE_LIMIT:
                self._opened.clear()
            self._opened[sealed] = key
        return key

    def cipher(self, pair_id: int, sealed: bytes | memoryview) -> envelope.ContentCipher:
        return envelope.ContentCipher(self.content_key(pair_id, sealed))

    def forget(self) -> None:
        """Drop every key (the session ended)."""
        self.pairs.clear()
        self._opened.clear()
