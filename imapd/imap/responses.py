"""Encoding server responses (RFC 3501 7 and 9, and the extensions' response grammar).

Values map to IMAP data as follows (`encode_value`): None -> NIL, int -> number, str -> a
quoted string when it is 7-bit without CR, LF or NUL, else a literal of its UTF-8 bytes,
bytes -> literal, list/tuple -> parenthesised list, datetime -> quoted date-time.
`Atom` and `Raw` are sent as they are; `Binary` becomes a literal8 when it holds a NUL.

Free text in status responses is made safe (no CR/LF/NUL, 7-bit) so nothing a client sent
can end a response line early or forge another one.

`fetch_response` is the hot path (`UID FETCH 1:* (UID FLAGS)` over a whole mailbox): item
names are bytes, ints and pre-encoded `Raw` values (see `encode_flags`, which caches) skip the
generic encoder.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from imapd.imap.mailbox_names import encode_mailbox_name, is_inbox
from imapd.imap.sequence import format_ordered_uid_set, format_uid_set

CRLF = b"\r\n"


class Atom(str):
    """A value sent verbatim as an atom (the caller vouches it is one)."""

    __slots__ = ()


class Raw(bytes):
    """Already encoded response data, sent verbatim."""

    __slots__ = ()


class Binary(bytes):
    """Decoded content for BINARY[...]: sent as literal8 (`~{n}`) if it contains NUL."""

    __slots__ = ()


# -- values --------------------------------------------------------------------------------

_QUOTED_UNSAFE = re.compile(r"[^\x01-\x09\x0b\x0c\x0e-\x7f]")
_ASTRING_UNSAFE = re.compile(r'[^\x21-\x7e]|[(){%*"\\]')
_TEXT_UNSAFE = re.compile(r"[^\x20-\x7e]")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def quoted(value: str) -> bytes:
    """A quoted string; the caller checked it is quotable (see `encode_string`)."""
    return b'"' + value.replace("\\", "\\\\").replace('"', '\\"').encode("ascii") + b'"'


def literal(value: bytes) -> bytes:
    return b"{%d}\r\n" % len(value) + value


def encode_string(value: str) -> bytes:
    """Quoted if 7-bit without CR/LF/NUL, otherwise a literal of the UTF-8 octets."""
    if _QUOTED_UNSAFE.search(value) is None:
        return quoted(value)
    return literal(value.encode("utf-8", "surrogateescape"))


def encode_astring(value: str) -> bytes:
    """An atom when it can be one (`]` allowed, RFC 3501 ASTRING-CHAR), else a string."""
    if value and _ASTRING_UNSAFE.search(value) is None:
        return value.encode("ascii")
    return encode_string(value)


def encode_nstring(value: str | bytes | None) -> bytes:
    if value is None:
        return b"NIL"
    if isinstance(value, bytes):
        return literal(value)
    return encode_string(value)


def encode_datetime(value: datetime) -> bytes:
    """RFC 3501 date-time: "dd-Mon-yyyy hh:mm:ss +zzzz" (naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    offset = value.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    zone = f"{sign}{minutes // 60:02d}{minutes % 60:02d}"
    text = (
        f'"{value.day:2d}-{_MONTHS[value.month - 1]}-{value.year:04d} '
        f'{value.hour:02d}:{value.minute:02d}:{value.second:02d} {zone}"'
    )
    return text.encode("ascii")


def encode_value(value: object) -> bytes:
    """Encode a tree of Python values as IMAP data (see the module docstring)."""
    if value is None:
        return b"NIL"
    if type(value) is int:
        return b"%d" % value
    if type(value) is str:
        return encode_string(value)
    if type(value) is Raw:
        return value
    if type(value) is bytes:
        return literal(value)
    if type(value) is list or type(value) is tuple:
        return b"(" + b" ".join([encode_value(item) for item in value]) + b")"
    return _encode_other(value)


def _encode_other(value: object) -> bytes:
    if isinstance(value, bool):
        raise TypeError("booleans have no IMAP encoding")
    if isinstance(value, Atom):
        return value.encode("ascii")
    if isinstance(value, Binary):
        if b"\x00" in value:
            return b"~{%d}\r\n" % len(value) + value
        return literal(value)
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, str):
        return encode_string(value)
    if isinstance(value, bytes):
        return literal(value)
    if isinstance(value, datetime):
        return encode_datetime(value)
    if isinstance(value, list | tuple):
        return b"(" + b" ".join([encode_value(item) for item in value]) + b")"
    raise TypeError(f"no IMAP encoding for {type(value).__name__}")


def encode_flags(flags: Iterable[str]) -> Raw:
    """`(\\Seen $Label)`: flags are atoms; results are cached, flag sets repeat a lot."""
    return _encode_flag_tuple(flags if isinstance(flags, tuple) else tuple(flags))


@lru_cache(maxsize=4096)
def _encode_flag_tuple(flags: tuple[str, ...]) -> Raw:
    return Raw(("(" + " ".join(flags) + ")").encode("ascii"))


def encode_mailbox(name: str) -> bytes:
    """A mailbox name: modified UTF-7, as an atom when possible, else quoted.

    The encoded form is printable ASCII, so it never needs a literal.
    """
    if is_inbox(name):
        return b"INBOX"
    return encode_astring(encode_mailbox_name(name))


def _delimiter(delimiter: str | None) -> bytes:
    return b"NIL" if delimiter is None else encode_string(delimiter)


def _text(text: str) -> bytes:
    """Human-readable text: one 7-bit line, never empty (RFC 3501 `text` is 1*TEXT-CHAR)."""
    cleaned = _TEXT_UNSAFE.sub(" ", text) if _TEXT_UNSAFE.search(text) else text
    return cleaned.encode("ascii") if cleaned.strip() else b"Done"


# -- response codes (RFC 3501 7.1, RFC 5530, and the extensions) ---------------------------


@dataclass(frozen=True, slots=True)
class ResponseCode:
    name: str
    data: bytes | None = None

    def encode(self) -> bytes:
        if self.data is None:
            return b"[" + self.name.encode("ascii") + b"]"
        return b"[" + self.name.encode("ascii") + b" " + self.data + b"]"


ALERT = ResponseCode("ALERT")
PARSE = ResponseCode("PARSE")
READ_ONLY = ResponseCode("READ-ONLY")
READ_WRITE = ResponseCode("READ-WRITE")
TRYCREATE = ResponseCode("TRYCREATE")
UIDNOTSTICKY = ResponseCode("UIDNOTSTICKY")  # RFC 4315
UNAVAILABLE = ResponseCode("UNAVAILABLE")  # RFC 5530 from here
AUTHENTICATIONFAILED = ResponseCode("AUTHENTICATIONFAILED")
AUTHORIZATIONFAILED = ResponseCode("AUTHORIZATIONFAILED")
EXPIRED = ResponseCode("EXPIRED")
PRIVACYREQUIRED = ResponseCode("PRIVACYREQUIRED")
CONTACTADMIN = ResponseCode("CONTACTADMIN")
NOPERM = ResponseCode("NOPERM")
INUSE = ResponseCode("INUSE")
EXPUNGEISSUED = ResponseCode("EXPUNGEISSUED")
CORRUPTION = ResponseCode("CORRUPTION")
SERVERBUG = ResponseCode("SERVERBUG")
CLIENTBUG = ResponseCode("CLIENTBUG")
CANNOT = ResponseCode("CANNOT")
LIMIT = ResponseCode("LIMIT")
OVERQUOTA = ResponseCode("OVERQUOTA")
ALREADYEXISTS = ResponseCode("ALREADYEXISTS")
NONEXISTENT = ResponseCode("NONEXISTENT")
TOOBIG = ResponseCode("TOOBIG")  # RFC 7889
NOMODSEQ = ResponseCode("NOMODSEQ")  # RFC 7162
CLOSED = ResponseCode("CLOSED")  # RFC 7162
USEATTR = ResponseCode("USEATTR")  # RFC 6154
UNKNOWN_CTE = ResponseCode("UNKNOWN-CTE")  # RFC 3516


def capability_code(capabilities: Iterable[str]) -> ResponseCode:
    return ResponseCode("CAPABILITY", " ".join(capabilities).encode("ascii"))


def permanent_flags_code(flags: Iterable[str]) -> ResponseCode:
    return ResponseCode("PERMANENTFLAGS", bytes(encode_flags(flags)))


def uidnext_code(uidnext: int) -> ResponseCode:
    return ResponseCode("UIDNEXT", b"%d" % uidnext)


def uidvalidity_code(uidvalidity: int) -> ResponseCode:
    return ResponseCode("UIDVALIDITY", b"%d" % uidvalidity)


def unseen_code(sequence_number: int) -> ResponseCode:
    return ResponseCode("UNSEEN", b"%d" % sequence_number)


def highest_modseq_code(modseq: int) -> ResponseCode:
    return ResponseCode("HIGHESTMODSEQ", b"%d" % modseq)


def appendlimit_code(limit: int | None) -> ResponseCode:
    """RFC 7889 APPENDLIMIT for one mailbox (None: no limit, NIL)."""
    return ResponseCode("APPENDLIMIT", b"NIL" if limit is None else b"%d" % limit)


def appenduid_code(uidvalidity: int, uids: Iterable[int]) -> ResponseCode:
    """RFC 4315 APPENDUID uidvalidity uid-set (one UID, or MULTIAPPEND's set)."""
    return ResponseCode("APPENDUID", b"%d %s" % (uidvalidity, format_uid_set(uids).encode()))


def copyuid_code(uidvalidity: int, pairs: Iterable[tuple[int, int]]) -> ResponseCode:
    """RFC 4315 COPYUID from (source UID, new UID) pairs: sources ascending, and the new
    UIDs in the same order so the n-th of each set correspond.
    """
    ordered = sorted(pairs)
    sources = format_ordered_uid_set([source for source, _ in ordered])
    targets = format_ordered_uid_set([target for _, target in ordered])
    return ResponseCode("COPYUID", b"%d %s %s" % (uidvalidity, sources.encode(), targets.encode()))


def badcharset_code(charsets: Iterable[str]) -> ResponseCode:
    return ResponseCode("BADCHARSET", b"(" + b" ".join(map(encode_astring, charsets)) + b")")


def mailboxid_code(object_id: str) -> ResponseCode:
    """RFC 8474 MAILBOXID, sent with CREATE's OK."""
    return ResponseCode("MAILBOXID", b"(" + object_id.encode("ascii") + b")")


def modified_code(uids: Iterable[int]) -> ResponseCode:
    """RFC 7162 MODIFIED: the messages a conditional STORE left alone."""
    return ResponseCode("MODIFIED", format_uid_set(uids).encode("ascii"))


def _code(code: ResponseCode | str | None) -> bytes:
    if code is None:
        return b""
    if isinstance(code, ResponseCode):
        return code.encode() + b" "
    return b"[" + _text(code).replace(b"]", b" ") + b"] "


# -- status responses and continuations ----------------------------------------------------

_TAGGED_STATUSES = frozenset({"OK", "NO", "BAD"})
_UNTAGGED_STATUSES = frozenset({"OK", "NO", "BAD", "PREAUTH", "BYE"})


def tagged(tag: str, status: str, text: str, code: ResponseCode | str | None = None) -> bytes:
    """`tag OK [code] text`; `code` a ResponseCode or the code's text (e.g. "TOOBIG")."""
    if status not in _TAGGED_STATUSES:
        raise ValueError(f"not a tagged status: {status}")
    return b"%s %s %s%s\r\n" % (tag.encode("ascii"), status.encode(), _code(code), _text(text))


def untagged_status(status: str, text: str, code: ResponseCode | str | None = None) -> bytes:
    """`* OK|NO|BAD|PREAUTH|BYE [code] text`."""
    if status not in _UNTAGGED_STATUSES:
        raise ValueError(f"not an untagged status: {status}")
    return b"* %s %s%s\r\n" % (status.encode(), _code(code), _text(text))


def untagged(data: bytes | str) -> bytes:
    """`* data` for data already encoded."""
    if isinstance(data, str):
        data = data.encode("ascii")
    return b"* " + data + CRLF


def continuation(text: str = "", code: ResponseCode | None = None) -> bytes:
    """`+ text` asking for a literal or for IDLE's DONE."""
    return b"+ " + _code(code) + (_text(text) if text else b"") + CRLF


def continuation_base64(challenge: bytes) -> bytes:
    """`+ base64` for an AUTHENTICATE challenge (empty challenge: `+ `)."""
    return b"+ " + base64.b64encode(challenge) + CRLF


# -- untagged data -------------------------------------------------------------------------


def capability_response(capabilities: Iterable[str]) -> bytes:
    return b"* CAPABILITY " + " ".join(capabilities).encode("ascii") + CRLF


def enabled_response(capabilities: Iterable[str]) -> bytes:
    """RFC 5161 `* ENABLED` (possibly with nothing after it)."""
    return b"* ENABLED" + b"".join(b" " + name.encode("ascii") for name in capabilities) + CRLF


def exists_response(count: int) -> bytes:
    return b"* %d EXISTS\r\n" % count


def recent_response(count: int) -> bytes:
    return b"* %d RECENT\r\n" % count


def expunge_response(sequence_number: int) -> bytes:
    return b"* %d EXPUNGE\r\n" % sequence_number


def vanished_response(uids: Iterable[int], *, earlier: bool = False) -> bytes:
    """RFC 7162 3.2.10 `* VANISHED [(EARLIER)] uid-set`."""
    prefix = b"* VANISHED (EARLIER) " if earlier else b"* VANISHED "
    return prefix + format_uid_set(uids).encode("ascii") + CRLF


def flags_response(flags: Iterable[str]) -> bytes:
    return b"* FLAGS " + encode_flags(flags) + CRLF


def list_response(
    attributes: Iterable[str],
    delimiter: str | None,
    name: str,
    *,
    lsub: bool = False,
    childinfo: Sequence[str] = (),
    oldname: str | None = None,
) -> bytes:
    """`* LIST (\\HasNoChildren) "/" name`, with RFC 5258 CHILDINFO / OLDNAME extended data."""
    line = b"* %s %s %s %s" % (
        b"LSUB" if lsub else b"LIST",
        encode_flags(attributes),
        _delimiter(delimiter),
        encode_mailbox(name),
    )
    extended: list[bytes] = []
    if childinfo:
        extended.append(b'"CHILDINFO" (' + b" ".join(map(encode_string, childinfo)) + b")")
    if oldname is not None:
        extended.append(b'"OLDNAME" (' + encode_mailbox(oldname) + b")")
    if extended:
        line += b" (" + b" ".join(extended) + b")"
    return line + CRLF


def status_response(mailbox: str, items: Iterable[tuple[str, int | str]]) -> bytes:
    """`* STATUS name (MESSAGES 3 UIDNEXT 9)`; RFC 8474 MAILBOXID's value is parenthesised."""
    parts = []
    for item, value in items:
        if item == "MAILBOXID":
            parts.append(b"MAILBOXID (" + str(value).encode("ascii") + b")")
        else:
            parts.append(item.encode("ascii") + b" " + str(value).encode("ascii"))
    return b"* STATUS " + encode_mailbox(mailbox) + b" (" + b" ".join(parts) + b")" + CRLF


def search_response(numbers: Iterable[int], *, highest_modseq: int | None = None) -> bytes:
    """`* SEARCH 2 3 5`, with RFC 7162's `(MODSEQ n)` when asked for."""
    line = b"* SEARCH" + b"".join([b" %d" % number for number in numbers])
    if highest_modseq is not None:
        line += b" (MODSEQ %d)" % highest_modseq
    return line + CRLF


def esearch_response(
    tag: str,
    *,
    uid: bool,
    minimum: int | None = None,
    maximum: int | None = None,
    all_numbers: Iterable[int] | None = None,
    count: int | None = None,
    highest_modseq: int | None = None,
) -> bytes:
    """RFC 4731 `* ESEARCH (TAG "a1") UID MIN 2 MAX 9 ALL 2:4,9 COUNT 4`.

    Results that are None are left out; an ALL with no match is left out too, as the RFC asks.
    """
    line = b"* ESEARCH (TAG " + quoted(tag) + b")"
    if uid:
        line += b" UID"
    if minimum is not None:
        line += b" MIN %d" % minimum
    if maximum is not None:
        line += b" MAX %d" % maximum
    if all_numbers is not None:
        numbers = format_uid_set(all_numbers)
        if numbers:
            line += b" ALL " + numbers.encode("ascii")
    if count is not None:
        line += b" COUNT %d" % count
    if highest_modseq is not None:
        line += b" MODSEQ %d" % highest_modseq
    return line + CRLF


def sort_response(numbers: Iterable[int]) -> bytes:
    """RFC 5256 `* SORT 5 3 4` (in sorted order, not numeric)."""
    return b"* SORT" + b"".join([b" %d" % number for number in numbers]) + CRLF


ThreadNode = tuple[int | None, Sequence["ThreadNode"]]


def thread_response(threads: Iterable[ThreadNode]) -> bytes:
    """RFC 5256 `* THREAD (2)(3 6 (4 23)(44 7 96))` from (number, children) trees.

    A number of None is a missing parent whose children are siblings.
    """
    return b"* THREAD " + b"".join(b"(" + _thread_chain(node) + b")" for node in threads) + CRLF


def _thread_chain(node: ThreadNode) -> bytes:
    pieces: list[bytes] = []
    while True:
        number, children = node
        if number is not None:
            pieces.append(b"%d" % number)
        if len(children) == 1 and number is not None:
            node = children[0]
            continue
        if children:
            pieces.append(b"".join(b"(" + _thread_chain(child) + b")" for child in children))
        return b" ".join(pieces)


Namespace = Sequence[tuple[str, str | None]]


def namespace_response(
    personal: Namespace | None, other_users: Namespace | None, shared: Namespace | None
) -> bytes:
    """RFC 2342 `* NAMESPACE (("" "/")) NIL NIL`: (prefix, delimiter) lists or None."""

    def encode(namespaces: Namespace | None) -> bytes:
        if not namespaces:
            return b"NIL"
        return (
            b"("
            + b"".join(
                b"(" + encode_string(encode_mailbox_name(prefix)) + b" " + _delimiter(delim) + b")"
                for prefix, delim in namespaces
            )
            + b")"
        )

    return b"* NAMESPACE %s %s %s\r\n" % (encode(personal), encode(other_users), encode(shared))


def id_response(params: Iterable[tuple[str, str | None]] | None) -> bytes:
    """RFC 2971 `* ID ("name" "x" ...)` or `* ID NIL`."""
    if params is None:
        return b"* ID NIL\r\n"
    items = [encode_string(key) + b" " + encode_nstring(value) for key, value in params]
    if not items:
        return b"* ID NIL\r\n"
    return b"* ID (" + b" ".join(items) + b")" + CRLF


def quota_response(root: str, resources: Iterable[tuple[str, int, int]]) -> bytes:
    """RFC 9208 `* QUOTA root (STORAGE usage limit ...)`."""
    items = [b"%s %d %d" % (name.encode("ascii"), usage, limit) for name, usage, limit in resources]
    return b"* QUOTA " + encode_astring(root) + b" (" + b" ".join(items) + b")" + CRLF


def quotaroot_response(mailbox: str, roots: Iterable[str]) -> bytes:
    """RFC 9208 `* QUOTAROOT mailbox root...`."""
    return (
        b"* QUOTAROOT "
        + encode_mailbox(mailbox)
        + b"".join(b" " + encode_astring(root) for root in roots)
        + CRLF
    )


def acl_response(mailbox: str, entries: Iterable[tuple[str, str]]) -> bytes:
    """RFC 4314 `* ACL mailbox identifier rights ...`."""
    pairs = b"".join(
        b" " + encode_astring(identifier) + b" " + encode_astring(rights)
        for identifier, rights in entries
    )
    return b"* ACL " + encode_mailbox(mailbox) + pairs + CRLF


def listrights_response(
    mailbox: str, identifier: str, required: str, optional: Iterable[str]
) -> bytes:
    """RFC 4314 `* LISTRIGHTS mailbox identifier required optional...`."""
    return (
        b"* LISTRIGHTS "
        + encode_mailbox(mailbox)
        + b" "
        + encode_astring(identifier)
        + b" "
        + encode_string(required)
        + b"".join(b" " + encode_astring(group) for group in optional)
        + CRLF
    )


def myrights_response(mailbox: str, rights: str) -> bytes:
    return b"* MYRIGHTS " + encode_mailbox(mailbox) + b" " + encode_string(rights) + CRLF


def fetch_response(sequence_number: int, items: Iterable[tuple[bytes, object]]) -> bytes:
    """`* 12 FETCH (UID 5 FLAGS (\\Seen))` from (item name, value) pairs.

    Names are the attributes' `response_name`; flags should be passed as `encode_flags(...)`.
    """
    parts = []
    for name, value in items:
        if type(value) is int:
            parts.append(b"%s %d" % (name, value))
        elif type(value) is Raw:
            parts.append(name + b" " + value)
        else:
            parts.append(name + b" " + encode_value(value))
    return b"* %d FETCH (%s)\r\n" % (sequence_number, b" ".join(parts))


def fetch_uid_flags_response(sequence_number: int, uid: int, flags: Raw) -> bytes:
    """`* 12 FETCH (UID 5 FLAGS (\\Seen))`: the flag-sync line, half the cost of the generic."""
    return b"* %d FETCH (UID %d FLAGS %s)\r\n" % (sequence_number, uid, flags)
