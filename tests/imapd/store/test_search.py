"""SEARCH over stored fields: each criterion, and their combinations, in one query."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from imapd.store import services
from imapd.store.dto import AppendItem, UidSet
from imapd.store.search import (
    All,
    And,
    EmailId,
    HasFlag,
    InternalDate,
    ModSeqAtLeast,
    Not,
    Or,
    SentDate,
    Size,
    Text,
    UidIn,
    messages_search,
)
from imapd.store.services import StoreMode
from mailplatform.errors import ValidationFailed
from tests.imapd.store.conftest import make_message


@pytest.fixture
def seeded(inbox):
    """Four messages with different subjects, senders, dates, flags and sizes."""
    specs = [
        ("Budget review", "Alice <alice@example.com>", "Mon, 02 Jun 2025 23:30:00 -0500", (), 1),
        ("Lunch?", "Bob <bob@example.net>", "Tue, 03 Jun 2025 08:00:00 +0000", ("\\Seen",), 2),
        ("Re: BUDGET 2026", "Ærøskøbing <aero@example.dk>", "Wed, 04 Jun 2025 09:00:00 +0200",
         ("\\Seen", "$Important"), 3),
        ("100% sure_thing", "carol@example.org", "Thu, 05 Jun 2025 10:00:00 +0000",
         ("\\Flagged",), 4),
    ]  # fmt: skip
    batch = [
        AppendItem(
            raw=make_message(subject, sender=sender, date=sent, body="x" * (200 * day)),
            flags=flags,
            internal_date=datetime(2025, 6, day, 12, 0, tzinfo=UTC),
        )
        for subject, sender, sent, flags, day in specs
    ]
    services.messages_append(mailbox=inbox, items=batch)
    return inbox


def search(mailbox, criterion) -> list[int]:
    return messages_search(
        account_id=mailbox.account_id, mailbox_id=mailbox.pk, criterion=criterion
    )


def test_all_and_uid_sets(seeded):
    assert search(seeded, All()) == [1, 2, 3, 4]
    assert search(seeded, UidIn(UidSet.of([2, 4, 9]))) == [2, 4]
    assert search(seeded, UidIn(UidSet.of([]))) == []


def test_system_flags_and_their_absence(seeded):
    assert search(seeded, HasFlag("\\Seen", present=False)) == [1, 4]
    assert search(seeded, HasFlag("\\seen")) == [2, 3]
    assert search(seeded, HasFlag("\\Flagged")) == [4]


def test_keywords_including_one_never_used(seeded):
    assert search(seeded, HasFlag("$important")) == [3]
    assert search(seeded, HasFlag("$Important", present=False)) == [1, 2, 4]
    assert search(seeded, HasFlag("NeverSeen")) == []
    assert search(seeded, HasFlag("NeverSeen", present=False)) == [1, 2, 3, 4]


def test_session_flags_are_not_searched_here(seeded):
    with pytest.raises(ValueError, match="session"):
        search(seeded, HasFlag("\\Recent"))
    with pytest.raises(ValidationFailed):
        search(seeded, HasFlag("bad keyword"))


def test_text_is_a_case_insensitive_substring(seeded):
    assert search(seeded, Text("subject", "budget")) == [1, 3]
    assert search(seeded, Text("subject", "BUDGET 20")) == [3]
    assert search(seeded, Text("from", "ÆRØ")) == [3]
    assert search(seeded, Text("from", "example.net")) == [2]
    assert search(seeded, Text("to", "alice@example.org")) == [1, 2, 3, 4]
    assert search(seeded, Text("cc", "anyone")) == []


def test_text_wildcard_characters_match_literally(seeded):
    assert search(seeded, Text("subject", "100%")) == [4]
    assert search(seeded, Text("subject", "%")) == [4]
    assert search(seeded, Text("subject", "e_t")) == [4]


def test_sizes(seeded):
    sizes = dict(seeded.messages.values_list("uid", "size"))
    assert search(seeded, Size(sizes[2], larger=True)) == [3, 4]
    assert search(seeded, Size(sizes[2], larger=False)) == [1]


def test_internal_dates_compare_whole_days(seeded):
    assert search(seeded, InternalDate("on", date(2025, 6, 2))) == [2]
    assert search(seeded, InternalDate("before", date(2025, 6, 3))) == [1, 2]
    assert search(seeded, InternalDate("since", date(2025, 6, 4))) == [4]


def test_sent_dates_use_the_header_own_day(seeded):
    # 23:30 -0500 on June 2nd is June 3rd in UTC, but SENTON goes by the header's day.
    assert search(seeded, SentDate("on", date(2025, 6, 2))) == [1]
    assert search(seeded, SentDate("before", date(2025, 6, 4))) == [1, 2]
    assert search(seeded, SentDate("since", date(2025, 6, 4))) == [3, 4]


def test_modseq_and_emailid(seeded):
    result = services.flags_store(
        mailbox=seeded, uids=UidSet.of([3]), mode=StoreMode.ADD, flags=["\\Answered"]
    )
    assert search(seeded, ModSeqAtLeast(result.modseq)) == [3]
    email_id = seeded.messages.get(uid=2).content.email_id
    assert search(seeded, EmailId(email_id)) == [2]


def test_boolean_combinations(seeded):
    unseen_budget = And((Text("subject", "budget"), HasFlag("\\Seen", present=False)))
    assert search(seeded, unseen_budget) == [1]
    assert search(seeded, Or((HasFlag("\\Flagged"), Text("from", "bob")))) == [2, 4]
    assert search(seeded, Not(Or((HasFlag("\\Flagged"), Text("from", "bob"))))) == [1, 3]
    assert search(seeded, Or(())) == []
    assert search(seeded, And(())) == [1, 2, 3, 4]


def test_search_is_one_query(seeded, django_assert_num_queries):
    criterion = And((Text("subject", "budget"), Not(HasFlag("\\Deleted")), Size(10, True)))
    with django_assert_num_queries(1):
        assert search(seeded, criterion) == [1, 3]
    with django_assert_num_queries(2):  # the keyword names first
        assert search(seeded, Or((criterion, HasFlag("$Important")))) == [1, 3]
