"""SEARCH on an encrypted account answers what it answers on an account in clear."""

from __future__ import annotations

from datetime import date

import pytest

from accounts.models import Account
from imapd.crypto.keyring import Keyring, KeyUnavailable
from imapd.models import Mailbox
from imapd.store.dto import UidSet
from imapd.store.search import (
    And,
    Criterion,
    HasFlag,
    Not,
    Or,
    SentDate,
    Size,
    Text,
    UidIn,
    messages_search,
)
from imapd.store.services import StoreMode, flags_store
from tests.crypto.conftest import deliver, message, unlock

pytestmark = pytest.mark.django_db

CRITERIA: list[Criterion] = [
    Text("subject", "zanzibar marker 3"),
    Text("from", "QUIXOTE"),
    Text("cc", "cc-person"),
    Text("to", "nobody-here"),
    Text("bcc", ""),
    Not(Text("subject", "marker 1")),
    Or((Text("subject", "marker 2"), Text("subject", "marker 4"))),
    And((HasFlag("\\Seen"), Text("subject", "zanzibar"))),
    And((UidIn(UidSet.span(2, 4)), Not(Text("from", "zebulon")))),
    And((Size(10, True), SentDate("since", date(2025, 6, 1)))),
    Or((Not(HasFlag("\\Seen")), And((Text("subject", "marker 5"), Not(Text("cc", "x")))))),
]


def _fill(account: Account) -> Mailbox:
    for n in range(6):
        deliver(account, message(n))
    inbox = Mailbox.objects.get(account=account, name="INBOX")
    flags_store(mailbox=inbox, uids=UidSet.of([1, 3, 5]), mode=StoreMode.ADD, flags=("\\Seen",))
    return inbox


def _search(account: Account, inbox: Mailbox, criterion: Criterion, ring: Keyring | None):
    return messages_search(
        account_id=account.pk, mailbox_id=inbox.pk, criterion=criterion, keyring=ring
    )


@pytest.mark.parametrize("criterion", CRITERIA, ids=repr)
def test_search_on_encrypted_mail_answers_like_on_mail_in_clear(alice, plain_bob, criterion):
    encrypted, clear = _fill(alice), _fill(plain_bob)
    expected = _search(plain_bob, clear, criterion, None)
    assert _search(alice, encrypted, criterion, unlock(alice)) == expected


def test_a_text_search_needs_the_accounts_key(alice):
    inbox = _fill(alice)
    with pytest.raises(KeyUnavailable):
        _search(alice, inbox, Text("subject", "zanzibar"), Keyring())


def test_text_search_decrypts_only_what_the_cheaper_criteria_leave(alice, monkeypatch):
    inbox = _fill(alice)
    from imapd.crypto import search

    opened: list[str] = []
    real = search.search_texts_open

    def counting(**kwargs):
        opened.append(kwargs["header_fields"])
        return real(**kwargs)

    monkeypatch.setattr(search, "search_texts_open", counting)
    found = _search(
        alice, inbox, And((UidIn(UidSet.of([2])), Text("cc", "cc-person"))), unlock(alice)
    )
    assert found == [2]
    assert len(opened) == 1
