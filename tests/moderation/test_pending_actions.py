"""Pending actions: deletion with a grace period, cancellation, rekey, atomic claims, retries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Account, AuditEvent
from imapd.models import Mailbox, Message
from imapd.smtp.delivery import recipient_check
from imapd.store.quota import account_usage
from mailplatform.errors import Conflict, NotPermitted, ValidationFailed
from moderation import services, tasks
from moderation.models import ActionKind, ActionState, PendingAction

from .conftest import MAILBOX_PASSWORD, put_mail


def _after_grace(action: PendingAction) -> str:
    return (action.due_at + timedelta(seconds=1)).isoformat()


def test_a_deletion_request_disables_the_mailbox_everywhere_and_keeps_its_mail(
    member, members_mailbox
):
    put_mail(members_mailbox)
    action = services.deletion_request(account=members_mailbox, acting_user=member)
    members_mailbox.refresh_from_db()
    assert members_mailbox.deletion_pending_since is not None
    assert action.kind == ActionKind.DELETION
    assert action.state == ActionState.PENDING
    assert action.requested_by == member
    # IMAP, SMTP submission and the API log in through account_authenticate.
    assert (
        account_services.account_authenticate(
            address=members_mailbox.address, password=MAILBOX_PASSWORD
        )
        is None
    )
    # LMTP and inbound SMTP refuse it at RCPT time.
    assert not recipient_check(members_mailbox.address).accepted
    assert account_usage(account_id=members_mailbox.pk)[1] == 1


def test_the_deletion_is_due_after_the_grace_period(member, members_mailbox, settings):
    settings.DELETION_GRACE = 3600
    before = timezone.now()
    action = services.deletion_request(account=members_mailbox, acting_user=member)
    assert timedelta(seconds=3599) <= action.due_at - before <= timedelta(seconds=3601)
    assert tasks.run_pending_actions(now=action.due_at - timedelta(seconds=1)) == []
    assert Account.objects.filter(pk=members_mailbox.pk).exists()


def test_cancelling_gives_the_mailbox_back_unchanged(member, members_mailbox):
    put_mail(members_mailbox, subject="Keep me")
    action = services.deletion_request(account=members_mailbox, acting_user=member)
    services.pending_action_cancel(action=action, acting_user=member)
    members_mailbox.refresh_from_db()
    assert members_mailbox.deletion_pending_since is None
    assert account_services.account_authenticate(
        address=members_mailbox.address, password=MAILBOX_PASSWORD
    )
    assert recipient_check(members_mailbox.address).accepted
    assert Message.objects.filter(mailbox__account=members_mailbox).count() == 1
    action.refresh_from_db()
    assert action.state == ActionState.CANCELLED
    # Nothing is left for the periodic job, however late it runs.
    assert tasks.run_pending_actions(now=timezone.now() + timedelta(days=30)) == []
    assert Account.objects.filter(pk=members_mailbox.pk).exists()


def test_a_second_deletion_request_is_refused(member, members_mailbox):
    services.deletion_request(account=members_mailbox, acting_user=member)
    with pytest.raises(Conflict):
        services.deletion_request(account=members_mailbox, acting_user=member)


def test_after_the_grace_the_job_deletes_the_account_and_all_its_mail(
    member, members_mailbox, settings
):
    put_mail(members_mailbox)
    services.mailbox_alias_add(account=members_mailbox, local_part="nick", acting_user=member)
    action = services.deletion_request(account=members_mailbox, acting_user=member)
    ran = tasks.run_pending_actions(now=_after_grace(action))
    assert [(r["id"], r["state"]) for r in ran] == [(action.pk, "done")]
    assert not Account.objects.filter(pk=members_mailbox.pk).exists()
    assert not Mailbox.objects.filter(account_id=members_mailbox.pk).exists()
    assert not Message.objects.filter(mailbox__account_id=members_mailbox.pk).exists()
    action.refresh_from_db()
    assert action.state == ActionState.DONE
    assert action.account is None
    assert action.address == "mina@example.org"
    assert "Deleted mina@example.org" in action.result
    # Through the one deletion service, which audits it; the history names every step.
    assert AuditEvent.objects.filter(action="account.delete", target="mina@example.org").exists()
    steps = AuditEvent.objects.filter(detail__id=action.pk).order_by("at")
    assert [e.action for e in steps] == ["pending_action.create", "pending_action.done"]


def test_a_claimed_action_is_never_run_twice(member, members_mailbox, settings):
    action = services.deletion_request(account=members_mailbox, acting_user=member)
    later = action.due_at + timedelta(seconds=1)
    first = services.pending_action_run(pk=action.pk, now=later)
    second = services.pending_action_run(pk=action.pk, now=later)
    assert first is not None
    assert first.state == ActionState.DONE
    assert second is None
    assert AuditEvent.objects.filter(action="account.delete").count() == 1


def test_a_running_action_cannot_be_cancelled_or_claimed_again(member, members_mailbox):
    action = services.deletion_request(account=members_mailbox, acting_user=member)
    PendingAction.objects.filter(pk=action.pk).update(
        state=ActionState.RUNNING, started_at=timezone.now()
    )
    with pytest.raises(Conflict):
        services.pending_action_cancel(action=action, acting_user=member)
    assert services.pending_action_run(pk=action.pk, now=action.due_at) is None


def test_a_failure_is_recorded_and_retried_later(member, members_mailbox, settings, monkeypatch):
    settings.PENDING_ACTION_RETRY_DELAY = 600
    settings.PENDING_ACTION_MAX_ATTEMPTS = 2
    action = services.deletion_request(account=members_mailbox, acting_user=member)
    now = action.due_at + timedelta(seconds=1)

    def broken(*, account, acting_user):
        raise OSError("blob store unavailable")

    monkeypatch.setattr("moderation.services.pending_actions.account_delete", broken)
    services.pending_actions_run_due(now=now)
    action.refresh_from_db()
    assert action.state == ActionState.PENDING
    assert action.attempts == 1
    assert action.result == "OSError: blob store unavailable"
    assert action.due_at == now + timedelta(seconds=600)
    assert Account.objects.filter(pk=members_mailbox.pk).exists()
    # The last attempt fails for good: an admin sees it, the mailbox stays disabled.
    services.pending_actions_run_due(now=action.due_at)
    action.refresh_from_db()
    assert action.state == ActionState.FAILED
    assert action.attempts == 2
    members_mailbox.refresh_from_db()
    assert members_mailbox.deletion_pending_since is not None
    fails = AuditEvent.objects.filter(action="pending_action.fail", detail__id=action.pk)
    assert fails.count() == 2
    # Once the cause is fixed, a retry by an admin runs it.
    monkeypatch.undo()
    services.pending_action_retry(action=action, acting_user=None, now=action.due_at)
    services.pending_actions_run_due(now=action.due_at + timedelta(seconds=1))
    action.refresh_from_db()
    assert action.state == ActionState.DONE
    assert not Account.objects.filter(pk=members_mailbox.pk).exists()


def test_an_action_left_running_by_a_dead_worker_is_run_again(member, members_mailbox, settings):
    settings.PENDING_ACTION_STALE_AFTER = 3600
    action = services.deletion_request(account=members_mailbox, acting_user=member)
    started = action.due_at + timedelta(seconds=1)
    PendingAction.objects.filter(pk=action.pk).update(
        state=ActionState.RUNNING, started_at=started, attempts=1
    )
    assert services.pending_actions_run_due(now=started + timedelta(minutes=30)) == []
    ran = services.pending_actions_run_due(now=started + timedelta(hours=2))
    assert [a.pk for a in ran] == [action.pk]
    assert ran[0].state == ActionState.DONE


def test_a_password_change_needs_the_old_password_and_records_a_rekey(member, members_mailbox):
    with pytest.raises(ValidationFailed, match="current password is wrong"):
        services.mailbox_password_change(
            account=members_mailbox,
            old_password="not-it",
            new_password="brand-new-secret-77",
            acting_user=member,
        )
    rekey = services.mailbox_password_change(
        account=members_mailbox,
        old_password=MAILBOX_PASSWORD,
        new_password="brand-new-secret-77",
        acting_user=member,
    )
    assert rekey.kind == ActionKind.REKEY
    assert rekey.due_at <= timezone.now()
    assert account_services.account_authenticate(
        address=members_mailbox.address, password="brand-new-secret-77"
    )
    # Re-wrapped in the password change's own transaction (imapd.crypto): recorded done.
    assert rekey.state == ActionState.DONE
    assert tasks.run_pending_actions() == []


def test_wrong_current_passwords_lock_the_password_change_like_a_login(
    member, members_mailbox, settings
):
    settings.LOGIN_LOCKOUT_ACCOUNT_AFTER = 2
    for _ in range(2):
        with pytest.raises(ValidationFailed, match="wrong"):
            services.mailbox_password_change(
                account=members_mailbox,
                old_password="guess",
                new_password="brand-new-secret-77",
                acting_user=member,
            )
    with pytest.raises(NotPermitted):
        services.mailbox_password_change(
            account=members_mailbox,
            old_password=MAILBOX_PASSWORD,
            new_password="brand-new-secret-77",
            acting_user=member,
        )


def test_weak_new_mailbox_passwords_are_refused(member, members_mailbox):
    with pytest.raises(ValidationFailed) as refused:
        services.mailbox_password_change(
            account=members_mailbox,
            old_password=MAILBOX_PASSWORD,
            new_password="1234",
            acting_user=member,
        )
    assert refused.value.field == "new_password"


def test_an_owner_cannot_ask_to_delete_someone_elses_mailbox(member, strangers_mailbox):
    with pytest.raises(NotPermitted):
        services.deletion_request(account=strangers_mailbox, acting_user=member)
    strangers_mailbox.refresh_from_db()
    assert strangers_mailbox.deletion_pending_since is None


def test_an_owner_cannot_cancel_someone_elses_deletion(member, stranger, strangers_mailbox):
    action = services.deletion_request(account=strangers_mailbox, acting_user=stranger)
    with pytest.raises(NotPermitted):
        services.pending_action_cancel(action=action, acting_user=member)


def test_a_domain_admin_cancels_a_deletion_in_their_domain(member, members_mailbox, domain_admin):
    action = services.deletion_request(account=members_mailbox, acting_user=member)
    services.pending_action_cancel(action=action, acting_user=domain_admin)
    members_mailbox.refresh_from_db()
    assert members_mailbox.deletion_pending_since is None
