"""MAIL_ENCRYPTION: which accounts get keys.

- `off`: no account gets keys; accounts encrypted earlier stay encrypted and readable.
- `new`: accounts created from now on are encrypted; others when an admin switches them on.
- `required`: like `new`, and an account still in clear gets its keys at its next IMAP login
  (the password is known then); its existing mail is then encrypted in the background.
"""

from __future__ import annotations

from typing import Final

from django.conf import settings

OFF: Final = "off"
NEW: Final = "new"
REQUIRED: Final = "required"


def policy() -> str:
    return str(settings.MAIL_ENCRYPTION)


def new_accounts_encrypted() -> bool:
    return policy() in (NEW, REQUIRED)


def encryption_required() -> bool:
    return policy() == REQUIRED


def encryption_allowed() -> bool:
    """Whether keys may be created at all (an admin switching an account on included)."""
    return policy() != OFF
