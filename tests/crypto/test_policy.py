"""MAIL_ENCRYPTION (off, new, required) and the key derivation settings."""

from __future__ import annotations

import pytest

from accounts import services as account_services
from imapd.crypto.keys import Kdf
from imapd.crypto.models import AccountEncryption, AccountKeyPair, EncryptionState
from imapd.models import MessageContent
from tests.crypto.conftest import PASSWORD, deliver, message, read_mailbox, unlock

pytestmark = pytest.mark.django_db


def _create(domain, local_part: str, password: str | None = PASSWORD):
    return account_services.account_create(
        domain=domain, local_part=local_part, password=password, acting_user=None
    )


def test_off_makes_no_keys_and_an_imap_login_opens_none(domain, settings):
    settings.MAIL_ENCRYPTION = "off"
    account = _create(domain, "dora")
    deliver(account, message(1))
    assert not AccountKeyPair.objects.exists()
    assert MessageContent.objects.get().key_pair is None
    assert unlock(account) is None


def test_off_keeps_accounts_encrypted_earlier_readable(alice, settings):
    deliver(alice, message(1))
    settings.MAIL_ENCRYPTION = "off"
    deliver(alice, message(2))
    mail = read_mailbox(alice, unlock(alice))
    assert MessageContent.objects.filter(key_pair__isnull=True).count() == 0
    assert [raw.endswith(message(n)) for n, (raw, _, _) in enumerate(mail, start=1)] == [True] * 2


def test_new_encrypts_new_accounts_and_leaves_older_ones_alone(plain_bob, alice):
    assert AccountKeyPair.objects.filter(account=alice).count() == 1
    assert unlock(plain_bob) is None
    assert not AccountKeyPair.objects.filter(account=plain_bob).exists()


def test_new_account_without_password_gets_keys_with_its_first_password(domain):
    account = _create(domain, "erin", password=None)
    assert AccountEncryption.objects.get(account=account).state == EncryptionState.REQUESTED
    deliver(account, message(1))  # stored in clear: there is no key yet
    account_services.account_set_password(account=account, password=PASSWORD, acting_user=None)
    assert AccountKeyPair.objects.filter(account=account).count() == 1
    assert AccountEncryption.objects.get(account=account).encrypting_since is not None
    deliver(account, message(2))
    assert MessageContent.objects.filter(key_pair__isnull=False).count() == 1


def test_required_encrypts_an_account_in_clear_at_its_next_login(plain_bob, settings):
    deliver(plain_bob, message(1))
    settings.MAIL_ENCRYPTION = "required"
    ring = unlock(plain_bob)
    assert ring
    assert AccountEncryption.objects.get(account=plain_bob).encrypting_since is not None
    deliver(plain_bob, message(2))
    assert list(MessageContent.objects.order_by("pk").values_list("key_pair", flat=True)) == [
        None,
        next(iter(ring.pairs)),
    ]


def test_a_login_that_does_not_read_mail_opens_no_key(alice):
    from accounts.login import login_attempt

    outcome = login_attempt(
        address=alice.address, password=PASSWORD, remote_addr=None, protocol="smtp"
    )
    assert outcome.ok
    assert outcome.keyring is None


@pytest.mark.parametrize("name", ["argon2id", "scrypt"])
def test_the_key_derivation_and_its_parameters_are_stored_with_the_wrap(domain, settings, name):
    settings.MAIL_KEY_KDF = name
    settings.MAIL_KEY_KDF_MEMORY_KIB = 128
    account = _create(domain, f"kdf-{name}")
    stored = AccountKeyPair.objects.get(account=account).kdf
    assert stored["name"] == name
    assert Kdf.from_json(stored).to_json() == stored
    # Other settings later do not matter to this wrap: its parameters travel with it.
    settings.MAIL_KEY_KDF = "argon2id" if name == "scrypt" else "scrypt"
    settings.MAIL_KEY_KDF_MEMORY_KIB = 256
    deliver(account, message(1))
    assert read_mailbox(account, unlock(account))[0][0].endswith(message(1))
