"""The building blocks: content keys in both wrapped forms, password and recovery wraps."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from imapd.crypto import envelope
from imapd.crypto.keyring import Keyring, KeyUnavailable, UnlockedPair
from imapd.crypto.keys import (
    Kdf,
    WrongKey,
    private_key_unwrap,
    private_key_wrap,
    public_bytes,
    recovery_open,
    recovery_seal,
    storage_key,
)
from imapd.crypto.sealing import ContentSeal

KDF = Kdf(name="argon2id", salt=b"s" * 16, memory_kib=64, iterations=1, lanes=1)


def _pair(private: X25519PrivateKey) -> UnlockedPair:
    return UnlockedPair.of(pair_id=1, account_id=1, private_key=private)


def test_a_content_key_sealed_to_a_public_key_opens_only_with_its_private_key():
    mine, other = _pair(X25519PrivateKey.generate()), _pair(X25519PrivateKey.generate())
    content_key = envelope.content_key_new()
    sealed = envelope.content_key_seal(content_key, mine.private_key.public_key())
    assert sealed[0] == envelope.HPKE_FORM
    assert mine.content_key(sealed) == content_key
    with pytest.raises(WrongKey):
        other.content_key(sealed)


def test_the_storage_form_needs_the_private_keys_storage_key():
    mine, other = _pair(X25519PrivateKey.generate()), _pair(X25519PrivateKey.generate())
    content_key = envelope.content_key_new()
    stored = mine.content_key_store(content_key)
    assert stored[0] == envelope.STORAGE_FORM
    assert len(stored) == 1 + 12 + 32 + 16
    assert mine.content_key(stored) == content_key
    with pytest.raises(WrongKey):
        other.content_key(stored)
    with pytest.raises(WrongKey):
        mine.content_key(b"\x09" + stored[1:])
    # The storage key is the private key's alone: another derivation does not give it.
    assert storage_key(mine.private_key) != storage_key(other.private_key)


def test_sealed_texts_cannot_be_moved_to_another_column_or_message():
    cipher = envelope.ContentCipher(envelope.content_key_new())
    token = cipher.seal_text('{"subject": "x"}', "envelope")
    assert cipher.open_text(token, "envelope") == '{"subject": "x"}'
    with pytest.raises(WrongKey):
        cipher.open_text(token, "structure")
    with pytest.raises(WrongKey):
        envelope.ContentCipher(envelope.content_key_new()).open_text(token, "envelope")


def test_a_private_key_opens_only_with_its_password_and_for_its_own_public_key():
    private = X25519PrivateKey.generate()
    wrapped = private_key_wrap(private, KDF.derive("right"))
    opened = private_key_unwrap(wrapped, KDF.derive("right"), public_bytes(private))
    assert public_bytes(opened) == public_bytes(private)
    with pytest.raises(WrongKey):
        private_key_unwrap(wrapped, KDF.derive("wrong"), public_bytes(private))
    with pytest.raises(WrongKey):  # bound to its pair: no swapping wraps between pairs
        private_key_unwrap(wrapped, KDF.derive("right"), public_bytes(X25519PrivateKey.generate()))


def test_the_recovery_wrap_opens_with_the_recovery_private_key_only():
    private, recovery = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    sealed = recovery_seal(private, recovery.public_key())
    assert public_bytes(recovery_open(sealed, recovery, public_bytes(private))) == public_bytes(
        private
    )
    with pytest.raises(WrongKey):
        recovery_open(sealed, X25519PrivateKey.generate(), public_bytes(private))


def test_keyrings_refuse_unknown_pairs_and_never_print_keys():
    private = X25519PrivateKey.generate()
    pair = UnlockedPair.of(pair_id=7, account_id=1, private_key=private)
    ring = Keyring.of([pair])
    content_key = envelope.content_key_new()
    assert ring.content_key(7, envelope.content_key_seal(content_key, private.public_key())) == (
        content_key
    )
    with pytest.raises(KeyUnavailable):
        ring.content_key(8, b"\x01" + bytes(80))
    assert repr(ring) == "Keyring(pairs=[7])"
    assert repr(pair) == "UnlockedPair(pair_id=7, account_id=1)"
    seal = ContentSeal(pair_id=7, sealed_key=b"w", content_key=content_key)
    assert content_key.hex() not in repr(seal)
    assert "content_key" not in repr(seal)
    ring.forget()
    assert not ring
