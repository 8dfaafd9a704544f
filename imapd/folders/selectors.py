"""Reads behind the folder and quota endpoints and commands.

The account is looked up in the caller's visible scope (`accounts.permissions`): whoever may
see an account may manage its folders and read its quota; an account they may not see is the
same NotFound as one that does not exist. Changing the quota limit is `account_update`'s own
admin-only check.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Account
from imapd.models import Mailbox, Subscription
from imapd.store import names, quota, selectors
from imapd.store.dto import QuotaResource
from imapd.store.quota import quota_root_name


@dataclass(frozen=True)
class Folder:
    """One mailbox of an account with its LIST attributes and STATUS counters."""

    name: str
    mailbox_id: str
    special_use: str
    selectable: bool
    has_children: bool
    subscribed: bool
    messages: int
    unseen: int
    size: int

    @property
    def attributes(self) -> list[str]:
        """As IMAP LIST shows them (RFC 3501 7.2.2, RFC 5258 3.4, RFC 6154 2)."""
        found = [] if self.selectable else ["\\Noselect"]
        found.append("\\HasChildren" if self.has_children else "\\HasNoChildren")
        if self.subscribed:
            found.append("\\Subscribed")
        if self.special_use:
            found.append(self.special_use)
        return found


@dataclass(frozen=True)
class QuotaReport:
    """RFC 9208 view of an account's one quota root, plus the exact byte counts."""

    root: str
    resources: tuple[QuotaResource, ...]
    usage_bytes: int
    limit_bytes: int | None


def _folder(mailbox: Mailbox, *, has_children: bool, subscribed: bool) -> Folder:
    return Folder(
        name=mailbox.name,
        mailbox_id=mailbox.object_id,
        special_use=mailbox.special_use,
        selectable=not mailbox.noselect,
        has_children=has_children,
        subscribed=subscribed,
        messages=mailbox.message_count,
        unseen=mailbox.unseen_count,
        size=mailbox.total_size,
    )


def folders_list(*, account: Account) -> list[Folder]:
    """Every mailbox of the account (\\Noselect placeholders included), by name: two queries."""
    mailboxes = list(Mailbox.objects.filter(account_id=account.pk).order_by("name"))
    subscribed = set(selectors.subscriptions_list(account=account))
    parents = {parent for mb in mailboxes if (parent := names.parent(mb.name)) is not None}
    return [
        _folder(mb, has_children=mb.name in parents, subscribed=mb.name in subscribed)
        for mb in mailboxes
    ]


def folder_get(*, account: Account, name: str) -> Folder:
    """One folder by name (INBOX in any case); NotFound (NONEXISTENT) when there is none."""
    mailbox = selectors.mailbox_get_for_account(account=account, name=name)
    # LIKE ignores case on SQLite; is_inferior decides exactly among the few candidates.
    candidates = Mailbox.objects.filter(
        account_id=account.pk, name__startswith=mailbox.name + names.SEPARATOR
    ).values_list("name", flat=True)
    return _folder(
        mailbox,
        has_children=any(names.is_inferior(other, mailbox.name) for other in candidates),
        subscribed=Subscription.objects.filter(account=account, name=mailbox.name).exists(),
    )


def quota_report(*, account: Account) -> QuotaReport:
    used_bytes, _messages = quota.account_usage(account_id=account.pk)
    root = quota.quota_root(account=account)
    return QuotaReport(
        root=quota_root_name(account.address),
        resources=root.resources,
        usage_bytes=used_bytes,
        limit_bytes=account.quota_bytes,
    )
