"""The parsed commands: one frozen dataclass per IMAP command, all with the client's `tag`.

Mailbox names are decoded from modified UTF-7 (and INBOX spelled canonically); flags are in
canonical case for system flags; sequence sets stay unresolved until the session applies them
to the selected mailbox. Secrets (LOGIN password, SASL initial response) are kept out of repr.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Literal

from imapd.imap.fetch import FetchAttribute
from imapd.imap.search import SearchKey
from imapd.imap.sequence import SequenceSet

StoreMode = Literal["replace", "add", "remove"]
AclMode = Literal["replace", "add", "remove"]


@dataclass(frozen=True, slots=True)
class Command:
    tag: str
    name: ClassVar[str] = ""


# -- any state (RFC 3501 6.1) --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CapabilityCommand(Command):
    name: ClassVar[str] = "CAPABILITY"


@dataclass(frozen=True, slots=True)
class NoopCommand(Command):
    name: ClassVar[str] = "NOOP"


@dataclass(frozen=True, slots=True)
class LogoutCommand(Command):
    name: ClassVar[str] = "LOGOUT"


@dataclass(frozen=True, slots=True)
class IdCommand(Command):
    """RFC 2971: `params` None for `ID NIL`, else (field, value-or-None) pairs in order."""

    params: tuple[tuple[str, str | None], ...] | None
    name: ClassVar[str] = "ID"


@dataclass(frozen=True, slots=True)
class EnableCommand(Command):
    """RFC 5161: capability names, upper-cased."""

    capabilities: tuple[str, ...]
    name: ClassVar[str] = "ENABLE"


# -- not authenticated (RFC 3501 6.2) ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StartTlsCommand(Command):
    name: ClassVar[str] = "STARTTLS"


@dataclass(frozen=True, slots=True)
class LoginCommand(Command):
    username: str
    password: str = field(repr=False)
    name: ClassVar[str] = "LOGIN"


@dataclass(frozen=True, slots=True)
class AuthenticateCommand(Command):
    """`mechanism` upper-cased; `initial_response` decoded (RFC 4959 `=` is b"") or None."""

    mechanism: str
    initial_response: bytes | None = field(default=None, repr=False)
    name: ClassVar[str] = "AUTHENTICATE"


# -- authenticated (RFC 3501 6.3) ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QResyncParams:
    """RFC 7162 3.2.5 SELECT/EXAMINE (QRESYNC (uidvalidity modseq [known-uids] [seq-match]))."""

    uidvalidity: int
    modseq: int
    known_uids: SequenceSet | None = None
    known_sequence_set: SequenceSet | None = None
    known_uid_set: SequenceSet | None = None


@dataclass(frozen=True, slots=True)
class SelectCommand(Command):
    """SELECT, or EXAMINE when `readonly`."""

    mailbox: str
    readonly: bool = False
    condstore: bool = False
    qresync: QResyncParams | None = None
    name: ClassVar[str] = "SELECT"


@dataclass(frozen=True, slots=True)
class CreateCommand(Command):
    """`special_use`: RFC 6154 USE attributes; `partition`: Cyrus-style, accepted and ignored."""

    mailbox: str
    special_use: tuple[str, ...] = ()
    partition: str | None = None
    name: ClassVar[str] = "CREATE"


@dataclass(frozen=True, slots=True)
class DeleteCommand(Command):
    mailbox: str
    name: ClassVar[str] = "DELETE"


@dataclass(frozen=True, slots=True)
class RenameCommand(Command):
    mailbox: str
    new_name: str
    partition: str | None = None
    name: ClassVar[str] = "RENAME"


@dataclass(frozen=True, slots=True)
class SubscribeCommand(Command):
    mailbox: str
    name: ClassVar[str] = "SUBSCRIBE"


@dataclass(frozen=True, slots=True)
class UnsubscribeCommand(Command):
    mailbox: str
    name: ClassVar[str] = "UNSUBSCRIBE"


@dataclass(frozen=True, slots=True)
class ListCommand(Command):
    """LIST with RFC 5258 selection and return options (upper-cased).

    `patterns` holds one pattern unless the client used the parenthesised multi-pattern form.
    `status_items` is the RFC 5819 RETURN (STATUS (...)) list, empty if not asked for.
    """

    reference: str
    patterns: tuple[str, ...]
    selection: tuple[str, ...] = ()
    return_options: tuple[str, ...] = ()
    status_items: tuple[str, ...] = ()
    extended: bool = False
    name: ClassVar[str] = "LIST"


@dataclass(frozen=True, slots=True)
class LsubCommand(Command):
    reference: str
    pattern: str
    name: ClassVar[str] = "LSUB"


@dataclass(frozen=True, slots=True)
class NamespaceCommand(Command):
    name: ClassVar[str] = "NAMESPACE"


@dataclass(frozen=True, slots=True)
class StatusCommand(Command):
    """`items` upper-cased, in the client's order, without duplicates."""

    mailbox: str
    items: tuple[str, ...]
    name: ClassVar[str] = "STATUS"


@dataclass(frozen=True, slots=True)
class AppendMessage:
    """One message of an APPEND; `binary` when sent as literal8 (RFC 3516)."""

    content: bytes = field(repr=False)
    flags: tuple[str, ...] = ()
    internal_date: datetime | None = None
    binary: bool = False


@dataclass(frozen=True, slots=True)
class AppendCommand(Command):
    """APPEND; several `messages` are RFC 3502 MULTIAPPEND."""

    mailbox: str
    messages: tuple[AppendMessage, ...]
    name: ClassVar[str] = "APPEND"


@dataclass(frozen=True, slots=True)
class IdleCommand(Command):
    name: ClassVar[str] = "IDLE"


@dataclass(frozen=True, slots=True)
class GetQuotaCommand(Command):
    root: str
    name: ClassVar[str] = "GETQUOTA"


@dataclass(frozen=True, slots=True)
class GetQuotaRootCommand(Command):
    mailbox: str
    name: ClassVar[str] = "GETQUOTAROOT"


@dataclass(frozen=True, slots=True)
class SetQuotaCommand(Command):
    """RFC 9208: (resource, limit) pairs, resource upper-cased; empty removes every limit."""

    root: str
    limits: tuple[tuple[str, int], ...]
    name: ClassVar[str] = "SETQUOTA"


@dataclass(frozen=True, slots=True)
class SetAclCommand(Command):
    """RFC 4314 SETACL; `mode` from the rights' optional +/- prefix (stripped from `rights`)."""

    mailbox: str
    identifier: str
    rights: str
    mode: AclMode = "replace"
    name: ClassVar[str] = "SETACL"


@dataclass(frozen=True, slots=True)
class DeleteAclCommand(Command):
    mailbox: str
    identifier: str
    name: ClassVar[str] = "DELETEACL"


@dataclass(frozen=True, slots=True)
class GetAclCommand(Command):
    mailbox: str
    name: ClassVar[str] = "GETACL"


@dataclass(frozen=True, slots=True)
class ListRightsCommand(Command):
    mailbox: str
    identifier: str
    name: ClassVar[str] = "LISTRIGHTS"


@dataclass(frozen=True, slots=True)
class MyRightsCommand(Command):
    mailbox: str
    name: ClassVar[str] = "MYRIGHTS"


# -- selected (RFC 3501 6.4) ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckCommand(Command):
    name: ClassVar[str] = "CHECK"


@dataclass(frozen=True, slots=True)
class CloseCommand(Command):
    name: ClassVar[str] = "CLOSE"


@dataclass(frozen=True, slots=True)
class UnselectCommand(Command):
    name: ClassVar[str] = "UNSELECT"


@dataclass(frozen=True, slots=True)
class ExpungeCommand(Command):
    """EXPUNGE, or RFC 4315 UID EXPUNGE restricted to `uid_set`."""

    uid: bool = False
    uid_set: SequenceSet | None = None
    name: ClassVar[str] = "EXPUNGE"


@dataclass(frozen=True, slots=True)
class SearchCommand(Command):
    """SEARCH. `return_options` None is a plain SEARCH response; a tuple asks for ESEARCH
    (RFC 4731; `RETURN ()` is read as `RETURN (ALL)`). `charset` is "UTF-8" or "US-ASCII".
    """

    key: SearchKey
    uid: bool = False
    charset: str | None = None
    return_options: tuple[str, ...] | None = None
    name: ClassVar[str] = "SEARCH"


@dataclass(frozen=True, slots=True)
class SortCriterion:
    key: str
    reverse: bool = False


@dataclass(frozen=True, slots=True)
class SortCommand(Command):
    """RFC 5256 SORT."""

    criteria: tuple[SortCriterion, ...]
    charset: str
    key: SearchKey
    uid: bool = False
    name: ClassVar[str] = "SORT"


@dataclass(frozen=True, slots=True)
class ThreadCommand(Command):
    """RFC 5256 THREAD; `algorithm` upper-cased (ORDEREDSUBJECT, REFERENCES)."""

    algorithm: str
    charset: str
    key: SearchKey
    uid: bool = False
    name: ClassVar[str] = "THREAD"


@dataclass(frozen=True, slots=True)
class FetchCommand(Command):
    """FETCH with macros expanded. RFC 7162 modifiers: CHANGEDSINCE and (UID FETCH only)
    VANISHED.
    """

    sequence_set: SequenceSet
    attributes: tuple[FetchAttribute, ...]
    uid: bool = False
    changed_since: int | None = None
    vanished: bool = False
    name: ClassVar[str] = "FETCH"


@dataclass(frozen=True, slots=True)
class StoreCommand(Command):
    """STORE [+-]FLAGS[.SILENT]; `unchanged_since` is the RFC 7162 modifier."""

    sequence_set: SequenceSet
    mode: StoreMode
    flags: tuple[str, ...]
    silent: bool = False
    uid: bool = False
    unchanged_since: int | None = None
    name: ClassVar[str] = "STORE"


@dataclass(frozen=True, slots=True)
class CopyCommand(Command):
    sequence_set: SequenceSet
    mailbox: str
    uid: bool = False
    name: ClassVar[str] = "COPY"


@dataclass(frozen=True, slots=True)
class MoveCommand(Command):
    """RFC 6851 MOVE."""

    sequence_set: SequenceSet
    mailbox: str
    uid: bool = False
    name: ClassVar[str] = "MOVE"
