"""Registration: submit, confirm by mail, moderate (approve/deny), purge, rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AuditEvent, User
from mailplatform.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from moderation import services, tasks
from moderation.models import DomainGrant, Registration, RegistrationState
from moderation.selectors import domain_is_granted
from provisioning.errors import RateLimited

from .conftest import WEB_PASSWORD, confirm_secret_from_outbox


def test_submission_stores_only_a_hash_and_mails_a_confirmation_link(submit):
    registration = submit()
    assert registration.state == RegistrationState.UNCONFIRMED
    assert WEB_PASSWORD not in registration.password
    assert registration.password.startswith(("md5$", "argon2", "pbkdf2"))
    message = mail.outbox[-1]
    assert message.to == ["newcomer@elsewhere.test"]
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    secret = confirm_secret_from_outbox()
    # The link's secret is not kept: only its digest.
    assert secret not in registration.confirm_digest
    assert len(registration.confirm_digest) == 64


def test_confirmation_expires_after_the_ttl(submit):
    registration = submit()
    secret = confirm_secret_from_outbox()
    later = registration.confirm_before + timedelta(seconds=1)
    with pytest.raises(NotFound):
        services.registration_confirm(secret=secret, now=later)


def test_confirmation_link_works_once(submit):
    submit()
    secret = confirm_secret_from_outbox()
    assert services.registration_confirm(secret=secret).state == RegistrationState.PENDING
    with pytest.raises(NotFound):
        services.registration_confirm(secret=secret)


def test_confirmation_tells_moderators_with_an_address(
    submit, superadmin, domain_admin, django_capture_on_commit_callbacks
):
    domain_admin.email = "dadmin@example.org"
    domain_admin.save()
    submit()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_confirm(secret=confirm_secret_from_outbox())
    notice = mail.outbox[-1]
    assert sorted(notice.bcc) == ["dadmin@example.org", "root@example.org"]
    assert notice.to == []
    assert "newcomer" in notice.subject


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"username": "bad name!"}, "username"),
        ({"contact_email": "not-an-address"}, "contact_email"),
        ({"reason": "   "}, "reason"),
        ({"password": "123"}, "password"),
        ({"password": "newcomer1"}, "password"),  # too close to the username
        ({"domains": []}, "domains"),
    ],
)
def test_invalid_submissions_are_refused_on_their_field(submit, values, field):
    with pytest.raises(ValidationFailed) as refused:
        submit(**values)
    assert refused.value.field == field
    assert not Registration.objects.exists()
    assert not mail.outbox


def test_a_domain_closed_for_registration_cannot_be_asked_for(submit, other_domain):
    with pytest.raises(ValidationFailed) as refused:
        submit(domains=[other_domain])
    assert refused.value.field == "domains"


def test_a_taken_username_is_refused_whatever_its_case(submit, owner):
    with pytest.raises(Conflict):
        submit(username="OWNER")
    submit(username="twin")
    with pytest.raises(Conflict):
        submit(username="Twin")


@override_settings(REGISTRATION_RATE_LIMIT=2, REGISTRATION_RATE_LIMIT_WINDOW=3600)
def test_registrations_are_rate_limited_per_client_address(submit):
    submit("first", remote_addr="192.0.2.7")
    with pytest.raises(ValidationFailed):  # a refused attempt counts too
        submit("second", remote_addr="192.0.2.7", reason="")
    with pytest.raises(RateLimited) as limited:
        submit("third", remote_addr="192.0.2.7")
    assert limited.value.retry_after == 3600
    # Another client is not affected.
    assert submit("fourth", remote_addr="192.0.2.8").username == "fourth"
    assert AuditEvent.objects.filter(
        action="registration.rate_limited", remote_addr="192.0.2.7"
    ).exists()


def test_approval_creates_the_login_with_the_chosen_password_and_grants_domains(
    pending_registration, superadmin, open_domain, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.registration_approve(
            registration=pending_registration, acting_user=superadmin, reason="Welcome!"
        )
    assert authenticate(username="newcomer", password=WEB_PASSWORD) == user
    assert user.email == "newcomer@elsewhere.test"
    assert not user.is_staff
    assert not user.is_superuser
    assert domain_is_granted(user=user, domain=open_domain)
    pending_registration.refresh_from_db()
    assert pending_registration.state == RegistrationState.APPROVED
    assert pending_registration.user == user
    assert pending_registration.password == ""  # the hash moved to the user
    notice = mail.outbox[-1]
    assert notice.to == ["newcomer@elsewhere.test"]
    assert "approved" in notice.subject
    assert "Welcome!" in notice.body
    assert "/account/login/" in notice.body
    assert AuditEvent.objects.filter(action="registration.approve", target="newcomer").exists()


def test_denial_needs_a_reason_which_is_mailed_and_no_login_is_created(
    pending_registration, superadmin, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationFailed):
        services.registration_deny(
            registration=pending_registration, acting_user=superadmin, reason=" "
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_deny(
            registration=pending_registration, acting_user=superadmin, reason="Not a member."
        )
    pending_registration.refresh_from_db()
    assert pending_registration.state == RegistrationState.DENIED
    assert pending_registration.password == ""
    assert not User.objects.filter(username="newcomer").exists()
    assert "declined" in mail.outbox[-1].subject
    assert "Not a member." in mail.outbox[-1].body


def test_a_decided_or_unconfirmed_registration_cannot_be_decided(submit, superadmin):
    unconfirmed = submit("early")
    with pytest.raises(Conflict):
        services.registration_approve(registration=unconfirmed, acting_user=superadmin)
    submit("late")
    confirmed = services.registration_confirm(secret=confirm_secret_from_outbox())
    services.registration_deny(registration=confirmed, acting_user=superadmin, reason="No.")
    with pytest.raises(Conflict):
        services.registration_approve(registration=confirmed, acting_user=superadmin)
    assert not User.objects.filter(username__in=["early", "late"]).exists()


def test_domain_admins_decide_only_requests_for_their_domains(
    submit, domain_admin, open_domain, other_domain, owner
):
    account_services.domain_update(domain=other_domain, acting_user=None, registration_open=True)
    submit("mine")
    mine = services.registration_confirm(secret=confirm_secret_from_outbox())
    submit("both", domains=[open_domain, other_domain])
    both = services.registration_confirm(secret=confirm_secret_from_outbox())
    with pytest.raises(NotPermitted):
        services.registration_approve(registration=both, acting_user=domain_admin)
    with pytest.raises(NotPermitted):
        services.registration_approve(registration=mine, acting_user=owner)
    user = services.registration_approve(registration=mine, acting_user=domain_admin)
    assert list(DomainGrant.objects.filter(user=user).values_list("domain__name", flat=True)) == [
        "example.org"
    ]


def test_purge_removes_only_unconfirmed_requests_past_their_deadline(submit, pending_registration):
    stale = submit("stale")
    fresh_deadline = stale.confirm_before
    assert tasks.purge_registrations(now=fresh_deadline - timedelta(seconds=1)) == []
    assert tasks.purge_registrations(now=(fresh_deadline + timedelta(seconds=1)).isoformat()) == [
        "stale"
    ]
    assert set(Registration.objects.values_list("username", flat=True)) == {"newcomer"}


def test_the_username_of_a_purged_request_is_free_again(submit):
    submit("again")
    tasks.purge_registrations(now=timezone.now() + timedelta(days=3))
    assert submit("again").state == RegistrationState.UNCONFIRMED


def test_a_failing_confirmation_mail_leaves_no_request_behind(submit, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("mail system down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    with pytest.raises(OSError, match="mail system down"):
        submit()
    assert not Registration.objects.exists()
