"""The other users' namespace, `user/<address>` (that account's INBOX) and
`user/<address>/<folder>`, Cyrus style.

Accounts with the admin role reach every account there, holding every right. Everyone else
reaches only what an access control list (RFC 4314, `imapd.store.acl`) grants them; without
the `l` right a mailbox answers as if it did not exist. Own mailboxes keep their plain names and
every right. These functions run in the ORM pool.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from accounts.addresses import split_address
from accounts.models import Account
from accounts.principals import AccountPrincipal
from accounts.services import account_create, account_delete, account_get, domain_get
from imapd.imap.auth import AccountRef
from imapd.models import Mailbox
from imapd.store import acl, names, selectors
from imapd.store.dto import MailboxEntry
from mailplatform.errors import Conflict, NotFound, NotPermitted, ValidationFailed

PREFIX = names.SHARED_PREFIX + names.SEPARATOR


@dataclass(frozen=True, slots=True)
class Target:
    """Whose mailbox a name means, its name in that account's own store, and the caller's
    rights on it."""

    account_id: int
    address: str
    name: str
    rights: str = acl.ALL_RIGHTS
    wire_name: str = ""

    @property
    def foreign(self) -> bool:
        return self.rights != acl.ALL_RIGHTS

    def require(self, rights: str) -> None:
        """NO unless every one of `rights` is held; without `l` the mailbox is not there."""
        if all(right in self.rights for right in rights):
            return
        if "l" not in self.rights:
            raise _missing(self.wire_name)
        raise NotPermitted(f"Permission denied on {self.wire_name}.", code="NOPERM")


def _missing(name: str) -> NotFound:
    return NotFound(f"No mailbox {name}.", code="NONEXISTENT")


def account_root(name: str) -> str | None:
    """The address in `user/<address>` (the name of an account itself), else None."""
    segments = name.split(names.SEPARATOR)
    if len(segments) == 2 and segments[0] == names.SHARED_PREFIX and segments[1]:
        return segments[1]
    return None


def _owner(address: str, wire_name: str) -> Account:
    try:
        return account_get(address=address)
    except (NotFound, ValidationFailed):
        raise _missing(wire_name) from None


def _rights_on(me: AccountRef, owner: Account, local: str) -> str:
    try:
        normalized = names.mailbox_name_normalize(local)
    except ValidationFailed:
        return ""
    mailbox = Mailbox.objects.filter(account=owner, name=normalized).first()
    if mailbox is None:
        return ""
    return acl.rights_of(mailbox=mailbox, address=me.address)


def resolve(me: AccountRef, name: str) -> Target:
    """The mailbox `name` means to `me`, with `me`'s rights on it."""
    segments = name.split(names.SEPARATOR)
    if len(segments) < 2 or segments[0] != names.SHARED_PREFIX:
        return Target(me.id, me.address, name, wire_name=name)
    owner = _owner(segments[1], name)
    local = names.SEPARATOR.join(segments[2:]) or names.INBOX
    if me.is_admin or owner.pk == me.id:
        return Target(owner.pk, owner.address, local, wire_name=name)
    return Target(owner.pk, owner.address, local, _rights_on(me, owner, local), name)


def parent_of(me: AccountRef, target: Target) -> Target:
    """Where CREATE puts `target`: its superior, or the owner's INBOX (`user/<address>`)."""
    if not target.foreign:
        return target
    local = names.parent(target.name) or names.INBOX
    owner = Account(pk=target.account_id)
    wire = PREFIX + target.address + ("" if local == names.INBOX else names.SEPARATOR + local)
    return replace(target, name=local, rights=_rights_on(me, owner, local), wire_name=wire)


def same_owner(me: AccountRef, name: str, new_name: str) -> tuple[Target, Target]:
    """RENAME stays within one account: `x` on the source, `k` where it goes."""
    source, dest = resolve(me, name), resolve(me, new_name)
    if source.account_id != dest.account_id:
        raise NotPermitted("A mailbox cannot be moved to another account.", code="CANNOT")
    source.require("x")
    parent_of(me, dest).require("k")
    return source, dest


def _actor(account: AccountRef) -> AccountPrincipal:
    return AccountPrincipal(account=account_get(address=account.address))


def account_provision(account: AccountRef, name: str) -> bool:
    """CREATE user/<address>: a new account (no password) in an existing domain. False when
    `name` does not name an account, or the caller is no admin (the store decides then)."""
    address = account_root(name) if account.is_admin else None
    if address is None:
        return False
    local_part, domain_name = split_address(address)
    try:
        domain = domain_get(name=domain_name)
    except NotFound:
        raise NotFound(f"No domain {domain_name}.", code="NONEXISTENT") from None
    try:
        account_get(address=address)
    except NotFound:
        account_create(
            domain=domain, local_part=local_part, password=None, acting_user=_actor(account)
        )
        return True
    raise Conflict(f"Account {address} already exists.", code="ALREADYEXISTS")


def account_remove(account: AccountRef, name: str) -> bool:
    """DELETE user/<address>: the account and all its mail, through the one deletion service.
    False when `name` does not name an account or the caller is no admin."""
    address = account_root(name) if account.is_admin else None
    if address is None:
        return False
    account_delete(account=_owner(address, name), acting_user=_actor(account))
    return True


def _full_name(address: str, local: str) -> str:
    root = PREFIX + address
    return root if local == names.INBOX else root + names.SEPARATOR + local


def _placeholder(name: str, subscriptions: set[str]) -> MailboxEntry:
    return MailboxEntry(
        id=0,
        name=name,
        object_id="",
        special_use="",
        noselect=True,
        has_children=True,
        subscribed=name in subscriptions,
    )


def other_entries(me: AccountRef, subscriptions: set[str]) -> list[MailboxEntry]:
    """LIST's other users' namespace: every account for an admin, else what is shared with
    `me` (`l` right), with \\Noselect levels above so the hierarchy can be browsed."""
    found = _all_accounts(me, subscriptions) if me.is_admin else _shared(me, subscriptions)
    if found:
        found.insert(0, _placeholder(names.SHARED_PREFIX, subscriptions))
    return found


def _all_accounts(me: AccountRef, subscriptions: set[str]) -> list[MailboxEntry]:
    found: list[MailboxEntry] = []
    owners = Account.objects.select_related("domain").order_by("domain__name", "local_part")
    for owner in owners:
        entries = selectors.mailboxes_list(account=owner)
        for entry in entries:
            full = _full_name(owner.address, entry.name)
            is_inbox = entry.name == names.INBOX
            found.append(
                replace(
                    entry,
                    name=full,
                    has_children=entry.has_children or (is_inbox and len(entries) > 1),
                    subscribed=full in subscriptions,
                )
            )
    return found


def _shared(me: AccountRef, subscriptions: set[str]) -> list[MailboxEntry]:
    shared = acl.mailboxes_shared_with(account_id=me.id, address=me.address)
    visible = {_full_name(s.owner_address, s.name): s for s in shared}
    found: dict[str, MailboxEntry] = {}
    for full, item in visible.items():
        for ancestor in names.ancestors(full)[1:]:
            if ancestor not in visible and ancestor not in found:
                found[ancestor] = _placeholder(ancestor, subscriptions)
        found[full] = MailboxEntry(
            id=item.mailbox_id,
            name=full,
            object_id="",
            special_use="",
            noselect=item.noselect,
            has_children=any(names.is_inferior(other, full) for other in visible),
            subscribed=full in subscriptions,
        )
    return sorted(found.values(), key=lambda e: e.name)
