"""The mail directory changed: who receives mail at which address, and whether they take it.

Delivery caches what recipient lookups answered (`imapd.smtp.recipient_cache`). Whatever
changes that answer — a domain, an account, an alias or its targets saved or deleted, an
account marked for deletion — sends `directory_changed` once its transaction commits; a
rolled back change sends nothing. Saves and deletes through the ORM are caught here by model
signals; code that changes these rows with `QuerySet.update()` calls `directory_changed_on_commit`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from accounts.models import Account, Alias, AliasTarget, Domain

directory_changed = Signal()


def directory_changed_on_commit() -> None:
    transaction.on_commit(lambda: directory_changed.send(sender=Account))


def _row_changed(sender: type, **kwargs: Any) -> None:
    directory_changed_on_commit()


def connect() -> None:
    """Called once by the app config."""
    for model in (Domain, Account, Alias, AliasTarget):
        uid = f"accounts.directory.{model.__name__}"
        post_save.connect(_row_changed, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(_row_changed, sender=model, dispatch_uid=uid + ".delete")
