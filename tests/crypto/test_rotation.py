"""Key rotation: ordered by an admin, started at the next login, carried out in the background
(only the small wrapped keys change), resumable, visible as a pending action, and losing no
delivery made meanwhile."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import Account
from imapd.crypto import envelope
from imapd.crypto.maintenance import keys_maintenance_step
from imapd.crypto.models import AccountKeyPair, KeyPairState
from imapd.crypto.sealing import sealer_for
from imapd.crypto.services import account_keys_rotate
from imapd.models import Mailbox, MessageContent
from imapd.store import blobs
from imapd.store.services import StoredMessage, messages_import
from imapd.store.summary import content_fields
from mailplatform.errors import Conflict
from moderation import services as moderation_services
from moderation.models import ActionKind, ActionState, PendingAction
from tests.crypto.conftest import (
    PASSWORD,
    blob_files,
    deliver,
    keys_of,
    message,
    read_mailbox,
    unlock,
)


def _run_to_the_end(account: Account, keyring, batch: int = 5) -> int:
    steps = 0
    while not keys_maintenance_step(account_id=account.pk, keyring=keyring, batch=batch).done:
        steps += 1
    return steps


def _states(account: Account) -> list[str]:
    return list(
        AccountKeyPair.objects.filter(account=account)
        .order_by("pk")
        .values_list("state", flat=True)
    )


def _assert_all_read(account: Account, count: int) -> None:
    """With a fresh login, whose keyring holds the current pair only (the old one is gone)."""
    ring = unlock(account)
    assert ring is not None
    assert len(ring.pairs) == 1
    mail = read_mailbox(account, ring)
    assert len(mail) == count
    bodies = {raw[raw.index(b"From: ") :] for raw, _, _ in mail}
    assert bodies == {message(n) for n in range(count)}


@pytest.mark.django_db
def test_an_ordered_rotation_is_a_pending_rekey_that_waits_for_the_next_login(alice):
    action = account_keys_rotate(account=alice, acting_user=None)
    assert (action.kind, action.state) == (ActionKind.REKEY, ActionState.PENDING)
    assert "next login" in action.result
    with pytest.raises(Conflict):
        account_keys_rotate(account=alice, acting_user=None)
    # The periodic job cannot do it (no private key there): the action waits, uncounted.
    later = timezone.now() + timedelta(minutes=1)
    moderation_services.pending_actions_run_due(now=later)
    action.refresh_from_db()
    assert action.state == ActionState.PENDING
    assert action.attempts == 0
    assert action.due_at > later
    assert "waiting for the next login" in action.result


@pytest.mark.django_db
def test_the_rotation_rewraps_every_message_key_and_leaves_the_bodies_alone(alice):
    for n in range(12):
        deliver(alice, message(n))
    blobs_before = blob_files(alice, settings.BLOB_DIR)
    texts_before = list(
        MessageContent.objects.order_by("pk").values_list("envelope", "structure", "header_fields")
    )
    account_keys_rotate(account=alice, acting_user=None)
    ring = keys_of(alice)
    assert _states(alice) == [KeyPairState.RETIRING, KeyPairState.CURRENT]
    action = PendingAction.objects.get(kind=ActionKind.REKEY)
    assert action.state == ActionState.RUNNING
    keys_maintenance_step(account_id=alice.pk, keyring=ring, batch=5)
    action.refresh_from_db()
    assert action.result == "Key rotation: 7 message keys left to re-wrap."
    _run_to_the_end(alice, ring)
    assert _states(alice) == [KeyPairState.CURRENT]
    action.refresh_from_db()
    assert action.state == ActionState.DONE
    # Only the wrapped keys changed: same blob files, same sealed texts.
    assert blob_files(alice, settings.BLOB_DIR) == blobs_before
    assert (
        list(
            MessageContent.objects.order_by("pk").values_list(
                "envelope", "structure", "header_fields"
            )
        )
        == texts_before
    )
    _assert_all_read(alice, 12)


@pytest.mark.django_db
def test_deliveries_during_a_rotation_all_remain_readable(alice):
    for n in range(6):
        deliver(alice, message(n))
    # Prepared (sealed to the old pair) before the rotation starts, committed after it.
    sealer = sealer_for(alice.pk)
    assert sealer is not None
    late = sealer.seal(message(6), content_fields(message(6)))
    [late_key] = blobs.blobs_write(account_id=alice.pk, contents=[late.blob])
    account_keys_rotate(account=alice, acting_user=None)
    ring = keys_of(alice)
    inbox = Mailbox.objects.get(account=alice, name="INBOX")
    messages_import(
        mailbox=inbox, stored=[StoredMessage(blob_key=late_key, fields=late.fields, seal=late.seal)]
    )
    n = 7
    while not keys_maintenance_step(account_id=alice.pk, keyring=ring, batch=2).done:
        if n < 12:
            deliver(alice, message(n))
            n += 1
    while n < 12:
        deliver(alice, message(n))
        n += 1
    _run_to_the_end(alice, ring)
    assert _states(alice) == [KeyPairState.CURRENT]
    _assert_all_read(alice, 12)


@pytest.mark.django_db
def test_an_interrupted_rotation_resumes_at_the_next_login(alice):
    for n in range(10):
        deliver(alice, message(n))
    account_keys_rotate(account=alice, acting_user=None)
    first = keys_of(alice)
    keys_maintenance_step(account_id=alice.pk, keyring=first, batch=4)
    first.forget()  # the session ended halfway
    assert _states(alice) == [KeyPairState.RETIRING, KeyPairState.CURRENT]
    second = unlock(alice)
    assert second is not None
    assert len(second.pairs) == 2
    _run_to_the_end(alice, second)
    assert _states(alice) == [KeyPairState.CURRENT]
    assert PendingAction.objects.get(kind=ActionKind.REKEY).state == ActionState.DONE
    _assert_all_read(alice, 10)


@pytest.mark.django_db
def test_settling_turns_delivery_wraps_into_fast_ones_and_reads_the_same(alice):
    for n in range(4):
        deliver(alice, message(n))

    def forms() -> set[int]:
        return {
            bytes(k or b"")[0] for k in MessageContent.objects.values_list("sealed_key", flat=True)
        }

    assert forms() == {envelope.HPKE_FORM}
    ring = keys_of(alice)
    before = read_mailbox(alice, ring)
    _run_to_the_end(alice, ring)
    assert forms() == {envelope.STORAGE_FORM}
    assert read_mailbox(alice, unlock(alice)) == before
    deliver(alice, message(4))
    assert forms() == {envelope.STORAGE_FORM, envelope.HPKE_FORM}
    _run_to_the_end(alice, ring)
    assert forms() == {envelope.STORAGE_FORM}
    pair = AccountKeyPair.objects.get(account=alice)
    assert pair.settled_through == MessageContent.objects.latest("pk").pk


@pytest.mark.django_db
def test_rotation_from_the_command_line_the_api_and_the_admin_site(alice, domain, superadmin):
    out = StringIO()
    call_command("rotate_account_key", alice.address, stdout=out)
    assert "ordered" in out.getvalue()
    bob = account_services.account_create(
        domain=domain, local_part="bob", password=PASSWORD, acting_user=None
    )
    client = APIClient()
    client.force_authenticate(superadmin)
    response = client.post(f"/api/v1/accounts/{bob.address}/encryption/rotation")
    assert response.status_code == 202
    assert PendingAction.objects.get(pk=response.json()["pending_action"]).account == bob
    again = client.post(f"/api/v1/accounts/{bob.address}/encryption/rotation")
    assert again.status_code == 409
    carol = account_services.account_create(
        domain=domain, local_part="carol", password=PASSWORD, acting_user=None
    )
    browser = Client()
    browser.force_login(superadmin)
    listing = browser.get(reverse("admin:imapd_accountencryption_changelist"))
    assert "carol@example.org" in listing.content.decode()
    assert "current: 0 messages; 0 in clear" in listing.content.decode()
    browser.post(
        reverse("admin:imapd_accountencryption_changelist"),
        {"action": "rotate", "_selected_action": [str(carol.pk)]},
    )
    assert PendingAction.objects.filter(account=carol, state=ActionState.PENDING).exists()


@pytest.mark.django_db
def test_a_domain_admin_of_another_domain_cannot_order_a_rotation(alice, other_domain):
    from accounts.models import User
    from mailplatform.errors import NotPermitted

    stranger = User.objects.create_user("stranger", password="stranger-pw-1")
    stranger.managed_domains.add(other_domain)
    with pytest.raises(NotPermitted):
        account_keys_rotate(account=alice, acting_user=stranger)


@pytest.mark.slow
def test_concurrent_deliveries_during_a_rotation_lose_nothing(shared_database, domain):
    alice = account_services.account_create(
        domain=domain, local_part="alice", password=PASSWORD, acting_user=None
    )
    for n in range(20):
        deliver(alice, message(n))
    account_keys_rotate(account=alice, acting_user=None)
    ring = keys_of(alice)
    errors: list[BaseException] = []

    def deliver_more() -> None:
        try:
            for n in range(20, 40):
                deliver(alice, message(n))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    worker = threading.Thread(target=deliver_more)
    worker.start()
    while worker.is_alive():
        keys_maintenance_step(account_id=alice.pk, keyring=ring, batch=3)
    worker.join()
    assert errors == []
    _run_to_the_end(alice, ring)
    assert _states(alice) == [KeyPairState.CURRENT]
    _assert_all_read(alice, 40)


@pytest.mark.django_db
def test_the_encryption_admin_page_shows_a_domain_admin_only_their_domains(alice, other_domain):
    from accounts.models import User

    stranger = User.objects.create_user("stranger", password="stranger-pw-1", is_staff=True)
    stranger.managed_domains.add(other_domain)
    account_services.account_create(
        domain=other_domain, local_part="theirs", password=PASSWORD, acting_user=None
    )
    browser = Client()
    browser.force_login(stranger)
    listing = browser.get(reverse("admin:imapd_accountencryption_changelist"))
    assert listing.status_code == 200
    assert "theirs@example.net" in listing.content.decode()
    assert "alice@example.org" not in listing.content.decode()
