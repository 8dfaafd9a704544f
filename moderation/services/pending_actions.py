"""Pending actions: a mailbox deletion after its grace period, a rekey after a password change.

A periodic job (moderation.tasks.run_pending_actions) runs what is due. Each action is claimed
with a conditional UPDATE (PENDING -> RUNNING) before anything is done, so two workers never run
one action twice and a cancellation either wins before the claim or is refused after it. A
failure puts the action back to PENDING with a later due time and its reason, until the last
attempt, after which it stays FAILED for an admin to see. Every step is in the audit log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.directory import directory_changed_on_commit
from accounts.models import Account, User
from accounts.permissions import can_administer_account, can_use_account
from accounts.principals import Actor, actor_name
from accounts.services import account_delete
from mailplatform.errors import Conflict, NotPermitted
from moderation.models import ActionKind, ActionState, PendingAction
from moderation.permissions import can_act_on

log = logging.getLogger(__name__)

# States an action may be cancelled in: it has not started, or it gave up.
CANCELLABLE_STATES = (ActionState.PENDING, ActionState.FAILED)
# How many due actions one run of the periodic job takes on.
BATCH_SIZE = 200


class ActionWaiting(Exception):
    """Raised by a handler whose action cannot move yet (a key rotation waits for the account's
    next login): the action goes back to PENDING, due again after `retry_after`, with `reason`
    as its result, and the attempt is not counted as a failure."""

    def __init__(self, reason: str, *, retry_after: timedelta) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _audit(action: PendingAction, actor: Actor, what: str, **detail: object) -> None:
    audit_record(
        actor=actor,
        action=f"pending_action.{what}",
        target=action.address,
        detail={"id": action.pk, "kind": action.kind, **detail},
    )


def _create(
    *, kind: ActionKind, account: Account, acting_user: Actor, now: datetime, due_at: datetime
) -> PendingAction:
    action = PendingAction.objects.create(
        kind=kind,
        account=account,
        address=account.address,
        domain=account.domain,
        requested_by=acting_user if isinstance(acting_user, User) else None,
        requested_by_name=actor_name(acting_user),
        created_at=now,
        due_at=due_at,
    )
    _audit(action, acting_user, "create", due_at=due_at.isoformat())
    return action


# --- asking and cancelling -------------------------------------------------------------------


def _deletion_pending_mark(account_id: int, since: datetime | None) -> None:
    """Set or clear the pending-deletion mark (an update, which sends no model signal: the
    daemons' recipient caches are told here)."""
    Account.objects.filter(pk=account_id).update(deletion_pending_since=since)
    directory_changed_on_commit()


@transaction.atomic
def deletion_request(
    *, account: Account, acting_user: Actor, now: datetime | None = None
) -> PendingAction:
    """Disable the mailbox at once (its mail is kept) and delete it after DELETION_GRACE."""
    now = now or timezone.now()
    if not can_use_account(acting_user, account):
        raise NotPermitted(_("You may not delete %(address)s.") % {"address": account.address})
    account = (
        Account.objects.select_for_update(of=("self",)).select_related("domain").get(pk=account.pk)
    )
    if account.deletion_pending_since is not None:
        raise Conflict(
            _("A deletion of %(address)s is already pending.") % {"address": account.address}
        )
    action = _create(
        kind=ActionKind.DELETION,
        account=account,
        acting_user=acting_user,
        now=now,
        due_at=now + timedelta(seconds=settings.DELETION_GRACE),
    )
    # The mark IMAP, SMTP and LMTP honour (Account.login_refusal): the mailbox is refused
    # everywhere from now on, while all of its mail stays until the deletion runs.
    _deletion_pending_mark(account.pk, now)
    return action


@transaction.atomic
def rekey_record(
    *,
    account: Account,
    acting_user: Actor,
    now: datetime | None = None,
    result: str | None = None,
) -> PendingAction:
    """Record a rekey of the mailbox's keys. With `result` it is recorded done: a password change
    re-wraps the private key in its own transaction (imapd.crypto). Without, it is due at once
    and left to run: a key rotation, which the mail daemon carries out at the next login."""
    now = now or timezone.now()
    action = _create(
        kind=ActionKind.REKEY, account=account, acting_user=acting_user, now=now, due_at=now
    )
    if result is not None:
        PendingAction.objects.filter(pk=action.pk).update(
            state=ActionState.DONE, started_at=now, finished_at=now, result=result
        )
        action.refresh_from_db()
        _audit(action, acting_user, "done", result=result)
    return action


@transaction.atomic
def pending_action_cancel(
    *, action: PendingAction, acting_user: Actor, now: datetime | None = None
) -> PendingAction:
    """Cancel an action that has not run; a cancelled deletion gives the mailbox back as it was."""
    now = now or timezone.now()
    if not can_act_on(acting_user, action):
        raise NotPermitted(_("You may not cancel this action."))
    claimed = PendingAction.objects.filter(pk=action.pk, state__in=CANCELLABLE_STATES).update(
        state=ActionState.CANCELLED,
        finished_at=now,
        result=f"Cancelled by {actor_name(acting_user)}.",
    )
    if not claimed:
        raise Conflict(_("This action is running or finished; it can no longer be cancelled."))
    if action.kind == ActionKind.DELETION and action.account_id is not None:
        _deletion_pending_mark(action.account_id, None)
    action.refresh_from_db()
    _audit(action, acting_user, "cancel")
    return action


@transaction.atomic
def pending_action_retry(
    *, action: PendingAction, acting_user: Actor, now: datetime | None = None
) -> PendingAction:
    """Give a FAILED action a fresh set of attempts, due now (admins only)."""
    now = now or timezone.now()
    account = action.account
    if account is None or not can_administer_account(acting_user, account):
        raise NotPermitted(_("You may not retry this action."))
    claimed = PendingAction.objects.filter(pk=action.pk, state=ActionState.FAILED).update(
        state=ActionState.PENDING, due_at=now, attempts=0, finished_at=None
    )
    if not claimed:
        raise Conflict(_("Only a failed action can be retried."))
    action.refresh_from_db()
    _audit(action, acting_user, "retry")
    return action


# --- running ---------------------------------------------------------------------------------


def _run_deletion(action: PendingAction, now: datetime) -> str:
    account = action.account
    if account is None:
        return "The mailbox was already deleted."
    # The system acts here: the request was checked when it was made, and the owner who made
    # it may not delete accounts directly.
    account_delete(account=account, acting_user=None)
    return f"Deleted {action.address} and all its mail."


def _run_rekey(action: PendingAction, now: datetime) -> str:
    # Encryption at rest decides: an ordered key rotation waits for the account's next login.
    from imapd.crypto.services import rekey_action_run

    return rekey_action_run(action=action, now=now)


# What each kind does; returns a sentence for the action's result. Raising fails the attempt.
ACTION_HANDLERS: dict[str, Callable[[PendingAction, datetime], str]] = {
    ActionKind.DELETION: _run_deletion,
    ActionKind.REKEY: _run_rekey,
}


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=settings.PENDING_ACTION_RETRY_DELAY * 2 ** max(attempts - 1, 0))


def _record_failure(pk: int, error: BaseException, now: datetime) -> None:
    action = PendingAction.objects.get(pk=pk)
    reason = f"{type(error).__name__}: {error}"[:2000]
    final = action.attempts >= settings.PENDING_ACTION_MAX_ATTEMPTS
    retry_at = None if final else now + _retry_delay(action.attempts)
    PendingAction.objects.filter(pk=pk, state=ActionState.RUNNING).update(
        state=ActionState.FAILED if final else ActionState.PENDING,
        due_at=retry_at or action.due_at,
        finished_at=now if final else None,
        result=reason,
    )
    _audit(
        action,
        None,
        "fail",
        attempt=action.attempts,
        reason=reason,
        retry_at=retry_at.isoformat() if retry_at else None,
    )


def pending_action_run(*, pk: int, now: datetime | None = None) -> PendingAction | None:
    """Claim one due action and run it; None when it was not ours to run (taken, cancelled)."""
    now = now or timezone.now()
    claimed = PendingAction.objects.filter(
        pk=pk, state=ActionState.PENDING, due_at__lte=now
    ).update(state=ActionState.RUNNING, started_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    action = PendingAction.objects.select_related("account__domain").get(pk=pk)
    try:
        with transaction.atomic():
            result = ACTION_HANDLERS[action.kind](action, now)
            PendingAction.objects.filter(pk=pk).update(
                state=ActionState.DONE, finished_at=now, result=result
            )
            _audit(action, None, "done", result=result)
    except ActionWaiting as waiting:
        # Not a failure: back to PENDING, this attempt uncounted (see ActionWaiting).
        PendingAction.objects.filter(pk=pk, state=ActionState.RUNNING).update(
            state=ActionState.PENDING,
            due_at=now + waiting.retry_after,
            attempts=F("attempts") - 1,
            result=waiting.reason,
        )
    except Exception as error:
        log.exception("pending action %s (%s of %s) failed", pk, action.kind, action.address)
        _record_failure(pk, error, now)
    action.refresh_from_db()
    return action


def _release_stale(now: datetime) -> None:
    """Actions left RUNNING by a worker that died: their transaction rolled back, run them again."""
    stale_before = now - timedelta(seconds=settings.PENDING_ACTION_STALE_AFTER)
    for action in PendingAction.objects.filter(
        state=ActionState.RUNNING, started_at__lt=stale_before
    ):
        released = PendingAction.objects.filter(
            pk=action.pk, state=ActionState.RUNNING, started_at__lt=stale_before
        ).update(state=ActionState.PENDING, result="The worker running it stopped; retried.")
        if released:
            _audit(action, None, "release")


def pending_actions_run_due(*, now: datetime | None = None) -> list[PendingAction]:
    """Run every action due at `now`; returns those this call ran (done or failed)."""
    now = now or timezone.now()
    _release_stale(now)
    due = list(
        PendingAction.objects.filter(state=ActionState.PENDING, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:BATCH_SIZE]
    )
    ran = [pending_action_run(pk=pk, now=now) for pk in due]
    return [action for action in ran if action is not None]
