"""Sequence sets: parsing, resolution against a mailbox, and UID-set output."""

from __future__ import annotations

import pytest

from imapd.imap.sequence import (
    SequenceOutOfRange,
    SequenceSet,
    SequenceSetError,
    format_ordered_uid_set,
    format_uid_set,
    resolve_sequence_numbers,
    resolve_uids,
    select_indices,
)


def test_parse_keeps_ranges_stars_and_saved_marker():
    assert SequenceSet.parse("1:3,5,7:*").ranges == ((1, 3), (5, 5), (7, None))
    assert SequenceSet.parse(b"*").ranges == ((None, None),)
    assert SequenceSet.parse("*:4").ranges == ((None, 4),)
    assert SequenceSet.parse("$").saved
    assert str(SequenceSet.parse("1:3,5,7:*")) == "1:3,5,7:*"


@pytest.mark.parametrize(
    "text", ["", "0", "1:0", "1,,2", "1:", ":3", "1:2:3", "a", "4294967296", "$,1", "01", "1 2"]
)
def test_parse_rejects_invalid_sets(text):
    with pytest.raises(SequenceSetError):
        SequenceSet.parse(text)


def test_uid_resolution_ignores_missing_uids_and_reads_ranges_either_way():
    uids = [2, 4, 6, 8, 10]
    assert resolve_uids(SequenceSet.parse("1:5"), uids) == [2, 4]
    assert resolve_uids(SequenceSet.parse("9:3"), uids) == [4, 6, 8]
    assert resolve_uids(SequenceSet.parse("3,5,7"), uids) == []
    assert resolve_uids(SequenceSet.parse("1:*"), uids) == uids


def test_uid_star_range_past_the_end_still_names_the_last_message():
    uids = [3, 7, 9]
    assert resolve_uids(SequenceSet.parse("100:*"), uids) == [9]
    assert resolve_uids(SequenceSet.parse("*"), uids) == [9]
    assert resolve_uids(SequenceSet.parse("100:*"), []) == []


def test_overlapping_ranges_are_merged_once_and_sorted():
    uids = list(range(1, 21))
    indices = select_indices(SequenceSet.parse("15:18,1:3,2:5,17,*"), uids, by_uid=True)
    assert indices == [0, 1, 2, 3, 4, 14, 15, 16, 17, 19]


def test_sequence_numbers_resolve_against_count_with_star_as_last():
    assert resolve_sequence_numbers(SequenceSet.parse("2:*"), 4) == [2, 3, 4]
    assert resolve_sequence_numbers(SequenceSet.parse("*:3"), 5) == [3, 4, 5]
    assert resolve_sequence_numbers(SequenceSet.parse("*"), 0) == []


def test_sequence_number_past_the_end_is_an_error_when_strict():
    with pytest.raises(SequenceOutOfRange) as excinfo:
        resolve_sequence_numbers(SequenceSet.parse("1:5"), 3)
    assert excinfo.value.number == 5
    assert resolve_sequence_numbers(SequenceSet.parse("1:5"), 3, strict=False) == [1, 2, 3]
    with pytest.raises(SequenceOutOfRange):
        resolve_sequence_numbers(SequenceSet.parse("1"), 0)


def test_saved_result_resolves_to_the_saved_uids_still_present():
    uids = [10, 20, 30, 40]
    indices = select_indices(SequenceSet.parse("$"), uids, by_uid=False, saved_uids=[40, 15, 10])
    assert indices == [0, 3]
    assert resolve_uids(SequenceSet.parse("$"), uids) == []
    with pytest.raises(SequenceSetError):
        resolve_sequence_numbers(SequenceSet.parse("$"), 4)


def test_full_range_over_a_hundred_thousand_uids_returns_every_index():
    uids = list(range(5, 200_005, 2))
    indices = select_indices(SequenceSet.parse("1:*"), uids, by_uid=True)
    assert len(indices) == 100_000
    assert indices[0] == 0
    assert indices[-1] == 99_999
    middle = resolve_uids(SequenceSet.parse("100001:100011"), uids)
    assert middle == [100001, 100003, 100005, 100007, 100009, 100011]


def test_uid_sets_are_compressed_into_runs():
    assert format_uid_set([5, 1, 2, 3, 3, 9, 10]) == "1:3,5,9:10"
    assert format_uid_set([]) == ""
    assert format_uid_set([7]) == "7"
    assert str(SequenceSet.of([4, 2, 3])) == "2:4"


def test_ordered_uid_set_keeps_order_for_copyuid_destinations():
    assert format_ordered_uid_set([10, 11, 12, 5, 6]) == "10:12,5:6"
    assert format_ordered_uid_set([3, 2, 1]) == "3,2,1"
