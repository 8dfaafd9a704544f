"""The local operator's admin API token, kept in a file only the platform's user can read.

As pymap hands pymap-admin an admin token through a file, the platform gives the operator's
scripts a REST API token: it belongs to a dedicated superuser web user ("operator", with no
usable password, so it never logs in to the web site) and its secret is written to
ADMIN_TOKEN_FILE with mode 0600. Only a digest is stored in the database, so the file is the
one copy of the secret; issuing a new one revokes the operator's older tokens.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from django.conf import settings
from django.db import transaction
from rest_framework.exceptions import AuthenticationFailed

from accounts import services
from accounts.api.authentication import BearerTokenAuthentication
from accounts.audit import audit_record
from accounts.models import User
from mailplatform.errors import Conflict

OPERATOR_USERNAME: Final = "operator"
TOKEN_NAME: Final = "operator admin token"  # noqa: S105 (a label, not a secret)


def token_file() -> Path:
    return Path(settings.ADMIN_TOKEN_FILE)


def ensure_operator_token() -> str | None:
    """Issue the operator's token unless the file already holds a valid one.

    Returns the new secret, for the caller to print once, or None when nothing changed.
    """
    if _file_holds_valid_token(token_file()):
        return None
    return _issue_token()


def rotate_operator_token() -> str:
    """Revoke the operator's tokens and write a new one; returns its secret."""
    secret = _issue_token()
    if secret is None:
        raise Conflict("Another process wrote the admin token file at the same time; try again.")
    return secret


def _file_holds_valid_token(path: Path) -> bool:
    try:
        secret = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return False
    try:
        # The API's own check, so "valid" means exactly what the API will accept.
        principal, _token = BearerTokenAuthentication().authenticate_token(secret)
    except AuthenticationFailed:
        return False
    return (
        isinstance(principal, User)
        and principal.get_username() == OPERATOR_USERNAME
        and principal.is_superuser
    )


def _issue_token() -> str | None:
    path = token_file()
    try:
        with transaction.atomic():
            operator = _operator_user()
            for old in operator.api_tokens.all():
                services.api_token_revoke(token=old, acting_user=None)
            _token, secret = services.api_token_create(
                principal=operator, name=TOKEN_NAME, acting_user=None
            )
            # Written before the commit: if the write fails, no token exists without its file.
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
            _write_private_file(path, secret)
    except FileExistsError:
        return None  # another process issued one between our unlink and create; theirs stands
    return secret


def _write_private_file(path: Path, secret: str) -> None:
    # O_EXCL with 0600 from the start: the secret is never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(secret + "\n")


def _operator_user() -> User:
    user = User.objects.filter(username=OPERATOR_USERNAME).first()
    if user is None:
        user = User(username=OPERATOR_USERNAME, is_superuser=True)
        user.set_unusable_password()
        user.save()
        audit_record(actor=None, action="user.create", target=OPERATOR_USERNAME)
        return user
    if not (user.is_superuser and user.is_active):
        # Never promote someone else's account to superadmin by handing it the admin token.
        raise Conflict(
            f"A web user named {OPERATOR_USERNAME!r} exists but is not an active superuser; "
            "rename it so the operator user can be created."
        )
    return user
