"""Access control lists (RFC 4314, accepting RFC 2086's `c` and `d`): rights arithmetic and the
reads. Writes are in `imapd.store.services.acl`.

Rights are kept in canonical order over ALL_RIGHTS. RFC 2086's `c` stands for `k` (create
below) and `d` for `x`, `t` and `e` (delete, \\Deleted, expunge); answers add them back when
every right they stand for is held, so RFC 2086 clients read what they wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.addresses import split_address
from imapd.models import Mailbox, MailboxAcl
from mailplatform.errors import ValidationFailed

ALL_RIGHTS = "lrswipkxtea"
ANYONE = "anyone"
NEGATIVE = "-"
# RFC 4314 2.1.1: the obsolete rights and what they stand for.
OBSOLETE = {"c": "k", "d": "xte"}
_DISPLAY_ORDER = "lrswipkxtecda"
# LISTRIGHTS (RFC 4314 3.7): none is granted always; each right is granted on its own.
RIGHTS_CAPABILITY = "RIGHTS=texk"


def rights_normalize(text: str) -> str:
    """The canonical spelling of a rights string; `c` and `d` expanded."""
    held: set[str] = set()
    for char in text:
        if char in OBSOLETE:
            held.update(OBSOLETE[char])
        elif char in ALL_RIGHTS:
            held.add(char)
        else:
            raise ValidationFailed(f"Unknown right {char!r}.", field="rights", code="INVALID")
    return "".join(r for r in ALL_RIGHTS if r in held)


def rights_display(rights: str) -> str:
    """Rights as answered, with `c`/`d` added where all they stand for is held."""
    held = set(rights) | {old for old, new in OBSOLETE.items() if set(new) <= set(rights)}
    return "".join(r for r in _DISPLAY_ORDER if r in held)


def identifier_normalize(identifier: str) -> str:
    """`anyone` or an address, with an optional `-` for negative rights."""
    negative = identifier.startswith(NEGATIVE)
    bare = identifier[1:] if negative else identifier
    if bare.lower() == ANYONE:
        bare = ANYONE
    else:
        local, domain = split_address(bare, field="identifier")
        bare = f"{local}@{domain}"
    return (NEGATIVE if negative else "") + bare


def acl_of(*, mailbox: Mailbox) -> dict[str, str]:
    """The stored entries of a mailbox: identifier -> rights."""
    return dict(MailboxAcl.objects.filter(mailbox=mailbox).values_list("identifier", "rights"))


def acl_entries(*, mailbox: Mailbox, owner_address: str) -> list[tuple[str, str]]:
    """GETACL's answer: the owner's implicit entry first, then the stored ones, as displayed."""
    entries = [(owner_address, rights_display(ALL_RIGHTS))]
    entries += [(who, rights_display(rights)) for who, rights in acl_of(mailbox=mailbox).items()]
    return entries


def rights_from(entries: dict[str, str], address: str) -> str:
    """What `address` holds by `entries` (not being the owner): granted minus taken away."""
    granted = set(entries.get(ANYONE, "")) | set(entries.get(address, ""))
    taken = set(entries.get(NEGATIVE + ANYONE, "")) | set(entries.get(NEGATIVE + address, ""))
    return "".join(r for r in ALL_RIGHTS if r in granted - taken)


def rights_of(*, mailbox: Mailbox, address: str) -> str:
    return rights_from(acl_of(mailbox=mailbox), address)


@dataclass(frozen=True, slots=True)
class SharedMailbox:
    mailbox_id: int
    owner_id: int
    owner_address: str
    name: str
    noselect: bool
    rights: str


def mailboxes_shared_with(*, account_id: int, address: str) -> list[SharedMailbox]:
    """Other accounts' mailboxes `address` may see (holds `l` on), by owner and name."""
    rows = (
        MailboxAcl.objects.filter(identifier__in=(ANYONE, address))
        .exclude(mailbox__account_id=account_id)
        .values_list("mailbox_id", flat=True)
        .distinct()
    )
    mailboxes = (
        Mailbox.objects.filter(pk__in=list(rows))
        .select_related("account__domain")
        .order_by("account__domain__name", "account__local_part", "name")
    )
    found: list[SharedMailbox] = []
    for mailbox in mailboxes:
        rights = rights_of(mailbox=mailbox, address=address)
        if "l" in rights:
            found.append(
                SharedMailbox(
                    mailbox.pk,
                    mailbox.account_id,
                    mailbox.account.address,
                    mailbox.name,
                    mailbox.noselect,
                    rights,
                )
            )
    return found
