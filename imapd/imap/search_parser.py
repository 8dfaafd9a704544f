"""Parsing SEARCH programs (RFC 3501 6.4.4) into the key tree of `imapd.imap.search`.

Shared by SEARCH, SORT and THREAD, which all end in `[CHARSET x] key *(SP key)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from imapd.imap.reader import MAX_NUMBER64, Reader
from imapd.imap.search import (
    RETURN_OPTIONS,
    AgeKey,
    AllKey,
    AndKey,
    DateKey,
    DateOperator,
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

SUPPORTED_CHARSETS = ("US-ASCII", "UTF-8")
BADCHARSET_CODE = "BADCHARSET (" + " ".join(SUPPORTED_CHARSETS) + ")"

_OBJECT_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
_ENTRY_TYPES = frozenset({"PRIV", "SHARED", "ALL"})

_FLAG_KEYS: dict[str, tuple[str, bool]] = {
    "ANSWERED": ("\\Answered", True),
    "DELETED": ("\\Deleted", True),
    "DRAFT": ("\\Draft", True),
    "FLAGGED": ("\\Flagged", True),
    "SEEN": ("\\Seen", True),
    "RECENT": ("\\Recent", True),
    "OLD": ("\\Recent", False),
    "UNANSWERED": ("\\Answered", False),
    "UNDELETED": ("\\Deleted", False),
    "UNDRAFT": ("\\Draft", False),
    "UNFLAGGED": ("\\Flagged", False),
    "UNSEEN": ("\\Seen", False),
}
_HEADER_KEYS = {"BCC": "bcc", "CC": "cc", "FROM": "from", "SUBJECT": "subject", "TO": "to"}
_DATE_KEYS: dict[str, tuple[DateOperator, bool]] = {
    "BEFORE": ("before", False),
    "ON": ("on", False),
    "SINCE": ("since", False),
    "SENTBEFORE": ("before", True),
    "SENTON": ("on", True),
    "SENTSINCE": ("since", True),
}


def parse_charset(reader: Reader) -> str:
    """An astring naming a charset we can search in; others are refused with BADCHARSET."""
    name = reader.astring().decode("ascii", "replace").upper()
    if name not in SUPPORTED_CHARSETS:
        raise reader.fail("Unsupported charset", code=BADCHARSET_CODE, status="NO")
    return name


def parse_return_options(reader: Reader) -> tuple[str, ...]:
    """RFC 4731 `RETURN (...)` after the RETURN keyword; an empty list means ALL."""
    reader.space()
    reader.open_paren()
    options: list[str] = []
    if not reader.try_close_paren():
        while True:
            option = reader.keyword()
            if option not in RETURN_OPTIONS:
                raise reader.fail(f"Unknown SEARCH RETURN option {option[:32]}")
            if option not in options:
                options.append(option)
            if not reader.list_separator():
                break
    return tuple(options) or ("ALL",)


def parse_search_keys(reader: Reader) -> SearchKey:
    """One or more keys separated by spaces up to the end of the command, ANDed."""
    keys = [parse_search_key(reader)]
    while not reader.at_end():
        reader.space()
        keys.append(parse_search_key(reader))
    return keys[0] if len(keys) == 1 else AndKey(tuple(keys))


def parse_search_key(reader: Reader) -> SearchKey:
    octet = reader.peek()
    if octet == 0x28:  # (
        reader.open_paren()
        keys = [parse_search_key(reader)]
        while reader.list_separator():
            keys.append(parse_search_key(reader))
        return keys[0] if len(keys) == 1 else AndKey(tuple(keys))
    if 0x30 <= octet <= 0x39 or octet == 0x2A or octet == 0x24:  # digit, *, $
        return SequenceKey(reader.sequence_set())
    name = reader.keyword()
    flag = _FLAG_KEYS.get(name)
    if flag is not None:
        return FlagKey(*flag)
    header = _HEADER_KEYS.get(name)
    if header is not None:
        reader.space()
        return HeaderKey(header, _search_text(reader))
    date_key = _DATE_KEYS.get(name)
    if date_key is not None:
        reader.space()
        operator, sent = date_key
        return DateKey(operator, reader.date(), sent)
    parser = _KEY_PARSERS.get(name)
    if parser is None:
        raise reader.fail(f"Unknown search key {name[:32]}")
    return parser(reader)


def _search_text(reader: Reader) -> str:
    # Both supported charsets are read as UTF-8: US-ASCII is a subset of it, and clients that
    # announce US-ASCII but send UTF-8 are better served than refused.
    return reader.text(reader.astring(), "Search string")


def _all(reader: Reader) -> SearchKey:
    return AllKey()


def _new(reader: Reader) -> SearchKey:
    return AndKey((FlagKey("\\Recent", True), FlagKey("\\Seen", False)))


def _keyword(present: bool) -> Callable[[Reader], SearchKey]:
    def parse(reader: Reader) -> SearchKey:
        reader.space()
        return FlagKey(reader.atom().decode("ascii"), present)

    return parse


def _header(reader: Reader) -> SearchKey:
    reader.space()
    field = reader.header_name()
    reader.space()
    return HeaderKey(field.lower(), _search_text(reader))


def _text(body_only: bool) -> Callable[[Reader], SearchKey]:
    def parse(reader: Reader) -> SearchKey:
        reader.space()
        return TextKey(_search_text(reader), body_only)

    return parse


def _size(operator: str) -> Callable[[Reader], SearchKey]:
    def parse(reader: Reader) -> SearchKey:
        reader.space()
        return SizeKey("larger" if operator == "larger" else "smaller", reader.number())

    return parse


def _age(older: bool) -> Callable[[Reader], SearchKey]:
    def parse(reader: Reader) -> SearchKey:
        reader.space()
        return AgeKey(reader.number(nonzero=True), older)

    return parse


def _not(reader: Reader) -> SearchKey:
    reader.space()
    reader.enter()
    key = parse_search_key(reader)
    reader.leave()
    return NotKey(key)


def _or(reader: Reader) -> SearchKey:
    reader.space()
    reader.enter()
    left = parse_search_key(reader)
    reader.space()
    right = parse_search_key(reader)
    reader.leave()
    return OrKey(left, right)


def _uid(reader: Reader) -> SearchKey:
    reader.space()
    return SequenceKey(reader.sequence_set(), uid=True)


def _modseq(reader: Reader) -> SearchKey:
    """RFC 7162 3.1.5: MODSEQ [entry-name entry-type-req] mod-sequence-valzer."""
    reader.space()
    entry: str | None = None
    entry_type: str | None = None
    if reader.peek() == 0x22:
        entry = reader.text(reader.quoted(), "Entry name")
        reader.space()
        entry_type = reader.keyword()
        if entry_type not in _ENTRY_TYPES:
            raise reader.fail("Invalid MODSEQ entry type")
        entry_type = entry_type.lower()
        reader.space()
    return ModSeqKey(reader.number(maximum=MAX_NUMBER64), entry, entry_type)


def _object_id(kind: str) -> Callable[[Reader], SearchKey]:
    def parse(reader: Reader) -> SearchKey:
        reader.space()
        value = reader.astring().decode("ascii", "replace")
        if not _OBJECT_ID.fullmatch(value):
            raise reader.fail("Invalid object id")
        return ObjectIdKey("emailid" if kind == "emailid" else "threadid", value)

    return parse


_KEY_PARSERS: dict[str, Callable[[Reader], SearchKey]] = {
    "ALL": _all,
    "NEW": _new,
    "KEYWORD": _keyword(True),
    "UNKEYWORD": _keyword(False),
    "HEADER": _header,
    "BODY": _text(True),
    "TEXT": _text(False),
    "LARGER": _size("larger"),
    "SMALLER": _size("smaller"),
    "OLDER": _age(True),
    "YOUNGER": _age(False),
    "NOT": _not,
    "OR": _or,
    "UID": _uid,
    "MODSEQ": _modseq,
    "EMAILID": _object_id("emailid"),
    "THREADID": _object_id("threadid"),
}
