"""Evaluating SEARCH keys (RFC 3501 6.4.4, RFC 7162 MODSEQ, RFC 5032 WITHIN, RFC 8474).

A result is a mask: one octet per message of the session's view, 1 where it matches. Masks are
combined by the C code of `bytes.translate` and big-integer arithmetic, so `UNSEEN`, `NOT
DELETED` or `1:100 FLAGGED` over 100,000 messages cost a few milliseconds and no per-message
Python loop.

Where a key is answered:
- flags, keywords, \\Recent, sequence sets / UIDs / `$`, MODSEQ: from the view's arrays (what
  the session has told the client, as RFC 3501 asks), without the database;
- sizes, dates, FROM/TO/CC/BCC/SUBJECT substrings, EMAILID/THREADID: one query each through
  `imapd.store.search` (adjacent ones in an AND go in one query);
- OLDER/YOUNGER: from the candidates' rows;
- BODY, TEXT and any other HEADER: by reading the remaining candidates' bytes with
  `imapd.mime`, last, once every cheaper key of an AND has narrowed the candidates.
"""

from __future__ import annotations

import bisect
import sys
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress

from imapd import mime
from imapd.imap.backend import StoreReader
from imapd.imap.search import (
    AgeKey,
    AllKey,
    AndKey,
    DateKey,
    FlagKey,
    HeaderKey,
    ModSeqKey,
    NotKey,
    ObjectIdKey,
    OrKey,
    SearchKey,
    SequenceKey,
    SizeKey,
    TextKey,
)
from imapd.imap.sequence import select_indices
from imapd.store import search as store_search
from imapd.store.dto import FetchRow
from imapd.store.flags import SYSTEM_FLAGS

RowTest = Callable[[FetchRow, bytes], bool]

_LITTLE = sys.byteorder == "little"
_INVERT = bytes.maketrans(b"\x00\x01", b"\x01\x00")
_BIT_TABLES = [bytes(1 if value & (1 << bit) else 0 for value in range(256)) for bit in range(8)]
_STORED_HEADERS = frozenset({"from", "to", "cc", "bcc", "subject"})

# Cost classes: an AND evaluates its cheap keys first and the rest only on what remains.
_INDEX, _STORE, _ROWS, _BYTES = 0, 1, 2, 3


@dataclass(slots=True)
class SearchView:
    """The arrays of the selected mailbox a search reads (never writes)."""

    uids: array[int]
    flags: array[int]
    keywords: array[int]
    modseqs: array[int]
    keyword_names: tuple[str, ...]
    recent: bytes  # the \Recent mask
    saved_uids: Sequence[int]


def cost(key: SearchKey) -> int:
    match key:
        case AllKey() | FlagKey() | SequenceKey() | ModSeqKey():
            return _INDEX
        case SizeKey() | DateKey() | ObjectIdKey():
            return _STORE
        case HeaderKey(field=field, value=value):
            return _STORE if field in _STORED_HEADERS and value else _BYTES
        case AgeKey():
            return _ROWS
        case TextKey():
            return _BYTES
        case NotKey(key=inner):
            return cost(inner)
        case OrKey(left=left, right=right):
            return max(cost(left), cost(right))
        case AndKey(keys=keys):
            return max(map(cost, keys), default=_INDEX)
    raise TypeError(f"unknown search key {key!r}")


def uses_modseq(key: SearchKey) -> bool:
    match key:
        case ModSeqKey():
            return True
        case NotKey(key=inner):
            return uses_modseq(inner)
        case OrKey(left=left, right=right):
            return uses_modseq(left) or uses_modseq(right)
        case AndKey(keys=keys):
            return any(map(uses_modseq, keys))
    return False


class _Masks:
    """Mask arithmetic for one view size."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.ones = b"\x01" * count
        self.zeros = bytes(count)

    def both(self, a: bytes, b: bytes) -> bytes:
        value = int.from_bytes(a, "little") & int.from_bytes(b, "little")
        return value.to_bytes(self.count, "little")

    def either(self, a: bytes, b: bytes) -> bytes:
        value = int.from_bytes(a, "little") | int.from_bytes(b, "little")
        return value.to_bytes(self.count, "little")

    @staticmethod
    def invert(a: bytes) -> bytes:
        return a.translate(_INVERT)

    def of_indices(self, indices: Sequence[int]) -> bytes:
        mask = bytearray(self.count)
        for i in indices:
            mask[i] = 1
        return bytes(mask)


class Evaluator:
    """Evaluates one key over a view; `reader` is None when only index keys occur."""

    def __init__(self, view: SearchView, reader: StoreReader | None) -> None:
        self.view = view
        self.reader = reader
        self.masks = _Masks(len(view.uids))
        self._flag_bytes: bytes | None = None
        self._now = time.time()

    def run(self, key: SearchKey) -> bytes:
        return self._eval(key, None)

    # -- tree --------------------------------------------------------------------------------

    def _eval(self, key: SearchKey, candidates: bytes | None) -> bytes:
        match key:
            case AndKey(keys=keys):
                return self._and(keys, candidates)
            case OrKey(left=left, right=right):
                first = self._eval(left, candidates)
                rest = self.masks.invert(first)
                if candidates is not None:
                    rest = self.masks.both(rest, candidates)
                return self.masks.either(first, self._eval(right, rest))
            case NotKey(key=inner):
                scope = self.masks.ones if candidates is None else candidates
                return self.masks.both(scope, self.masks.invert(self._eval(inner, scope)))
        return self._leaf(key, candidates)

    def _and(self, keys: Sequence[SearchKey], candidates: bytes | None) -> bytes:
        ordered = sorted(keys, key=cost)
        # Adjacent store keys become one query.
        stored = [k for k in ordered if _criterion(k) is not None]
        stored_ids = {id(k) for k in stored}
        mask = self.masks.ones if candidates is None else candidates
        done = False
        for key in ordered:
            if id(key) in stored_ids and len(stored) > 1:
                if done:
                    continue
                done = True
                criteria = tuple(c for k in stored if (c := _criterion(k)) is not None)
                result = self._stored(store_search.And(criteria))
            else:
                result = self._eval(key, mask)
            mask = self.masks.both(mask, result)
            if mask == self.masks.zeros:
                break
        return mask

    # -- leaves ------------------------------------------------------------------------------

    def _leaf(self, key: SearchKey, candidates: bytes | None) -> bytes:
        view = self.view
        match key:
            case AllKey():
                return self.masks.ones
            case FlagKey(flag=flag, present=present):
                mask = self._flag_mask(flag)
                return mask if present else self.masks.invert(mask)
            case SequenceKey(sequence_set=sequence_set, uid=uid):
                indices = select_indices(
                    sequence_set, view.uids, by_uid=uid, saved_uids=view.saved_uids
                )
                return self.masks.of_indices(indices)
            case ModSeqKey(modseq=modseq):
                return bytes(value >= modseq for value in view.modseqs)
            case AgeKey(seconds=seconds, older=older):
                cutoff = self._now - seconds
                return self._by_rows(
                    candidates,
                    lambda row, _raw: (
                        (row.internal_date <= cutoff) if older else (row.internal_date > cutoff)
                    ),
                    with_bytes=False,
                )
            case TextKey(value=value, body_only=body_only):
                test = mime.body_contains if body_only else mime.text_contains
                return self._by_rows(candidates, lambda _row, raw: test(raw, value))
            case HeaderKey(field=field, value=value) if cost(key) == _BYTES:
                return self._by_rows(
                    candidates, lambda _row, raw: mime.header_contains(raw, field, value)
                )
        criterion = _criterion(key)
        if criterion is None:
            raise TypeError(f"unknown search key {key!r}")
        return self._stored(criterion)

    def _flag_mask(self, flag: str) -> bytes:
        view = self.view
        if flag == "\\Recent":
            return view.recent
        bit = SYSTEM_FLAGS.get(flag)
        if bit is not None:
            if self._flag_bytes is None:
                raw = view.flags.tobytes()
                self._flag_bytes = raw[0::2] if _LITTLE else raw[1::2]
            return self._flag_bytes.translate(_BIT_TABLES[bit.bit_length() - 1])
        folded = flag.casefold()
        position = next(
            (i for i, name in enumerate(view.keyword_names) if name.casefold() == folded), None
        )
        if position is None:
            return self.masks.zeros
        raw = view.keywords.tobytes()
        octet = position // 8 if _LITTLE else 7 - position // 8
        return raw[octet::8].translate(_BIT_TABLES[position % 8])

    def _stored(self, criterion: store_search.Criterion) -> bytes:
        assert self.reader is not None, "a store key needs the reader"
        mask = bytearray(self.masks.count)
        uids = self.view.uids
        count = len(uids)
        for uid in self.reader.matching_uids(criterion):
            i = bisect.bisect_left(uids, uid)
            if i < count and uids[i] == uid:
                mask[i] = 1
        return bytes(mask)

    def _by_rows(
        self, candidates: bytes | None, test: RowTest, *, with_bytes: bool = True
    ) -> bytes:
        assert self.reader is not None, "a key on message data needs the reader"
        scope = self.masks.ones if candidates is None else candidates
        positions = list(compress(range(self.masks.count), scope))
        mask = bytearray(self.masks.count)
        uids = self.view.uids
        for start in range(0, len(positions), 1000):
            chunk = positions[start : start + 1000]
            rows = {row.uid: row for row in self.reader.rows([uids[i] for i in chunk])}
            for i in chunk:
                row = rows.get(uids[i])
                if row is None:
                    continue
                raw = self.reader.raw(row) if with_bytes else b""
                if raw is not None and test(row, raw):
                    mask[i] = 1
        return bytes(mask)


def _criterion(key: SearchKey) -> store_search.Criterion | None:
    """The store criterion for a key the database answers, else None."""
    match key:
        case SizeKey(operator=operator, size=size):
            return store_search.Size(size, operator == "larger")
        case DateKey(operator=operator, day=day, sent=sent):
            return (store_search.SentDate if sent else store_search.InternalDate)(operator, day)
        case HeaderKey(field=field, value=value) if field in _STORED_HEADERS and value:
            return store_search.Text(field, value)  # type: ignore[arg-type]
        case ObjectIdKey(kind=kind, object_id=object_id):
            if kind == "emailid":
                return store_search.EmailId(object_id)
            return store_search.ThreadId(object_id)
    return None
