"""IMAP command parser: bytes in, typed commands out (RFC 3501 9 and the extensions' grammar).

`parse_command` raises only ParseError. Command names, options and keywords are
case-insensitive. Where real clients stray from the RFC the parser follows Dovecot: repeated
spaces between arguments and trailing spaces are accepted (see `imapd.imap.reader`), and so is
a space before a closing parenthesis. `\\Recent` and unknown `\\` flags are refused in STORE
and APPEND, as RFC 3501 reserves them to the server.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable

from imapd.imap import commands as c
from imapd.imap.errors import ParseError
from imapd.imap.fetch_parser import parse_fetch_attributes
from imapd.imap.framing import AssembledCommand
from imapd.imap.mailbox_names import MailboxNameError, decode_mailbox_name, normalise_inbox
from imapd.imap.reader import MAX_NUMBER64, Reader
from imapd.imap.search_parser import parse_charset, parse_return_options, parse_search_keys
from imapd.imap.sequence import SequenceSet

__all__ = ["ParseError", "parse_command", "parse_sasl_response"]

SYSTEM_FLAGS: dict[str, str] = {
    "\\ANSWERED": "\\Answered",
    "\\FLAGGED": "\\Flagged",
    "\\DELETED": "\\Deleted",
    "\\SEEN": "\\Seen",
    "\\DRAFT": "\\Draft",
}
SPECIAL_USE: dict[str, str] = {
    name.upper(): name
    for name in ("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash")
}
STATUS_ITEMS = frozenset(
    {
        "MESSAGES",
        "RECENT",
        "UIDNEXT",
        "UIDVALIDITY",
        "UNSEEN",
        "SIZE",
        "HIGHESTMODSEQ",
        "MAILBOXID",
        "DELETED",
    }
)
LIST_SELECTION = frozenset({"SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"})
LIST_RETURN = frozenset({"SUBSCRIBED", "CHILDREN", "SPECIAL-USE", "STATUS"})
SORT_KEYS = frozenset(
    {"ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO", "DISPLAYFROM", "DISPLAYTO"}
)
MAX_ID_PAIRS = 30  # RFC 2971 3.3

_BASE64 = re.compile(rb"[A-Za-z0-9+/]+={0,2}")
_RIGHTS = re.compile(r"[a-z0-9]*")

Handler = Callable[[Reader, str, bool], c.Command]


def parse_command(data: bytes | AssembledCommand) -> c.Command:
    """Parse one command: raw bytes as on the wire, or what the CommandAssembler produced."""
    if isinstance(data, AssembledCommand):
        reader = Reader(data.data, dict(data.literals))
    else:
        reader = Reader(bytes(data))
    if reader.at_end():
        raise ParseError(None, "Empty command")
    tag = reader.read_tag()
    if reader.at_end():
        raise reader.fail("Missing command")
    reader.space()
    name = _command_name(reader)
    uid = name == "UID"
    if uid:
        if reader.at_end():
            raise reader.fail("Missing command after UID")
        reader.space()
        name = _command_name(reader)
        handler = _UID_COMMANDS.get(name)
    else:
        handler = _COMMANDS.get(name)
    if handler is None:
        raise reader.fail("Unknown command")
    return handler(reader, tag, uid)


def parse_sasl_response(line: bytes, tag: str) -> bytes | None:
    """A client's answer to an AUTHENTICATE challenge (RFC 3501 6.2.2): its decoded octets, or
    None when the client cancels with `*` (the server then answers `tag BAD`).
    """
    text = line.rstrip(b"\r\n").strip(b" ")
    if text == b"*":
        return None
    if text and not _BASE64.fullmatch(text):
        raise ParseError(tag, "Invalid base64 in authentication response")
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except binascii.Error:
        raise ParseError(tag, "Invalid base64 in authentication response") from None


def _command_name(reader: Reader) -> str:
    try:
        return reader.keyword()
    except ParseError:
        raise reader.fail("Unknown command") from None


# -- shared arguments ----------------------------------------------------------------------


def _mailbox(reader: Reader) -> str:
    return _decode_mailbox(reader, reader.astring())


def _decode_mailbox(reader: Reader, raw: bytes) -> str:
    try:
        return normalise_inbox(decode_mailbox_name(raw.decode("ascii")))
    except (UnicodeDecodeError, MailboxNameError):
        raise reader.fail("Mailbox name is not valid modified UTF-7") from None


def _flag(reader: Reader) -> str:
    """A flag a client may set: a system flag (canonical case) or a keyword atom."""
    if reader.peek() != 0x5C:  # backslash
        return reader.atom().decode("ascii")
    reader.pos += 1
    name = "\\" + reader.atom().decode("ascii").upper()
    canonical = SYSTEM_FLAGS.get(name)
    if canonical is None:
        if name == "\\RECENT":
            raise reader.fail("\\Recent cannot be set by clients")
        raise reader.fail("Unknown system flag")
    return canonical


def _flag_list(reader: Reader) -> tuple[str, ...]:
    """`(flag *(SP flag))`, possibly empty, duplicates dropped."""
    reader.open_paren()
    flags: list[str] = []
    if not reader.try_close_paren():
        flags.append(_flag(reader))
        while reader.list_separator():
            flags.append(_flag(reader))
    return tuple(dict.fromkeys(flags))


def _astring_text(reader: Reader, what: str) -> str:
    return reader.text(reader.astring(), what)


def _no_arguments(command: type[c.Command]) -> Handler:
    def parse(reader: Reader, tag: str, uid: bool) -> c.Command:
        reader.expect_end()
        return command(tag)

    return parse


def _optional_atom(reader: Reader) -> str | None:
    """A trailing atom argument (Cyrus partition), or None at the end of the command."""
    if reader.at_end():
        return None
    reader.space()
    value = reader.atom().decode("ascii")
    reader.expect_end()
    return value


def _parenthesised_keywords(reader: Reader) -> list[str]:
    reader.open_paren()
    words: list[str] = []
    if not reader.try_close_paren():
        words.append(reader.keyword())
        while reader.list_separator():
            words.append(reader.keyword())
    return words


# -- any state -----------------------------------------------------------------------------


def _id(reader: Reader, tag: str, uid: bool) -> c.Command:
    """RFC 2971: ID ("name" "value" ...) or ID NIL."""
    reader.space()
    if reader.is_nil():
        reader.pos += 3
        reader.expect_end()
        return c.IdCommand(tag, None)
    reader.open_paren()
    params: list[tuple[str, str | None]] = []
    if not reader.try_close_paren():
        while True:
            # RFC 2971 asks for strings; atoms are accepted too, as Dovecot does.
            key = reader.astring().decode("utf-8", "replace")
            reader.space()
            value = None if reader.is_nil() else reader.astring().decode("utf-8", "replace")
            if value is None:
                reader.pos += 3
            params.append((key, value))
            if len(params) > MAX_ID_PAIRS:
                raise reader.fail("Too many ID fields")
            if not reader.list_separator():
                break
    reader.expect_end()
    return c.IdCommand(tag, tuple(params))


def _enable(reader: Reader, tag: str, uid: bool) -> c.Command:
    """RFC 5161: ENABLE capability *(SP capability)."""
    names = []
    while True:
        reader.space()
        names.append(reader.keyword())
        if reader.at_end():
            break
    reader.expect_end()
    return c.EnableCommand(tag, tuple(dict.fromkeys(names)))


# -- not authenticated ---------------------------------------------------------------------


def _login(reader: Reader, tag: str, uid: bool) -> c.Command:
    reader.space()
    username = _astring_text(reader, "User name")
    reader.space()
    password = _astring_text(reader, "Password")
    reader.expect_end()
    return c.LoginCommand(tag, username, password)


def _authenticate(reader: Reader, tag: str, uid: bool) -> c.Command:
    """RFC 3501 6.2.2 with the RFC 4959 initial response (`=` for an empty one)."""
    reader.space()
    mechanism = reader.keyword()
    initial: bytes | None = None
    if not reader.at_end():
        reader.space()
        if reader.peek() == 0x3D and reader.peek_at(reader.pos + 1) in (-1, 0x20, 0x0D, 0x0A):
            reader.pos += 1
            initial = b""
        else:
            match = _BASE64.match(reader.data, reader.pos)
            if match is None:
                raise reader.fail("Invalid initial response")
            try:
                initial = binascii.a2b_base64(match.group(), strict_mode=True)
            except binascii.Error:
                raise reader.fail("Invalid base64 in initial response") from None
            reader.pos = match.end()
    reader.expect_end()
    return c.AuthenticateCommand(tag, mechanism, initial)


# -- authenticated -------------------------------------------------------------------------


def _select(readonly: bool) -> Handler:
    def parse(reader: Reader, tag: str, uid: bool) -> c.Command:
        reader.space()
        mailbox = _mailbox(reader)
        condstore = False
        qresync: c.QResyncParams | None = None
        if not reader.at_end():
            reader.space()
            reader.open_paren()
            while True:
                param = reader.keyword()
                if param == "CONDSTORE" and not condstore:
                    condstore = True
                elif param == "QRESYNC" and qresync is None:
                    reader.space()
                    qresync = _qresync(reader)
                else:
                    raise reader.fail(f"Unknown or repeated SELECT parameter {param[:32]}")
                if not reader.list_separator():
                    break
        reader.expect_end()
        return c.SelectCommand(tag, mailbox, readonly, condstore, qresync)

    return parse


def _known_set(reader: Reader) -> SequenceSet:
    sequence_set = reader.sequence_set()
    if sequence_set.uses_star or sequence_set.saved:
        raise reader.fail("* and $ are not allowed in QRESYNC")
    return sequence_set


def _qresync(reader: Reader) -> c.QResyncParams:
    """RFC 7162 3.2.5: (uidvalidity modseq [known-uids] [(known-seqs known-uids)])."""
    reader.open_paren()
    uidvalidity = reader.number(nonzero=True)
    reader.space()
    modseq = reader.number(maximum=MAX_NUMBER64)
    if reader.try_close_paren():
        return c.QResyncParams(uidvalidity, modseq)
    reader.space()
    known_uids = None
    if reader.peek() != 0x28:
        known_uids = _known_set(reader)
        if reader.try_close_paren():
            return c.QResyncParams(uidvalidity, modseq, known_uids)
        reader.space()
    reader.open_paren()
    known_seqs = _known_set(reader)
    reader.space()
    known_seq_uids = _known_set(reader)
    reader.close_paren()
    reader.close_paren()
    return c.QResyncParams(uidvalidity, modseq, known_uids, known_seqs, known_seq_uids)


def _create(reader: Reader, tag: str, uid: bool) -> c.Command:
    """RFC 3501 6.3.3 with RFC 6154 `(USE (...))`, and a Cyrus partition atom, in any order."""
    reader.space()
    mailbox = _mailbox(reader)
    special_use: tuple[str, ...] | None = None
    partition: str | None = None
    while not reader.at_end():
        reader.space()
        if reader.peek() == 0x28 and special_use is None:
            special_use = _create_params(reader)
        elif reader.peek() != 0x28 and partition is None:
            partition = reader.atom().decode("ascii")
        else:
            raise reader.fail("Unexpected CREATE argument")
    return c.CreateCommand(tag, mailbox, special_use or (), partition)


def _create_params(reader: Reader) -> tuple[str, ...]:
    reader.open_paren()
    uses: list[str] = []
    while True:
        param = reader.keyword()
        if param != "USE":
            raise reader.fail(f"Unknown CREATE parameter {param[:32]}")
        reader.space()
        reader.open_paren()
        while True:
            if reader.peek() != 0x5C:
                raise reader.fail("Expected a special-use attribute")
            reader.pos += 1
            name = SPECIAL_USE.get("\\" + reader.keyword())
            if name is None:
                raise reader.fail("Unsupported special-use attribute", code="USEATTR", status="NO")
            uses.append(name)
            if not reader.list_separator():
                break
        if not reader.list_separator():
            break
    return tuple(dict.fromkeys(uses))


def _rename(reader: Reader, tag: str, uid: bool) -> c.Command:
    reader.space()
    mailbox = _mailbox(reader)
    reader.space()
    new_name = _mailbox(reader)
    return c.RenameCommand(tag, mailbox, new_name, _optional_atom(reader))


def _mailbox_only(command: Callable[[str, str], c.Command]) -> Handler:
    def parse(reader: Reader, tag: str, uid: bool) -> c.Command:
        reader.space()
        mailbox = _mailbox(reader)
        reader.expect_end()
        return command(tag, mailbox)

    return parse


def _mailbox_and_identifier(command: Callable[[str, str, str], c.Command]) -> Handler:
    def parse(reader: Reader, tag: str, uid: bool) -> c.Command:
        reader.space()
        mailbox = _mailbox(reader)
        reader.space()
        identifier = _astring_text(reader, "Identifier")
        reader.expect_end()
        return command(tag, mailbox, identifier)

    return parse


def _list(reader: Reader, tag: str, uid: bool) -> c.Command:
    """RFC 3501 6.3.8 with RFC 5258 LIST-EXTENDED, RFC 6154 and RFC 5819 LIST-STATUS."""
    reader.space()
    selection: list[str] = []
    extended = False
    if reader.peek() == 0x28:
        extended = True
        selection = list(dict.fromkeys(_parenthesised_keywords(reader)))
        unknown = [option for option in selection if option not in LIST_SELECTION]
        if unknown:
            raise reader.fail(f"Unknown LIST selection option {unknown[0][:32]}")
        if "RECURSIVEMATCH" in selection and not set(selection) - {"RECURSIVEMATCH", "REMOTE"}:
            raise reader.fail("RECURSIVEMATCH needs another selection option")
        reader.space()
    reference = _mailbox(reader)
    reader.space()
    patterns: list[str] = []
    if reader.peek() == 0x28:
        extended = True
        reader.open_paren()
        patterns.append(_pattern(reader))
        while reader.list_separator():
            patterns.append(_pattern(reader))
    else:
        patterns.append(_pattern(reader))
    return_options: list[str] = []
    status_items: tuple[str, ...] = ()
    if not reader.at_end():
        reader.space()
        if reader.keyword() != "RETURN":
            raise reader.fail("Expected RETURN")
        extended = True
        reader.space()
        reader.open_paren()
        if not reader.try_close_paren():
            while True:
                option = reader.keyword()
                if option not in LIST_RETURN or option in return_options:
                    raise reader.fail(f"Unknown or repeated LIST return option {option[:32]}")
                return_options.append(option)
                if option == "STATUS":
                    reader.space()
                    status_items = _status_items(reader)
                if not reader.list_separator():
                    break
    reader.expect_end()
    return c.ListCommand(
        tag,
        reference,
        tuple(patterns),
        tuple(selection),
        tuple(return_options),
        status_items,
        extended,
    )


def _pattern(reader: Reader) -> str:
    return _decode_mailbox(reader, reader.list_mailbox())


def _lsub(reader: Reader, tag: str, uid: bool) -> c.Command:
    reader.space()
    reference = _mailbox(reader)
    reader.space()
    pattern = _pattern(reader)
    reader.expect_end()
    return c.LsubCommand(tag, reference, pattern)


def _status_items(reader: Reader) -> tuple[str, ...]:
    items = _parenthesised_keywords(reader)
    if not items:
        raise reader.fail("Missing STATUS items")
    for item in items:
        if item not in STATUS_ITEMS:
            raise reader.fail(f"Unknown STATUS item {item[:32]}")
    return tuple(dict.fromkeys(items))


def _status(reader: Reader, tag: str, uid: bool) -> c.Command:
    reader.space()
    mailbox = _mailbox(reader)
    reader.space()
    items = _status_items(reader)
    reader.expect_end()
    return c.StatusCommand(tag, mailbox, items)


def _append(reader: Reader, tag: str, uid: bool) -> c.Command:
    """RFC 3501 6.3.11, RFC 3502 MULTIAPPEND (repeated messages), RFC 3516 literal8."""
    reader.space()
    mailbox = _mailbox(reader)
    messages: list[c.AppendMessage] = []
    while not reader.at_end() or not messages:
        reader.space()
        flags: tuple[str, ...] = ()
        internal_date = None
        if reader.peek() == 0x28:
            flags = _flag_list(reader)
            reader.space()
        if reader.peek() == 0x22:
            internal_date = reader.date_time()
            reader.space()
        if reader.peek() not in (0x7B, 0x7E):  # { ~
            raise reader.fail("Expected the message as a literal")
        content, binary = reader.literal(allow_binary=True)
        messages.append(c.AppendMessage(content, flags, internal_date, binary))
    return c.AppendCommand(tag, mailbox, tuple(messages))


def _get_quota(reader: Reader, tag: str, uid: bool) -> c.Command:
    reader.space()
    root = _astring_text(reader, "Quota root")
    reader.expect_end()
    return c.GetQuotaCommand(tag, root)


def _set_quota(reader: Reader, tag: str, uid: bool) -> c.Command:
    """RFC 9208 4.3: SETQUOTA root (resource limit ...), resource names upper-cased."""
    reader.space()
    root = _astring_text(reader, "Quota root")
    reader.space()
    reader.open_paren()
    limits: dict[str, int] = {}
    if not reader.try_close_paren():
        while True:
            resource = reader.keyword()
            if resource in limits:
                raise reader.fail("Repeated quota resource")
            reader.space()
            limits[resource] = reader.number(maximum=MAX_NUMBER64)
            if not reader.list_separator():
                break
    reader.expect_end()
    return c.SetQuotaCommand(tag, root, tuple(limits.items()))


def _set_acl(reader: Reader, tag: str, uid: bool) -> c.Command:
    """RFC 4314 3.1: SETACL mailbox identifier [+-]rights."""
    reader.space()
    mailbox = _mailbox(reader)
    reader.space()
    identifier = _astring_text(reader, "Identifier")
    reader.space()
    rights = _astring_text(reader, "Rights")
    reader.expect_end()
    mode: c.AclMode = "replace"
    if rights[:1] == "+":
        mode, rights = "add", rights[1:]
    elif rights[:1] == "-":
        mode, rights = "remove", rights[1:]
    if not _RIGHTS.fullmatch(rights):
        raise reader.fail("Invalid rights")
    return c.SetAclCommand(tag, mailbox, identifier, rights, mode)


# -- selected ------------------------------------------------------------------------------


def _expunge(reader: Reader, tag: str, uid: bool) -> c.Command:
    uid_set = None
    if uid:
        reader.space()
        uid_set = reader.sequence_set()
    reader.expect_end()
    return c.ExpungeCommand(tag, uid, uid_set)


def _search(reader: Reader, tag: str, uid: bool) -> c.Command:
    """RFC 3501 6.4.4 with RFC 4731 ESEARCH `RETURN (...)` (which comes first)."""
    reader.space()
    return_options = None
    charset = None
    if _next_word_is(reader, b"RETURN"):
        reader.keyword()
        return_options = parse_return_options(reader)
        reader.space()
    if _next_word_is(reader, b"CHARSET"):
        reader.keyword()
        reader.space()
        charset = parse_charset(reader)
        reader.space()
    key = parse_search_keys(reader)
    return c.SearchCommand(tag, key, uid, charset, return_options)


def _next_word_is(reader: Reader, word: bytes) -> bool:
    end = reader.pos + len(word)
    return reader.data[reader.pos : end].upper() == word and reader.peek_at(end) == 0x20


def _sort(reader: Reader, tag: str, uid: bool) -> c.Command:
    """RFC 5256 SORT (criteria) charset key..."""
    reader.space()
    reader.open_paren()
    criteria: list[c.SortCriterion] = []
    while True:
        name = reader.keyword()
        reverse = name == "REVERSE"
        if reverse:
            reader.space()
            name = reader.keyword()
        if name not in SORT_KEYS:
            raise reader.fail(f"Unknown sort key {name[:32]}")
        criteria.append(c.SortCriterion(name, reverse))
        if not reader.list_separator():
            break
    reader.space()
    charset = parse_charset(reader)
    reader.space()
    return c.SortCommand(tag, tuple(criteria), charset, parse_search_keys(reader), uid)


def _thread(reader: Reader, tag: str, uid: bool) -> c.Command:
    """RFC 5256 THREAD algorithm charset key..."""
    reader.space()
    algorithm = reader.keyword()
    reader.space()
    charset = parse_charset(reader)
    reader.space()
    return c.ThreadCommand(tag, algorithm, charset, parse_search_keys(reader), uid)


def _fetch(reader: Reader, tag: str, uid: bool) -> c.Command:
    """RFC 3501 6.4.5 with the RFC 7162 CHANGEDSINCE and VANISHED modifiers."""
    reader.space()
    sequence_set = reader.sequence_set()
    reader.space()
    attributes = parse_fetch_attributes(reader)
    changed_since: int | None = None
    vanished = False
    if not reader.at_end():
        reader.space()
        reader.open_paren()
        while True:
            modifier = reader.keyword()
            if modifier == "CHANGEDSINCE" and changed_since is None:
                reader.space()
                changed_since = reader.number(maximum=MAX_NUMBER64)
            elif modifier == "VANISHED" and not vanished:
                vanished = True
            else:
                raise reader.fail(f"Unknown or repeated FETCH modifier {modifier[:32]}")
            if not reader.list_separator():
                break
        if vanished and (not uid or changed_since is None):
            raise reader.fail("VANISHED needs UID FETCH with CHANGEDSINCE")
    reader.expect_end()
    return c.FetchCommand(tag, sequence_set, attributes, uid, changed_since, vanished)


_STORE_MODES: dict[int, c.StoreMode] = {0x2B: "add", 0x2D: "remove"}


def _store(reader: Reader, tag: str, uid: bool) -> c.Command:
    """RFC 3501 6.4.6 with the RFC 7162 UNCHANGEDSINCE modifier."""
    reader.space()
    sequence_set = reader.sequence_set()
    reader.space()
    unchanged_since: int | None = None
    if reader.peek() == 0x28:
        reader.open_paren()
        if reader.keyword() != "UNCHANGEDSINCE":
            raise reader.fail("Unknown STORE modifier")
        reader.space()
        unchanged_since = reader.number(maximum=MAX_NUMBER64)
        reader.close_paren()
        reader.space()
    mode = _STORE_MODES.get(reader.peek(), "replace")
    if mode != "replace":
        reader.pos += 1
    item = reader.keyword()
    if item not in ("FLAGS", "FLAGS.SILENT"):
        raise reader.fail("Unsupported STORE data item")
    reader.space()
    if reader.peek() == 0x28:
        flags = _flag_list(reader)
    else:
        found = [_flag(reader)]
        while not reader.at_end():
            reader.space()
            found.append(_flag(reader))
        flags = tuple(dict.fromkeys(found))
    reader.expect_end()
    return c.StoreCommand(
        tag, sequence_set, mode, flags, item == "FLAGS.SILENT", uid, unchanged_since
    )


def _copy_or_move(command: type[c.CopyCommand] | type[c.MoveCommand]) -> Handler:
    def parse(reader: Reader, tag: str, uid: bool) -> c.Command:
        reader.space()
        sequence_set = reader.sequence_set()
        reader.space()
        mailbox = _mailbox(reader)
        reader.expect_end()
        return command(tag, sequence_set, mailbox, uid)

    return parse


_UID_COMMANDS: dict[str, Handler] = {
    "COPY": _copy_or_move(c.CopyCommand),
    "MOVE": _copy_or_move(c.MoveCommand),
    "FETCH": _fetch,
    "STORE": _store,
    "SEARCH": _search,
    "SORT": _sort,
    "THREAD": _thread,
    "EXPUNGE": _expunge,
}

_COMMANDS: dict[str, Handler] = {
    **_UID_COMMANDS,
    "CAPABILITY": _no_arguments(c.CapabilityCommand),
    "NOOP": _no_arguments(c.NoopCommand),
    "LOGOUT": _no_arguments(c.LogoutCommand),
    "ID": _id,
    "ENABLE": _enable,
    "STARTTLS": _no_arguments(c.StartTlsCommand),
    "LOGIN": _login,
    "AUTHENTICATE": _authenticate,
    "SELECT": _select(readonly=False),
    "EXAMINE": _select(readonly=True),
    "CREATE": _create,
    "DELETE": _mailbox_only(c.DeleteCommand),
    "RENAME": _rename,
    "SUBSCRIBE": _mailbox_only(c.SubscribeCommand),
    "UNSUBSCRIBE": _mailbox_only(c.UnsubscribeCommand),
    "LIST": _list,
    "LSUB": _lsub,
    "NAMESPACE": _no_arguments(c.NamespaceCommand),
    "STATUS": _status,
    "APPEND": _append,
    "IDLE": _no_arguments(c.IdleCommand),
    "GETQUOTA": _get_quota,
    "GETQUOTAROOT": _mailbox_only(c.GetQuotaRootCommand),
    "SETQUOTA": _set_quota,
    "SETACL": _set_acl,
    "DELETEACL": _mailbox_and_identifier(c.DeleteAclCommand),
    "GETACL": _mailbox_only(c.GetAclCommand),
    "LISTRIGHTS": _mailbox_and_identifier(c.ListRightsCommand),
    "MYRIGHTS": _mailbox_only(c.MyRightsCommand),
    "CHECK": _no_arguments(c.CheckCommand),
    "CLOSE": _no_arguments(c.CloseCommand),
    "UNSELECT": _no_arguments(c.UnselectCommand),
}
