"""The mailbox admin page: scoped like the account pages, deletion through the service."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import services as account_services
from accounts.models import User
from imapd.models import Mailbox, Message
from imapd.store import services
from tests.imapd.store.conftest import items

CHANGELIST = "admin:imapd_mailbox_changelist"


@pytest.fixture
def staff_superadmin(superadmin: User) -> User:
    superadmin.is_staff = True
    superadmin.save(update_fields=["is_staff"])
    return superadmin


def test_superadmin_sees_every_mailbox(client, staff_superadmin, account):
    client.force_login(staff_superadmin)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert set(response.context["cl"].queryset) == set(Mailbox.objects.all())


def test_domain_admin_sees_only_mailboxes_of_their_domains(
    client, domain_admin, account, other_domain
):
    stranger = account_services.account_create(
        domain=other_domain, local_part="eve", password=None, acting_user=None
    )
    domain_admin.is_staff = True
    domain_admin.save(update_fields=["is_staff"])
    client.force_login(domain_admin)
    shown = set(client.get(reverse(CHANGELIST)).context["cl"].queryset)
    assert shown == set(Mailbox.objects.filter(account=account))
    assert not shown & set(Mailbox.objects.filter(account=stranger))


def test_owner_without_domains_gets_no_mailbox_page(client, owner, account):
    owner.is_staff = True
    owner.save(update_fields=["is_staff"])
    client.force_login(owner)
    assert client.get(reverse(CHANGELIST)).status_code == 403


def test_mailboxes_cannot_be_added_or_edited(client, staff_superadmin, account):
    client.force_login(staff_superadmin)
    mailbox = Mailbox.objects.get(account=account, name="Sent")
    assert client.get(reverse("admin:imapd_mailbox_add")).status_code == 403
    response = client.post(
        reverse("admin:imapd_mailbox_change", args=[mailbox.pk]), {"name": "Renamed"}
    )
    assert response.status_code == 403
    assert Mailbox.objects.get(pk=mailbox.pk).name == "Sent"


def test_delete_action_goes_through_the_service(client, staff_superadmin, account):
    parent = services.mailbox_create(account=account, name="Old")
    child = services.mailbox_create(account=account, name="Old/Older")
    services.messages_append(mailbox=child, items=items(2))
    client.force_login(staff_superadmin)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "delete_with_messages", "_selected_action": [parent.pk, child.pk]},
    )
    assert response.status_code == 302
    assert not Mailbox.objects.filter(account=account, name__startswith="Old").exists()
    assert not Message.objects.filter(mailbox_id=child.pk).exists()


def test_delete_action_refuses_inbox_and_keeps_everything(client, staff_superadmin, account):
    inbox = Mailbox.objects.get(account=account, name="INBOX")
    junk = Mailbox.objects.get(account=account, name="Junk")
    client.force_login(staff_superadmin)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "delete_with_messages", "_selected_action": [inbox.pk, junk.pk]},
        follow=True,
    )
    assert "INBOX cannot be deleted." in [str(m) for m in response.context["messages"]]
    assert Mailbox.objects.filter(pk__in=[inbox.pk, junk.pk]).count() == 2
