"""The store's pure parts: names, flags, UID sets and how UID sets become queries."""

from __future__ import annotations

import pytest

from imapd.store import names
from imapd.store.dto import MAX_UID, MessageIndex, UidSet
from imapd.store.flags import (
    DELETED,
    FLAGGED,
    MAX_KEYWORDS,
    SEEN,
    FlagNames,
    keyword_mask,
    keywords_register,
    parse_flags,
)
from imapd.store.queries import uid_filters
from mailplatform.errors import LimitExceeded, ValidationFailed


@pytest.mark.parametrize(
    ("given", "canonical"),
    [("inbox", "INBOX"), ("Inbox/Sub", "INBOX/Sub"), ("Inboxes", "Inboxes"), ("a/b", "a/b")],
)
def test_names_normalize_only_the_inbox_segment(given, canonical):
    assert names.mailbox_name_normalize(given) == canonical


def test_shared_prefix_is_reserved_unless_allowed():
    with pytest.raises(ValidationFailed):
        names.mailbox_name_normalize("user/bob/Sent")
    assert names.mailbox_name_normalize("user/bob/Sent", shared_ok=True) == "user/bob/Sent"
    assert names.mailbox_name_normalize("users") == "users"


def test_hierarchy_helpers():
    assert names.ancestors("a/b/c") == ["a", "a/b"]
    assert names.parent("a/b/c") == "a/b"
    assert names.parent("a") is None
    assert names.is_inferior("a/b", "a")
    assert not names.is_inferior("ab", "a")
    assert not names.is_inferior("a", "a")


def test_parse_flags_splits_system_flags_and_keywords():
    parsed = parse_flags(["\\SEEN", "\\Deleted", "Work", "work", "\\Recent", "$Label1"])
    assert parsed.system == SEEN | DELETED
    assert parsed.keywords == ("Work", "$Label1")


@pytest.mark.parametrize("bad", ["\\Unknown", "", "two words", "par(en", 'quo"te', "x]", "é"])
def test_parse_flags_refuses_malformed_names(bad):
    with pytest.raises(ValidationFailed):
        parse_flags([bad])


def test_keyword_registry_keeps_positions_and_limit():
    registry = keywords_register([], ["A", "b"])
    assert keywords_register(registry, ["a", "C"]) == ["A", "b", "C"]
    assert keyword_mask(["A", "b", "C"], ["c", "a", "unknown"]) == 0b101
    with pytest.raises(LimitExceeded):
        keywords_register([f"k{i}" for i in range(MAX_KEYWORDS)], ["extra"])


def test_flag_names_render_system_flags_then_keywords():
    render = FlagNames(["Work", "$Label1"])
    assert render(SEEN | FLAGGED, 0b10) == ("\\Seen", "\\Flagged", "$Label1")
    assert render(0, 0) == ()


def test_uid_sets_compress_and_contain():
    uids = UidSet.of([5, 1, 2, 3, 9, 3])
    assert uids.ranges == ((1, 3), (5, 5), (9, 9))
    assert 2 in uids
    assert 4 not in uids
    assert 9 in uids
    assert 10 not in uids
    assert UidSet.span(7, 4).ranges == ((4, 7),)
    assert UidSet.all().ranges == ((1, MAX_UID),)
    assert not UidSet.of([])


def test_uid_filters_make_few_statements_for_many_uids():
    scattered = UidSet.of(range(1, 4001, 2))  # 2000 single UIDs
    assert len(uid_filters(scattered)) == 3
    assert len(uid_filters(UidSet.all())) == 1
    assert uid_filters(UidSet.of([])) == []


def test_message_index_maps_uids_to_sequence_numbers():
    index = MessageIndex.from_rows([(3, 1, 0, 7), (8, 0, 2, 9)])
    assert len(index) == 2
    assert [row.uid for row in index] == [3, 8]
    assert index.sequence_of(8) == 2
    assert index.sequence_of(4) is None
