"""Writes of access control lists (RFC 4314 SETACL / DELETEACL); see `imapd.store.acl`."""

from __future__ import annotations

from django.db import transaction

from imapd.models import Mailbox, MailboxAcl
from imapd.store.acl import ALL_RIGHTS, NEGATIVE, identifier_normalize, rights_normalize
from mailplatform.errors import ValidationFailed

_PREFIX_MODES = {"+": "add", "-": "remove"}


def _owner_entry(mailbox: Mailbox, identifier: str) -> bool:
    return identifier.removeprefix(NEGATIVE) == mailbox.account.address


@transaction.atomic
def acl_set(*, mailbox: Mailbox, identifier: str, rights: str, mode: str = "replace") -> str:
    """RFC 4314 3.1 SETACL: mode `add`, `remove` or `replace` (a `+`/`-` prefix on `rights`
    means the same). Returns the rights now stored; an entry left without rights is removed."""
    identifier = identifier_normalize(identifier)
    if _owner_entry(mailbox, identifier):
        raise ValidationFailed(
            "The owner always holds every right.", field="identifier", code="CANNOT"
        )
    if rights[:1] in _PREFIX_MODES:
        mode, rights = _PREFIX_MODES[rights[:1]], rights[1:]
    if mode not in ("add", "remove", "replace"):
        raise ValidationFailed(f"Unknown mode {mode}.", field="mode", code="INVALID")
    wanted = set(rights_normalize(rights))
    entry = (
        MailboxAcl.objects.select_for_update()
        .filter(mailbox=mailbox, identifier=identifier)
        .first()
    )
    current = set(entry.rights) if entry is not None else set()
    if mode == "add":
        wanted |= current
    elif mode == "remove":
        wanted = current - wanted
    new = "".join(r for r in ALL_RIGHTS if r in wanted)
    if not new:
        MailboxAcl.objects.filter(mailbox=mailbox, identifier=identifier).delete()
    elif entry is None:
        MailboxAcl.objects.create(mailbox=mailbox, identifier=identifier, rights=new)
    else:
        MailboxAcl.objects.filter(pk=entry.pk).update(rights=new)
    return new


def acl_delete(*, mailbox: Mailbox, identifier: str) -> bool:
    """RFC 4314 3.2 DELETEACL; whether an entry was there."""
    identifier = identifier_normalize(identifier)
    deleted, _ = MailboxAcl.objects.filter(mailbox=mailbox, identifier=identifier).delete()
    return deleted > 0
