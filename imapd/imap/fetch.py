"""FETCH data items (RFC 3501 6.4.5, RFC 3516 BINARY, RFC 7162 MODSEQ, RFC 8474 object ids).

Each attribute knows the name its value goes out under in the FETCH response
(`BODY.PEEK[1]<0.10>` answers as `BODY[1]<0>`), and whether fetching it sets \\Seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from imapd.imap.responses import encode_astring

# Items with no section; BODY alone is the non-extensible BODYSTRUCTURE.
SIMPLE_ITEMS: frozenset[str] = frozenset(
    {
        "ENVELOPE",
        "FLAGS",
        "INTERNALDATE",
        "RFC822",
        "RFC822.HEADER",
        "RFC822.SIZE",
        "RFC822.TEXT",
        "BODY",
        "BODYSTRUCTURE",
        "UID",
        "MODSEQ",
        "EMAILID",
        "THREADID",
    }
)

MACROS: dict[str, tuple[str, ...]] = {
    "ALL": ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"),
    "FAST": ("FLAGS", "INTERNALDATE", "RFC822.SIZE"),
    "FULL": ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"),
}

SectionText = Literal["HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME"]


@dataclass(frozen=True, slots=True)
class FetchAttribute:
    """Base of every FETCH data item."""

    @property
    def response_name(self) -> bytes:
        raise NotImplementedError

    @property
    def sets_seen(self) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class FetchItem(FetchAttribute):
    """An item without section: one of SIMPLE_ITEMS."""

    name: str

    @property
    def response_name(self) -> bytes:
        return self.name.encode("ascii")

    @property
    def sets_seen(self) -> bool:
        return self.name in ("RFC822", "RFC822.TEXT")


@dataclass(frozen=True, slots=True)
class Partial:
    """`<start.length>`: the response names only the start (`BODY[]<start>`)."""

    start: int
    length: int


@dataclass(frozen=True, slots=True)
class Section:
    """`[1.2.HEADER.FIELDS (From To)]`: part numbers, then what of that part.

    `part` empty is the whole message; `text` None with a part is that part's body;
    `fields` keeps the header field names as the client wrote them, to echo them back.
    """

    part: tuple[int, ...] = ()
    text: SectionText | None = None
    fields: tuple[str, ...] = field(default=())

    def encode(self) -> bytes:
        pieces = [".".join(str(number) for number in self.part)] if self.part else []
        if self.text is not None:
            pieces.append(self.text)
        spec = ".".join(pieces)
        if self.fields:
            fields = b" ".join(encode_astring(name) for name in self.fields)
            return spec.encode("ascii") + b" (" + fields + b")"
        return spec.encode("ascii")


def _part_text(part: tuple[int, ...]) -> bytes:
    return ".".join(str(number) for number in part).encode("ascii")


@dataclass(frozen=True, slots=True)
class BodySection(FetchAttribute):
    """BODY[section]<partial> or BODY.PEEK[...]."""

    section: Section = field(default_factory=Section)
    peek: bool = False
    partial: Partial | None = None

    @property
    def response_name(self) -> bytes:
        name = b"BODY[" + self.section.encode() + b"]"
        if self.partial is not None:
            name += b"<%d>" % self.partial.start
        return name

    @property
    def sets_seen(self) -> bool:
        return not self.peek


@dataclass(frozen=True, slots=True)
class BinarySection(FetchAttribute):
    """RFC 3516 BINARY[part]<partial> or BINARY.PEEK[...]: the part's content, decoded."""

    part: tuple[int, ...] = ()
    peek: bool = False
    partial: Partial | None = None

    @property
    def response_name(self) -> bytes:
        name = b"BINARY[" + _part_text(self.part) + b"]"
        if self.partial is not None:
            name += b"<%d>" % self.partial.start
        return name

    @property
    def sets_seen(self) -> bool:
        return not self.peek


@dataclass(frozen=True, slots=True)
class BinarySize(FetchAttribute):
    """RFC 3516 BINARY.SIZE[part]: the size of the decoded part."""

    part: tuple[int, ...] = ()

    @property
    def response_name(self) -> bytes:
        return b"BINARY.SIZE[" + _part_text(self.part) + b"]"
