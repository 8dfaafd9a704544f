"""Folder operations the store's IMAP-shaped services do not offer in one call."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Account
from imapd.models import Mailbox
from imapd.store import names, selectors
from imapd.store.services import mailbox_delete
from mailplatform.errors import NotFound


@transaction.atomic
def folder_delete(*, account: Account, name: str, recursive: bool = False) -> list[str]:
    """Delete a folder; with `recursive`, its whole subtree, innermost first (IMAP::Admin's
    h_delete). Returns the names deleted, in that order.

    Without `recursive` this is IMAP DELETE: a folder with subfolders loses its messages and
    stays as a \\Noselect placeholder. One transaction: if any deletion is refused (INBOX),
    nothing is deleted.
    """
    target = selectors.mailbox_get_for_account(account=account, name=name)
    if not recursive:
        mailbox_delete(mailbox=target)
        return [target.name]
    subtree = [
        other
        for other in Mailbox.objects.filter(account_id=account.pk).values_list("name", flat=True)
        if names.is_inferior(other, target.name)
    ]
    subtree.sort(key=lambda other: (-other.count(names.SEPARATOR), other))
    for each in (*subtree, target.name):
        try:
            mailbox = selectors.mailbox_get_for_account(account=account, name=each)
        except NotFound:
            continue  # a \Noselect placeholder removed with its last child a moment ago
        mailbox_delete(mailbox=mailbox)
    return [*subtree, target.name]
