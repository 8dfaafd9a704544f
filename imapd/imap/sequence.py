"""Sequence sets (RFC 3501 9, `sequence-set`), the saved result `$` (RFC 5182), UID-set output.

A set is kept as written (ranges whose ends may be `*`) and resolved against the selected
mailbox only when a command runs, because `*` means "the last message" at that moment.
Resolution works on the mailbox's sorted UID list and returns 0-based indices into it, so a
caller gets sequence numbers (index + 1) and UIDs from one pass; each range costs two bisections,
which keeps `1:*` over 100,000 messages a single slice.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_NUMBER = 4294967295  # RFC 3501 number: 32-bit unsigned
_MAX_DIGITS = 10

# A range end of None stands for `*`.
Bound = int | None


class SequenceSetError(ValueError):
    """The text is not a valid sequence set."""


class SequenceOutOfRange(SequenceSetError):
    """A message sequence number beyond the mailbox's size (RFC 3501 answers BAD)."""

    def __init__(self, number: int) -> None:
        super().__init__(f"message sequence number {number} does not exist")
        self.number = number


@dataclass(frozen=True, slots=True)
class SequenceSet:
    """`ranges` are (first, last) pairs as written, `*` as None; `saved` is the RFC 5182 `$`."""

    ranges: tuple[tuple[Bound, Bound], ...] = ()
    saved: bool = False

    @classmethod
    def parse(cls, text: str | bytes) -> SequenceSet:
        if isinstance(text, bytes):
            text = text.decode("ascii", "replace")
        if text == "$":
            return cls(saved=True)
        if not text:
            raise SequenceSetError("empty sequence set")
        ranges: list[tuple[Bound, Bound]] = []
        for item in text.split(","):
            first, colon, last = item.partition(":")
            low = _parse_bound(first)
            ranges.append((low, _parse_bound(last) if colon else low))
        return cls(ranges=tuple(ranges))

    @classmethod
    def of(cls, numbers: Iterable[int]) -> SequenceSet:
        """The compact set of `numbers` (sorted, runs folded into ranges)."""
        return cls(ranges=tuple(_runs(sorted(set(numbers)))))

    @property
    def uses_star(self) -> bool:
        return any(first is None or last is None for first, last in self.ranges)

    def __str__(self) -> str:
        if self.saved:
            return "$"
        return ",".join(_format_range(first, last) for first, last in self.ranges)


def _parse_bound(text: str) -> Bound:
    if text == "*":
        return None
    if not text or len(text) > _MAX_DIGITS or not text.isdigit() or not text.isascii():
        raise SequenceSetError(f"invalid sequence number {text[:20]!r}")
    if text[0] == "0":
        raise SequenceSetError("sequence numbers start at 1")
    value = int(text)
    if value > MAX_NUMBER:
        raise SequenceSetError("sequence number out of range")
    return value


def _format_bound(bound: Bound) -> str:
    return "*" if bound is None else str(bound)


def _format_range(first: Bound, last: Bound) -> str:
    if first == last:
        return _format_bound(first)
    return f"{_format_bound(first)}:{_format_bound(last)}"


def select_indices(
    sequence_set: SequenceSet,
    uids: Sequence[int],
    *,
    by_uid: bool,
    saved_uids: Iterable[int] = (),
    strict: bool = False,
) -> list[int]:
    """0-based indices into the ascending `uids` of the messages the set names, ascending.

    `by_uid` reads the numbers as UIDs (UID commands), otherwise as sequence numbers; `*` is
    the last message either way, so `n:*` with n past the end still names the last message.
    With `strict`, a sequence number past the end raises SequenceOutOfRange. UIDs that do not
    exist are ignored, as RFC 3501 6.4.8 requires. `$` names the `saved_uids` still present.
    """
    count = len(uids)
    if sequence_set.saved:
        return _indices_of_uids(uids, saved_uids)
    spans: list[tuple[int, int]] = []
    for first, last in sequence_set.ranges:
        if count == 0:
            if strict and not by_uid and (first is not None or last is not None):
                raise SequenceOutOfRange(first if first is not None else last or 0)
            continue
        if by_uid:
            top = uids[-1]
            low = top if first is None else first
            high = top if last is None else last
            if low > high:
                low, high = high, low
            start = bisect_left(uids, low)
            stop = bisect_right(uids, high, start)
        else:
            low = count if first is None else first
            high = count if last is None else last
            if low > high:
                low, high = high, low
            if high > count:
                if strict:
                    raise SequenceOutOfRange(high)
                high = count
            start, stop = low - 1, high
        if start < stop:
            spans.append((start, stop))
    return _merge_spans(spans)


def _merge_spans(spans: list[tuple[int, int]]) -> list[int]:
    if not spans:
        return []
    if len(spans) == 1:
        start, stop = spans[0]
        return list(range(start, stop))
    spans.sort()
    result: list[int] = []
    reached = 0
    for start, stop in spans:
        start = max(start, reached)
        if start < stop:
            result.extend(range(start, stop))
            reached = stop
    return result


def _indices_of_uids(uids: Sequence[int], wanted: Iterable[int]) -> list[int]:
    found: set[int] = set()
    count = len(uids)
    for uid in wanted:
        index = bisect_left(uids, uid)
        if index < count and uids[index] == uid:
            found.add(index)
    return sorted(found)


def resolve_uids(
    sequence_set: SequenceSet, uids: Sequence[int], *, saved_uids: Iterable[int] = ()
) -> list[int]:
    """The existing UIDs a UID command's set names, ascending."""
    return [
        uids[index]
        for index in select_indices(sequence_set, uids, by_uid=True, saved_uids=saved_uids)
    ]


def resolve_sequence_numbers(
    sequence_set: SequenceSet, count: int, *, strict: bool = True
) -> list[int]:
    """The message sequence numbers (1-based) a set names in a mailbox of `count` messages.

    Not usable with `$`, whose saved result is a set of UIDs: use select_indices for that.
    """
    if sequence_set.saved:
        raise SequenceSetError("$ needs the mailbox's UIDs to resolve")
    indices = select_indices(sequence_set, range(1, count + 1), by_uid=False, strict=strict)
    return [index + 1 for index in indices]


def _runs(sorted_numbers: Sequence[int]) -> list[tuple[Bound, Bound]]:
    runs: list[tuple[Bound, Bound]] = []
    if not sorted_numbers:
        return runs
    start = previous = sorted_numbers[0]
    for number in sorted_numbers[1:]:
        if number != previous + 1:
            runs.append((start, previous))
            start = number
        previous = number
    runs.append((start, previous))
    return runs


def format_uid_set(uids: Iterable[int]) -> str:
    """`1:3,5` from any UIDs: sorted, deduplicated, runs folded (RFC 4315 uid-set)."""
    return str(SequenceSet.of(uids))


def format_ordered_uid_set(uids: Sequence[int]) -> str:
    """Fold ascending runs but keep the given order, for COPYUID's destination set."""
    parts: list[str] = []
    index = 0
    count = len(uids)
    while index < count:
        end = index
        while end + 1 < count and uids[end + 1] == uids[end] + 1:
            end += 1
        parts.append(str(uids[index]) if end == index else f"{uids[index]}:{uids[end]}")
        index = end + 1
    return ",".join(parts)
