"""The only write path of the moderation app; each module is one concern."""

from __future__ import annotations

from moderation.services.grants import domain_grant_create, domain_grant_delete
from moderation.services.mailboxes import (
    mailbox_alias_add,
    mailbox_alias_remove,
    mailbox_create,
    mailbox_export,
    mailbox_password_change,
)
from moderation.services.pending_actions import (
    ACTION_HANDLERS,
    deletion_request,
    pending_action_cancel,
    pending_action_retry,
    pending_action_run,
    pending_actions_run_due,
    rekey_record,
)
from moderation.services.registrations import (
    registration_approve,
    registration_confirm,
    registration_deny,
    registration_submit,
    registrations_purge,
)

__all__ = [
    "ACTION_HANDLERS",
    "deletion_request",
    "domain_grant_create",
    "domain_grant_delete",
    "mailbox_alias_add",
    "mailbox_alias_remove",
    "mailbox_create",
    "mailbox_export",
    "mailbox_password_change",
    "pending_action_cancel",
    "pending_action_retry",
    "pending_action_run",
    "pending_actions_run_due",
    "registration_approve",
    "registration_confirm",
    "registration_deny",
    "registration_submit",
    "registrations_purge",
    "rekey_record",
]
