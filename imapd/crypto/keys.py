"""Account key pairs and the two ways a private key is kept at rest.

An account's key pair is X25519: mail is stored with the public key alone, so delivery never
needs the password. The private key is never stored in clear:
- wrapped by a key derived from the account's password (Argon2id or scrypt; the function, its
  parameters and salt are stored with the wrap) with AES-256-GCM, the pair's public key bound in
  as associated data so that a wrap cannot be moved to another pair;
- and, when the operator configured a recovery public key, sealed to it with HPKE (RFC 9180,
  DHKEM(X25519) + HKDF-SHA256 + AES-256-GCM), the account's public key bound in as `info`.
All primitives are the `cryptography` package's; nothing here invents one.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeAlias

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings

ALGORITHM: Final = "x25519"
HPKE_SUITE: Final = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_PRIVATE_AAD: Final = b"mailplatform private key v1:"
_RECOVERY_INFO: Final = b"mailplatform recovery v1:"
_STORAGE_INFO: Final = b"mailplatform storage key v1:"
_NONCE: Final = 12
_SCRYPT_R: Final = 8

# The operator's recovery private key, loaded for `recover_account_key` and never stored.
RecoveryKey: TypeAlias = X25519PrivateKey


class WrongKey(Exception):
    """A wrapped key did not open: wrong password, wrong recovery key, or altered data."""


# --- password-derived keys -----------------------------------------------------------------


@dataclass(frozen=True)
class Kdf:
    """A password-based key derivation with its parameters, as stored next to a wrap."""

    name: str
    salt: bytes
    memory_kib: int
    iterations: int
    lanes: int

    @classmethod
    def from_settings(cls) -> Kdf:
        return cls(
            name=settings.MAIL_KEY_KDF,
            salt=secrets.token_bytes(16),
            memory_kib=settings.MAIL_KEY_KDF_MEMORY_KIB,
            iterations=settings.MAIL_KEY_KDF_ITERATIONS,
            lanes=settings.MAIL_KEY_KDF_LANES,
        )

    @property
    def scrypt_n(self) -> int:
        # 128 * r * n bytes of memory: with r = 8, n is the memory in KiB (a power of two).
        return 1 << max(self.memory_kib.bit_length() - 1, 1)

    def derive(self, password: str) -> bytes:
        secret = password.encode("utf-8")
        if self.name == "argon2id":
            return Argon2id(
                salt=self.salt,
                length=32,
                iterations=self.iterations,
                lanes=self.lanes,
                memory_cost=max(self.memory_kib, 8 * self.lanes),
            ).derive(secret)
        if self.name == "scrypt":
            return Scrypt(
                salt=self.salt, length=32, n=self.scrypt_n, r=_SCRYPT_R, p=self.lanes
            ).derive(secret)
        raise ValueError(f"unknown key derivation {self.name!r}")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "salt": base64.b64encode(self.salt).decode("ascii"),
        }
        if self.name == "scrypt":
            data.update(n=self.scrypt_n, r=_SCRYPT_R, p=self.lanes)
        else:
            data.update(memory_kib=self.memory_kib, iterations=self.iterations, lanes=self.lanes)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Kdf:
        salt = base64.b64decode(data["salt"])
        if data["name"] == "scrypt":
            if int(data["r"]) != _SCRYPT_R:
                raise ValueError("unsupported scrypt block size")
            return cls("scrypt", salt, int(data["n"]), 1, int(data["p"]))
        return cls(
            data["name"], salt, int(data["memory_kib"]), int(data["iterations"]), int(data["lanes"])
        )


def private_key_generate() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def public_bytes(key: X25519PrivateKey | X25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, X25519PrivateKey) else key
    return public.public_bytes_raw()


def private_key_wrap(private_key: X25519PrivateKey, wrapping_key: bytes) -> bytes:
    """nonce || AES-256-GCM(private key), bound to the pair's public key."""
    nonce = os.urandom(_NONCE)
    aad = _PRIVATE_AAD + public_bytes(private_key)
    return nonce + AESGCM(wrapping_key).encrypt(nonce, private_key.private_bytes_raw(), aad)


def private_key_unwrap(wrapped: bytes, wrapping_key: bytes, public_key: bytes) -> X25519PrivateKey:
    try:
        raw = AESGCM(wrapping_key).decrypt(
            wrapped[:_NONCE], wrapped[_NONCE:], _PRIVATE_AAD + public_key
        )
    except InvalidTag:
        raise WrongKey("The private key does not open with this password.") from None
    private_key = X25519PrivateKey.from_private_bytes(raw)
    if public_bytes(private_key) != public_key:
        raise WrongKey("The private key does not match its public key.")
    return private_key


def storage_key(private_key: X25519PrivateKey) -> bytes:
    """A symmetric key only the private key's holder can derive (see envelope's fast wrap)."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=_STORAGE_INFO + public_bytes(private_key),
    ).derive(private_key.private_bytes_raw())


# --- recovery ------------------------------------------------------------------------------


def key_id(public_key: X25519PublicKey | bytes) -> str:
    """A short fingerprint naming a public key (recovery keys in status output)."""
    raw = public_key if isinstance(public_key, bytes) else public_bytes(public_key)
    return hashlib.sha256(raw).hexdigest()[:16]


def recovery_seal(private_key: X25519PrivateKey, recovery_public: X25519PublicKey) -> bytes:
    return HPKE_SUITE.encrypt(
        private_key.private_bytes_raw(),
        recovery_public,
        info=_RECOVERY_INFO + public_bytes(private_key),
    )


def recovery_open(
    sealed: bytes, recovery_private: X25519PrivateKey, public_key: bytes
) -> X25519PrivateKey:
    try:
        raw = HPKE_SUITE.decrypt(sealed, recovery_private, info=_RECOVERY_INFO + public_key)
    except (InvalidTag, ValueError):
        raise WrongKey("The recovery key does not open this account's key.") from None
    private_key = X25519PrivateKey.from_private_bytes(raw)
    if public_bytes(private_key) != public_key:
        raise WrongKey("The recovered key does not match its public key.")
    return private_key


def recovery_public_key() -> X25519PublicKey | None:
    """The configured recovery public key, or None when RECOVERY_PUBLIC_KEY_FILE is empty."""
    configured = settings.RECOVERY_PUBLIC_KEY_FILE
    if not configured:
        return None
    path = Path(configured)
    if not path.is_absolute():
        path = Path(settings.BASE_DIR) / path
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, X25519PublicKey):
        raise ValueError(f"{path} does not hold an X25519 public key")
    return key


def recovery_private_key_load(data: bytes, passphrase: bytes | None = None) -> X25519PrivateKey:
    """The operator's recovery private key from PEM (e.g. `openssl genpkey -algorithm X25519`)."""
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except (ValueError, TypeError) as error:
        raise WrongKey(f"Not a readable private key: {error}") from None
    if not isinstance(key, X25519PrivateKey):
        raise WrongKey("The recovery key must be an X25519 private key.")
    return key
