"""What a token is made of: its name, secret, prefix, and the URL Delta Chat is given.

Secrets are `secrets.token_urlsafe(24)` (192 bits): they reveal nothing (mailadm's began with
the expiry) and need no escaping in a URL or a QR code.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from django.conf import settings

from accounts.addresses import normalize_local_part
from mailplatform.errors import ValidationFailed

if TYPE_CHECKING:
    from provisioning.models import Token

SECRET_BYTES: Final = 24
# What an admin-chosen secret must at least look like: 22 URL-safe characters hold 128 bits.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{22,128}$")
_NAME_FORBIDDEN: Final = frozenset("/#?%")
# Lower case (local parts are stored lower case) without look-alikes: no 0/o, 1/l/i.
LOCAL_PART_ALPHABET: Final = "abcdefghjkmnpqrstuvwxyz23456789"


def validate_token_name(name: str) -> str:
    text = name.strip()
    if (
        not text
        or len(text) > 100
        or text.startswith(".")
        or any(c in _NAME_FORBIDDEN or not c.isprintable() or c.isspace() for c in text)
    ):
        raise ValidationFailed(
            f"{name!r} is not a token name: 1 to 100 printable characters without spaces "
            "or / # ? %, not starting with a dot.",
            field="name",
        )
    return text


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def validate_secret(secret: str) -> str:
    if not _SECRET_RE.match(secret):
        raise ValidationFailed(
            "A token secret must be 22 to 128 characters of A-Z, a-z, 0-9, _ and -.",
            field="secret",
        )
    return secret


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secrets_match(stored: str, presented: str) -> bool:
    return hmac.compare_digest(stored.encode(), presented.encode())


def validate_prefix(prefix: str) -> str:
    """A prefix is empty or the start of a valid local part (`tmp.`, `guest-`)."""
    text = prefix.strip().lower()
    if text:
        normalize_local_part(text + "x", field="prefix")
        if len(text) > 32:
            raise ValidationFailed("A prefix has at most 32 characters.", field="prefix")
    return text


def random_local_part(prefix: str) -> str:
    length = settings.PROVISIONING_LOCALPART_LENGTH
    return prefix + "".join(secrets.choice(LOCAL_PART_ALPHABET) for _ in range(length))


def token_url(token: Token) -> str:
    """The URL Delta Chat POSTs to (mailadm's `?t=<secret>&n=<name>`)."""
    query = f"t={quote(token.secret, safe='')}&n={quote(token.name, safe='')}"
    return f"{settings.PROVISIONING_WEB_ENDPOINT}?{query}"


def dcaccount_text(token: Token) -> str:
    """What the QR code holds: Delta Chat's account-creation scheme."""
    return f"DCACCOUNT:{token_url(token)}"
