"""Parsing and validation of domain names, local parts and addresses.

Local parts are a strict subset of RFC 5322's dot-atom: besides being valid in mail, they must
be safe inside IMAP mailbox names (`user/<address>`), so `/`, `%`, `*` are refused, and `+` is
refused because it separates a subaddress tag (`user+tag@domain` delivers to `user`).
"""

from __future__ import annotations

import re

from mailplatform.errors import ValidationFailed

_LOCAL_RE = re.compile(r"^[a-z0-9!#$&'=?^_`{|}~-]+(\.[a-z0-9!#$&'=?^_`{|}~-]+)*$")
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
SUBADDRESS_SEPARATOR = "+"


def normalize_domain(name: str, *, field: str = "name") -> str:
    text = name.strip().rstrip(".").lower()
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationFailed(f"{name!r} is not a valid domain name", field=field) from None
    labels = text.split(".")
    if len(text) > 253 or len(labels) < 2 or not all(_LABEL_RE.match(lb) for lb in labels):
        raise ValidationFailed(f"{name!r} is not a valid domain name", field=field)
    return text


def normalize_local_part(local: str, *, field: str = "local_part") -> str:
    text = local.strip().lower()
    if not text or len(text) > 64 or not _LOCAL_RE.match(text):
        raise ValidationFailed(
            f"{local!r} is not a valid local part (letters, digits and !#$&'=?^_`{{|}}~- "
            "separated by single dots; at most 64)",
            field=field,
        )
    return text


def split_address(address: str, *, field: str = "address") -> tuple[str, str]:
    """Split and normalise `local@domain`; raises ValidationFailed when malformed."""
    local, sep, domain = address.strip().rpartition("@")
    if not sep or not local:
        raise ValidationFailed(f"{address!r} is not an e-mail address", field=field)
    return normalize_local_part(local, field=field), normalize_domain(domain, field=field)


def validate_external_address(address: str, *, field: str = "targets") -> str:
    """A destination outside the platform: any syntactically plausible address."""
    text = address.strip()
    local, sep, domain = text.rpartition("@")
    if (
        not sep
        or not local
        or len(local) > 64
        or any(c.isspace() for c in text)
        or any(c in text for c in '<>(),;:"[]\\')
    ):
        raise ValidationFailed(f"{address!r} is not an e-mail address", field=field)
    return f"{local}@{normalize_domain(domain, field=field)}"
