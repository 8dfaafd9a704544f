"""Expiry: prune deletes expired token accounts with their mail; a warning arrives once before."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

import pytest
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Account, AuditEvent
from imapd.models import Message
from imapd.store.blobs import blob_read
from mailplatform.celery import app as celery_app
from provisioning import services, tasks
from provisioning.models import TokenAccount


@pytest.fixture
def month_token(make_token):
    return make_token("month", expiry="30d")


def _redeem(token, now=None):
    return services.token_redeem(secret=token.secret, now=now).account


def _inbox_messages(account: Account) -> list:
    rows = Message.objects.filter(mailbox__account=account, mailbox__name="INBOX")
    return [
        message_from_bytes(
            blob_read(account_id=account.pk, key=m.content.blob_key), policy=policy.default
        )
        for m in rows.select_related("content")
    ]


# --- prune -----------------------------------------------------------------------------------


def test_prune_deletes_expired_token_accounts_only(make_token):
    now = timezone.now()
    short = _redeem(make_token("hour", expiry="1h"), now)
    long = _redeem(make_token("week", expiry="1w"), now)
    forever = _redeem(make_token("forever", expiry="never"), now)
    # An ordinary account that has expired is not provisioning's to delete.
    ordinary = account_services.account_create(
        domain=short.domain,
        local_part="ordinary",
        password=None,
        acting_user=None,
        expires_at=now,
    )
    later = now + timedelta(hours=2)
    assert services.token_accounts_prune(now=later) == [short.address]
    assert set(Account.objects.values_list("local_part", flat=True)) == {
        long.local_part,
        forever.local_part,
        ordinary.local_part,
    }
    deletion = AuditEvent.objects.get(action="account.delete")
    assert (deletion.target, deletion.actor) == (short.address, "system")


def test_dry_run_lists_what_would_go_and_deletes_nothing(make_token):
    now = timezone.now()
    account = _redeem(make_token("hour", expiry="1h"), now)
    assert services.token_accounts_prune(now=now + timedelta(hours=2), dry_run=True) == [
        account.address
    ]
    assert Account.objects.filter(pk=account.pk).exists()


def test_prune_deletes_the_accounts_mail(month_token):
    now = timezone.now()
    account = _redeem(month_token, now)
    assert services.token_accounts_warn(now=now + timedelta(days=28)) == [account.address]
    assert Message.objects.filter(mailbox__account_id=account.pk).count() == 1
    assert services.token_accounts_prune(now=now + timedelta(days=31)) == [account.address]
    assert not Message.objects.filter(mailbox__account_id=account.pk).exists()


def test_recent_login_keeps_an_expired_account_for_the_grace_period(make_token, settings):
    settings.PROVISIONING_PRUNE_LOGIN_GRACE = 7 * 86400
    now = timezone.now()
    account = _redeem(make_token("day", expiry="1d"), now)
    Account.objects.filter(pk=account.pk).update(last_login_at=now + timedelta(hours=23))
    assert services.token_accounts_prune(now=now + timedelta(days=2)) == []
    assert services.token_accounts_prune(now=now + timedelta(days=8)) == [account.address]


def test_without_grace_a_recent_login_does_not_keep_an_account(make_token):
    now = timezone.now()
    account = _redeem(make_token("day", expiry="1d"), now)
    Account.objects.filter(pk=account.pk).update(last_login_at=now + timedelta(hours=23))
    assert services.token_accounts_prune(now=now + timedelta(days=2)) == [account.address]


def test_a_row_claimed_by_another_prune_run_is_not_deleted_again(make_token):
    now = timezone.now()
    account = _redeem(make_token("hour", expiry="1h"), now)
    TokenAccount.objects.filter(account=account).update(prune_claimed_at=now)
    assert services.token_accounts_prune(now=now + timedelta(hours=2)) == []
    assert not AuditEvent.objects.filter(action="account.delete").exists()


def test_prune_task_uses_the_clock(make_token, monkeypatch):
    now = timezone.now()
    account = _redeem(make_token("hour", expiry="1h"), now)
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(hours=2))
    assert tasks.prune() == [account.address]
    assert not Account.objects.filter(pk=account.pk).exists()


def test_beat_runs_prune_and_warnings_hourly(settings):
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    for name in ("provisioning.tasks.prune", "provisioning.tasks.send_expiry_warnings"):
        assert schedule[name] == 3600.0
        assert name in celery_app.tasks


# --- warnings --------------------------------------------------------------------------------


def test_warning_arrives_once_in_the_inbox_days_before_expiry(month_token):
    now = timezone.now()
    account = _redeem(month_token, now)
    assert services.token_accounts_warn(now=now + timedelta(days=26)) == []  # too early
    warn_at = now + timedelta(days=28)
    assert services.token_accounts_warn(now=warn_at) == [account.address]
    assert services.token_accounts_warn(now=now + timedelta(days=29)) == []  # once only
    (message,) = _inbox_messages(account)
    assert message["To"] == account.address
    assert "expires" in message["Subject"]
    assert account.address in message["Subject"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].startswith("<")
    assert message["From"]
    assert parsedate_to_datetime(message["Date"]) == warn_at.replace(microsecond=0)
    assert "deleted" in message.get_content()
    assert TokenAccount.objects.get(account=account).warned_at == warn_at


def test_accounts_living_shorter_than_the_warning_period_get_none(make_token):
    now = timezone.now()
    _redeem(make_token("day", expiry="1d"), now)
    assert services.token_accounts_warn(now=now + timedelta(hours=20)) == []


def test_no_warnings_when_the_setting_is_zero(month_token, settings):
    settings.PROVISIONING_WARN_BEFORE = 0
    now = timezone.now()
    _redeem(month_token, now)
    assert services.token_accounts_warn(now=now + timedelta(days=29)) == []


def test_failed_delivery_is_retried_on_the_next_run(month_token, monkeypatch):
    now = timezone.now()
    account = _redeem(month_token, now)

    def broken(**kwargs):
        raise OSError("disk full")

    real = services.deliver_to_inbox
    monkeypatch.setattr(services, "deliver_to_inbox", broken)
    assert services.token_accounts_warn(now=now + timedelta(days=28)) == []
    assert TokenAccount.objects.get(account=account).warned_at is None
    monkeypatch.setattr(services, "deliver_to_inbox", real)
    assert services.token_accounts_warn(now=now + timedelta(days=28)) == [account.address]
    assert len(_inbox_messages(account)) == 1


def test_a_second_worker_running_meanwhile_does_not_warn_again(month_token, monkeypatch):
    now = timezone.now() + timedelta(days=28)
    account = _redeem(month_token, now - timedelta(days=28))
    real = services.deliver_to_inbox
    second_run: list[list[str]] = []

    def deliver_while_another_worker_runs(**kwargs):
        second_run.append(services.token_accounts_warn(now=now))
        real(**kwargs)

    monkeypatch.setattr(services, "deliver_to_inbox", deliver_while_another_worker_runs)
    assert services.token_accounts_warn(now=now) == [account.address]
    assert second_run == [[]]
    assert len(_inbox_messages(account)) == 1


def test_warning_task_uses_the_clock(month_token, monkeypatch):
    now = timezone.now()
    account = _redeem(month_token, now)
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(days=28))
    assert tasks.send_expiry_warnings() == [account.address]
