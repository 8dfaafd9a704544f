"""What owners do to their mailboxes on the self-service pages (and over the API).

Thin on purpose: rights, limits and the audit are accounts.services' own; this adds what the
pages need on top: mailbox passwords that pass the platform's validators, the old password
before a new one (then a rekey is recorded), and aliases kept to the mailbox's domain.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import passwords
from accounts.audit import audit_record
from accounts.login import throttle_failure, throttle_is_locked, throttle_success
from accounts.models import Account, Alias, CreatedVia, Domain, User
from accounts.permissions import can_use_account
from accounts.principals import Actor
from accounts.services import (
    account_create,
    alias_create,
    alias_delete,
    alias_update,
)
from imapd.crypto.services import account_is_encrypted, account_keys_rewrap
from mailplatform.errors import Conflict, NotPermitted, ValidationFailed
from moderation.export import account_export_zip
from moderation.models import PendingAction


def _validate_mailbox_password(password: str, field: str = "password") -> None:
    try:
        validate_password(password)
    except ValidationError as error:
        raise ValidationFailed(" ".join(error.messages), field=field) from None


@transaction.atomic
def mailbox_create(
    *, owner: User, domain: Domain, local_part: str, password: str, acting_user: Actor
) -> Account:
    """A new mailbox of `owner`, within their limit, in a domain granted to them."""
    _validate_mailbox_password(password)
    return account_create(
        domain=domain,
        local_part=local_part,
        password=password,
        acting_user=acting_user,
        owner=owner,
        created_via=CreatedVia.SELF_SERVICE,
    )


@transaction.atomic
def mailbox_password_change(
    *,
    account: Account,
    old_password: str,
    new_password: str,
    acting_user: Actor,
    remote_addr: str | None = None,
    now: datetime | None = None,
) -> PendingAction:
    """Set a new password when the current one is given; records the rekey it calls for.

    Wrong current passwords count for the login throttle of the mailbox, so a stolen web
    session cannot be used to guess them faster than IMAP would allow.
    """
    if account.deletion_pending_since is not None:
        raise Conflict(_("This mailbox is waiting for deletion; cancel the deletion first."))
    if throttle_is_locked(username=account.address, remote_addr=remote_addr):
        raise NotPermitted(_("Too many wrong passwords; try again later."))
    if not account.password or not passwords.verify_password(old_password, account.password):
        throttle_failure(username=account.address, remote_addr=remote_addr)
        raise ValidationFailed(_("The current password is wrong."), field="old_password")
    throttle_success(username=account.address)
    _validate_mailbox_password(new_password, field="new_password")
    # The hash and the re-wrapped private key in this transaction; the rekey recorded done.
    return account_keys_rewrap(
        account=account,
        old_password=old_password,
        new_password=new_password,
        acting_user=acting_user,
        now=now,
    )


@transaction.atomic
def mailbox_alias_add(*, account: Account, local_part: str, acting_user: Actor) -> Alias:
    """A new alias `local_part@<the mailbox's domain>` delivering to the mailbox."""
    return alias_create(
        domain=account.domain,
        local_part=local_part,
        targets=[account.address],
        acting_user=acting_user,
    )


@transaction.atomic
def mailbox_alias_remove(*, account: Account, alias: Alias, acting_user: Actor) -> None:
    """Stop `alias` delivering to the mailbox; an alias left with no destination goes."""
    targets = alias.targets.select_related("account__domain")
    others = [str(t) for t in targets if t.account_id != account.pk]
    if others:
        alias_update(alias=alias, targets=others, acting_user=acting_user)
    else:
        alias_delete(alias=alias, acting_user=acting_user)


def mailbox_export(*, account: Account, acting_user: Actor) -> Iterator[bytes]:
    """The mailbox's mail as a ZIP of mbox files (see moderation.export), for its owner."""
    if not can_use_account(acting_user, account):
        raise NotPermitted(_("You may not export %(address)s.") % {"address": account.address})
    # Encryption at rest (imapd.crypto): only the mailbox password opens its mail.
    if account_is_encrypted(account):
        raise NotPermitted(
            _(
                "The mail of %(address)s is encrypted: only its password opens it; "
                "copy it with a mail program (IMAP) instead."
            )
            % {"address": account.address}
        )
    audit_record(actor=acting_user, action="account.export", target=account.address)
    return account_export_zip(account=account)
