"""The admin pages: approve/deny actions, pending actions with filters, grants, scoping."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client

from accounts import services as account_services
from accounts.models import User
from moderation import services
from moderation.models import ActionState, DomainGrant, RegistrationState

from .conftest import confirm_secret_from_outbox


@pytest.fixture
def as_superadmin(client: Client, superadmin: User) -> Client:
    client.force_login(superadmin)
    return client


@pytest.fixture
def as_domain_admin(client: Client, domain_admin: User) -> Client:
    domain_admin.is_staff = True
    domain_admin.save(update_fields=["is_staff"])
    client.force_login(domain_admin)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_approve_action_creates_the_login(
    as_superadmin, pending_registration, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_superadmin.post(
            "/admin/moderation/registration/",
            {"action": "approve", ACTION_CHECKBOX_NAME: [pending_registration.pk]},
            follow=True,
        )
    assert "Approved: 1." in _messages(response)
    assert User.objects.filter(username="newcomer").exists()
    assert "approved" in mail.outbox[-1].subject


def test_the_deny_action_asks_for_a_reason_first(as_superadmin, pending_registration):
    url = "/admin/moderation/registration/"
    ask = as_superadmin.post(
        url, {"action": "deny", ACTION_CHECKBOX_NAME: [pending_registration.pk]}
    )
    assert ask.status_code == 200
    assert "Reason, sent to the registrant" in ask.content.decode()
    pending_registration.refresh_from_db()
    assert pending_registration.state == RegistrationState.PENDING
    as_superadmin.post(
        url,
        {
            "action": "deny",
            "apply": "1",
            "reason": "Only for members.",
            ACTION_CHECKBOX_NAME: [pending_registration.pk],
        },
    )
    pending_registration.refresh_from_db()
    assert pending_registration.state == RegistrationState.DENIED
    assert pending_registration.decision_reason == "Only for members."


def test_approving_an_unconfirmed_request_is_reported_not_done(as_superadmin, submit):
    unconfirmed = submit("early")
    response = as_superadmin.post(
        "/admin/moderation/registration/",
        {"action": "approve", ACTION_CHECKBOX_NAME: [unconfirmed.pk]},
        follow=True,
    )
    assert any("early" in m and "waiting for moderation" in m for m in _messages(response))
    assert not User.objects.filter(username="early").exists()


def test_a_domain_admin_sees_only_requests_for_their_domains(as_domain_admin, submit, other_domain):
    account_services.domain_update(domain=other_domain, acting_user=None, registration_open=True)
    submit("ours")
    submit("theirs", domains=[other_domain])
    listing = as_domain_admin.get("/admin/moderation/registration/").content.decode()
    assert "ours" in listing
    assert "theirs" not in listing


def test_the_pending_actions_list_filters_by_state_and_kind(
    as_superadmin, member, members_mailbox, stranger, strangers_mailbox
):
    deletion = services.deletion_request(account=members_mailbox, acting_user=member)
    cancelled = services.deletion_request(account=strangers_mailbox, acting_user=stranger)
    services.pending_action_cancel(action=cancelled, acting_user=stranger)
    listing = as_superadmin.get("/admin/moderation/pendingaction/?state__exact=pending")
    body = listing.content.decode()
    assert "mina@example.org" in body
    assert "sam@example.net" not in body
    assert (
        as_superadmin.get("/admin/moderation/pendingaction/?kind__exact=rekey")
        .context["cl"]
        .result_count
        == 0
    )
    detail = as_superadmin.get(f"/admin/moderation/pendingaction/{deletion.pk}/change/")
    assert "create — member" in detail.content.decode()


def test_the_cancel_action_restores_the_mailbox(as_domain_admin, member, members_mailbox):
    action = services.deletion_request(account=members_mailbox, acting_user=member)
    as_domain_admin.post(
        "/admin/moderation/pendingaction/",
        {"action": "cancel", ACTION_CHECKBOX_NAME: [action.pk]},
    )
    action.refresh_from_db()
    assert action.state == ActionState.CANCELLED
    members_mailbox.refresh_from_db()
    assert members_mailbox.deletion_pending_since is None


def test_a_domain_admin_does_not_see_actions_of_other_domains(
    as_domain_admin, stranger, strangers_mailbox
):
    services.deletion_request(account=strangers_mailbox, acting_user=stranger)
    assert (
        "sam@example.net"
        not in as_domain_admin.get("/admin/moderation/pendingaction/").content.decode()
    )


def test_a_superadmin_grants_a_domain_in_the_admin(as_superadmin, owner, open_domain):
    response = as_superadmin.post(
        "/admin/moderation/domaingrant/add/", {"user": owner.pk, "domain": open_domain.pk}
    )
    assert response.status_code == 302
    grant = DomainGrant.objects.get(user=owner)
    assert grant.domain == open_domain
    assert grant.granted_by is not None


def test_plain_owners_cannot_reach_the_moderation_admin(client, member, pending_registration):
    member.is_staff = True  # even a staff flag does not make an owner a moderator
    member.save()
    client.force_login(member)
    assert client.get("/admin/moderation/registration/").status_code == 403


def test_the_confirmation_link_in_the_mail_points_at_the_public_url(submit, settings):
    settings.PUBLIC_URL = "https://mail.example.org"
    submit()
    secret = confirm_secret_from_outbox()
    assert f"https://mail.example.org/register/confirm/{secret}" in mail.outbox[-1].body
