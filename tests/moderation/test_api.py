"""/api/v1/registrations/ and /api/v1/pending-actions/: scoping, decisions, cancellation."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import User
from moderation import services
from moderation.models import ActionState, PendingAction, RegistrationState
from tests.api.helpers import assert_error, names


def _bearer(user) -> APIClient:
    _token, secret = account_services.api_token_create(principal=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


# --- registrations -------------------------------------------------------------------------


def test_moderators_list_and_filter_the_queue(pending_registration, submit, superadmin):
    submit("unconfirmed")
    api = _bearer(superadmin)
    assert names(api.get("/api/v1/registrations/"), "username") == {"newcomer", "unconfirmed"}
    assert names(api.get("/api/v1/registrations/?state=pending"), "username") == {"newcomer"}
    assert_error(api.get("/api/v1/registrations/?state=bogus"), 400, "invalid", "state")
    body = api.get(f"/api/v1/registrations/{pending_registration.pk}").json()
    assert body["domains"] == ["example.org"]
    assert "password" not in body
    assert "confirm_digest" not in body


def test_owners_see_no_registrations(pending_registration, member):
    api = _bearer(member)
    assert names(api.get("/api/v1/registrations/"), "username") == set()
    assert_error(api.get(f"/api/v1/registrations/{pending_registration.pk}"), 404, "not_found")
    response = api.post(
        f"/api/v1/registrations/{pending_registration.pk}/approve", {}, format="json"
    )
    assert_error(response, 404, "not_found")


def test_a_domain_admin_approves_over_the_api(pending_registration, domain_admin):
    api = _bearer(domain_admin)
    response = api.post(
        f"/api/v1/registrations/{pending_registration.pk}/approve",
        {"reason": "ok"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == RegistrationState.APPROVED
    assert response.json()["user"] == "newcomer"
    assert User.objects.filter(username="newcomer").exists()
    again = api.post(
        f"/api/v1/registrations/{pending_registration.pk}/deny", {"reason": "x"}, format="json"
    )
    assert_error(again, 409, "conflict")


def test_a_domain_admin_of_another_domain_sees_nothing(pending_registration, other_domain):
    stranger_admin = User.objects.create_user("nadmin", password="nadmin-password-1")
    stranger_admin.managed_domains.add(other_domain)
    api = _bearer(stranger_admin)
    assert names(api.get("/api/v1/registrations/"), "username") == set()


def test_denying_over_the_api_needs_a_reason(pending_registration, superadmin):
    api = _bearer(superadmin)
    url = f"/api/v1/registrations/{pending_registration.pk}/deny"
    assert_error(api.post(url, {}, format="json"), 400, "invalid", "reason")
    response = api.post(url, {"reason": "Spam."}, format="json")
    assert response.json()["state"] == RegistrationState.DENIED
    assert response.json()["decision_reason"] == "Spam."


# --- pending actions -----------------------------------------------------------------------


def test_an_owner_asks_for_a_deletion_and_cancels_it_over_the_api(member, members_mailbox):
    api = _bearer(member)
    response = api.post(
        "/api/v1/pending-actions/",
        {"kind": "deletion", "account": "mina@example.org"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["state"], body["cancellable"]) == ("deletion", "pending", True)
    assert body["requested_by"] == "member"
    assert names(api.get("/api/v1/pending-actions/?kind=deletion"), "id") == {body["id"]}
    response = api.post(f"/api/v1/pending-actions/{body['id']}/cancel")
    assert response.json()["state"] == ActionState.CANCELLED
    members_mailbox.refresh_from_db()
    assert members_mailbox.deletion_pending_since is None


def test_an_owner_cannot_see_or_touch_another_owners_actions_over_the_api(
    member, members_mailbox, stranger, strangers_mailbox
):
    theirs = services.deletion_request(account=strangers_mailbox, acting_user=stranger)
    api = _bearer(member)
    assert names(api.get("/api/v1/pending-actions/"), "id") == set()
    assert_error(api.get(f"/api/v1/pending-actions/{theirs.pk}"), 404, "not_found")
    assert_error(api.post(f"/api/v1/pending-actions/{theirs.pk}/cancel"), 404, "not_found")
    response = api.post(
        "/api/v1/pending-actions/",
        {"kind": "deletion", "account": "sam@example.net"},
        format="json",
    )
    assert_error(response, 404, "not_found", "account")
    # And the accounts API does not show it either.
    assert_error(api.get("/api/v1/accounts/sam@example.net"), 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.state == ActionState.PENDING
    strangers_mailbox.refresh_from_db()
    assert strangers_mailbox.deletion_pending_since is not None


def test_admins_see_the_actions_of_their_domains(
    member, members_mailbox, stranger, strangers_mailbox, domain_admin, superadmin
):
    mine = services.deletion_request(account=members_mailbox, acting_user=member)
    theirs = services.deletion_request(account=strangers_mailbox, acting_user=stranger)
    assert names(_bearer(domain_admin).get("/api/v1/pending-actions/"), "id") == {mine.pk}
    assert names(_bearer(superadmin).get("/api/v1/pending-actions/?state=pending"), "id") == {
        mine.pk,
        theirs.pk,
    }


def test_a_finished_action_cannot_be_cancelled_over_the_api(member, members_mailbox):
    action = services.deletion_request(account=members_mailbox, acting_user=member)
    PendingAction.objects.filter(pk=action.pk).update(state=ActionState.DONE)
    assert_error(
        _bearer(member).post(f"/api/v1/pending-actions/{action.pk}/cancel"), 409, "conflict"
    )


@pytest.mark.parametrize("path", ["/api/v1/pending-actions/abc", "/api/v1/registrations/1x"])
def test_a_key_that_is_not_an_id_is_not_found(superadmin, path):
    assert_error(_bearer(superadmin).get(path), 404, "not_found")


def test_the_schema_documents_the_moderation_endpoints(superadmin):
    api = _bearer(superadmin)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/v1/registrations/{id}/approve",
        "/api/v1/pending-actions/{id}/cancel",
    ):
        assert path in schema
