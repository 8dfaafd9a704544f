"""Executing FETCH (RFC 3501 6.4.5, RFC 3516 BINARY, RFC 7162 MODSEQ, RFC 8474 object ids).

A `FetchPlan` says what a FETCH needs. Items answered from the session's view (UID, FLAGS,
MODSEQ) are rendered on the event loop without touching the database (`render_from_view`,
the `UID FETCH 1:* (UID FLAGS)` flag sync). Anything else is rendered in the ORM thread pool by
`render_batch`, a batch of messages at a time: one query for the rows (with the envelope or
body structure JSON only when asked), the message bytes read only for sections, and the
response lines built there, so the event loop only writes them.

Item order follows Dovecot: UID first in a UID FETCH, FLAGS first when only the implicit \\Seen
made them change, otherwise the order the client asked for.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from imapd import mime
from imapd.imap.backend import StoreReader
from imapd.imap.fetch import BinarySection, BinarySize, BodySection, FetchAttribute, FetchItem
from imapd.imap.responses import Binary, Raw, encode_value
from imapd.imap.selected import SelectedMailbox
from imapd.imap.transcode import json_to_imap, structure_to_imap
from imapd.store.dto import FetchRow

UID = FetchItem("UID")
FLAGS = FetchItem("FLAGS")
MODSEQ = FetchItem("MODSEQ")
_VIEW_ITEMS = frozenset({"UID", "FLAGS", "MODSEQ"})
_ENVELOPE_ITEMS = frozenset({"ENVELOPE"})
_STRUCTURE_ITEMS = frozenset({"BODY", "BODYSTRUCTURE"})
_BYTES_ITEMS = frozenset({"RFC822", "RFC822.HEADER", "RFC822.TEXT"})
_RFC822_SECTIONS = {
    "RFC822": mime.SectionSpec(),
    "RFC822.HEADER": mime.SectionSpec(text="HEADER"),
    "RFC822.TEXT": mime.SectionSpec(text="TEXT"),
}
_MONTHS = tuple(b"Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())

# Output a batch may build before handing it to the event loop to write.
BATCH_BYTES = 4 << 20
BATCH_MESSAGES = 2000


@dataclass(frozen=True, slots=True)
class FetchPlan:
    items: tuple[FetchAttribute, ...]
    view_only: bool
    envelope: bool
    structure: bool
    needs_bytes: bool
    sets_seen: bool
    wants_flags: bool

    @classmethod
    def make(
        cls, attributes: Sequence[FetchAttribute], *, uid: bool, add_modseq: bool
    ) -> FetchPlan:
        items = list(attributes)
        if uid:
            items = [UID, *(item for item in items if item != UID)]
        if add_modseq and MODSEQ not in items:
            items.append(MODSEQ)
        names = {item.name for item in items if isinstance(item, FetchItem)}
        sections = any(not isinstance(item, FetchItem) for item in items)
        return cls(
            items=tuple(items),
            view_only=not sections and names <= _VIEW_ITEMS,
            envelope=bool(names & _ENVELOPE_ITEMS),
            structure=bool(names & _STRUCTURE_ITEMS),
            needs_bytes=sections or bool(names & _BYTES_ITEMS),
            sets_seen=any(item.sets_seen for item in items),
            wants_flags=FLAGS in items,
        )


def _internal_date(seconds: int) -> bytes:
    """RFC 3501 date-time in UTC, which is how the store keeps it."""
    t = time.gmtime(seconds)
    return b'"%2d-%s-%04d %02d:%02d:%02d +0000"' % (
        t.tm_mday,
        _MONTHS[t.tm_mon - 1],
        t.tm_year,
        t.tm_hour,
        t.tm_min,
        t.tm_sec,
    )


# -- from the view (event loop) ------------------------------------------------------------


def render_from_view(
    view: SelectedMailbox, indices: Sequence[int], plan: FetchPlan
) -> Iterator[bytes]:
    """FETCH lines for items the view answers (UID, FLAGS, MODSEQ), in ~64 KiB chunks.

    Such a FETCH never sets \\Seen, so the view's flags are the answer."""
    chunk: list[bytes] = []
    size = 0
    uids = view.uids
    flags_raw = view.flags_raw
    line: bytes
    uid_flags = plan.items == (UID, FLAGS)  # the flag sync of every client: one format
    for i in indices:
        if uid_flags:
            line = b"* %d FETCH (UID %d FLAGS %s)\r\n" % (i + 1, uids[i], flags_raw(i))
        else:
            parts = []
            for item in plan.items:
                name = item.name if isinstance(item, FetchItem) else ""
                if name == "UID":
                    parts.append(b"UID %d" % uids[i])
                elif name == "FLAGS":
                    parts.append(b"FLAGS " + flags_raw(i))
                elif name == "MODSEQ":
                    parts.append(b"MODSEQ (%d)" % view.modseqs[i])
            line = b"* %d FETCH (%s)\r\n" % (i + 1, b" ".join(parts))
        chunk.append(line)
        size += len(line)
        if size >= 65536:
            yield b"".join(chunk)
            chunk, size = [], 0
    if chunk:
        yield b"".join(chunk)


# -- from the store (ORM thread) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchJob:
    """Messages to render: parallel lists of sequence numbers, UIDs, the FLAGS to send (None
    where not sent) and modseqs, from the view at the time of the command."""

    plan: FetchPlan
    seqs: Sequence[int]
    uids: Sequence[int]
    flags: Sequence[Raw | None]
    modseqs: Sequence[int]


@dataclass(frozen=True, slots=True)
class BatchResult:
    data: bytes
    consumed: int  # how many messages of the job were handled (the rest come next call)
    missing: int  # messages expunged from the store meanwhile (RFC 2180 4.1.2)
    unknown_cte: bool  # a BINARY item met an unknown Content-Transfer-Encoding (RFC 3516)


class _UnknownCte(Exception):
    pass


def render_batch(job: BatchJob, reader: StoreReader) -> BatchResult:
    """Render FETCH lines for the job's messages; stops early past BATCH_BYTES."""
    plan = job.plan
    rows = {
        row.uid: row
        for row in reader.rows(job.uids, envelope=plan.envelope, structure=plan.structure)
    }
    renderers = _renderers(plan)
    out: list[bytes] = []
    size = 0
    missing = 0
    unknown_cte = False
    consumed = 0
    for position, uid in enumerate(job.uids):
        consumed = position + 1
        row = rows.get(uid)
        raw = None
        if row is not None and plan.needs_bytes:
            raw = reader.raw(row)
        if row is None or (plan.needs_bytes and raw is None):
            missing += 1
            continue
        try:
            line = _render_message(job, position, row, raw, renderers)
        except _UnknownCte:
            unknown_cte = True
            continue
        out.append(line)
        size += len(line)
        if size >= BATCH_BYTES:
            break
    return BatchResult(b"".join(out), consumed, missing, unknown_cte)


# A renderer turns (job, position, row, raw bytes) into one item of a FETCH response.
_Renderer = Callable[[BatchJob, int, FetchRow, "bytes | None"], bytes]
_NO_STRUCTURE = '{"body":null,"bodystructure":null}'


def _simple_renderer(name: str) -> _Renderer:
    if name == "UID":
        return lambda job, i, row, raw: b"UID %d" % row.uid
    if name == "FLAGS":
        return lambda job, i, row, raw: b"FLAGS " + (job.flags[i] or b"()")
    if name == "MODSEQ":
        return lambda job, i, row, raw: b"MODSEQ (%d)" % job.modseqs[i]
    if name == "INTERNALDATE":
        return lambda job, i, row, raw: b"INTERNALDATE " + _internal_date(row.internal_date)
    if name == "RFC822.SIZE":
        return lambda job, i, row, raw: b"RFC822.SIZE %d" % row.size
    if name == "ENVELOPE":
        return lambda job, i, row, raw: b"ENVELOPE " + json_to_imap(row.envelope or "null")
    if name in ("BODY", "BODYSTRUCTURE"):
        key, prefix = ("body", b"BODY ") if name == "BODY" else ("bodystructure", b"BODYSTRUCTURE ")
        return lambda job, i, row, raw: (
            prefix + structure_to_imap(row.structure or _NO_STRUCTURE, key)
        )
    if name == "EMAILID":
        return lambda job, i, row, raw: b"EMAILID (" + row.email_id.encode("ascii") + b")"
    if name == "THREADID":
        return lambda job, i, row, raw: (
            b"THREADID (" + row.thread_id.encode("ascii") + b")"
            if row.thread_id
            else b"THREADID NIL"
        )
    spec = _RFC822_SECTIONS[name]
    prefix = name.encode("ascii") + b" "
    return lambda job, i, row, raw: prefix + encode_value(mime.get_section(_need(raw), spec))


def _need(raw: bytes | None) -> bytes:
    assert raw is not None, "the plan reads message bytes for this item"
    return raw


def _renderers(plan: FetchPlan) -> tuple[_Renderer, ...]:
    renderers: list[_Renderer] = []
    for item in plan.items:
        if isinstance(item, FetchItem):
            renderers.append(_simple_renderer(item.name))
        else:
            renderers.append(_section_renderer(item))
    return tuple(renderers)


def _section_renderer(item: FetchAttribute) -> _Renderer:
    prefix = item.response_name + b" "
    return lambda job, i, row, raw: prefix + _section_value(item, _need(raw))


def _render_message(
    job: BatchJob,
    position: int,
    row: FetchRow,
    raw: bytes | None,
    renderers: tuple[_Renderer, ...],
) -> bytes:
    parts = [render(job, position, row, raw) for render in renderers]
    flags = job.flags[position]
    if flags is not None and not job.plan.wants_flags:
        parts.insert(0, b"FLAGS " + flags)  # the implicit \Seen changed them
    return b"* %d FETCH (%s)\r\n" % (job.seqs[position], b" ".join(parts))


def _section_value(item: FetchAttribute, raw: bytes) -> bytes:
    if isinstance(item, BodySection):
        section = item.section
        spec = mime.SectionSpec(part=section.part, text=section.text, fields=section.fields)
        data = mime.get_section(raw, spec)
        if item.partial is not None:
            data = mime.partial(data, item.partial.start, item.partial.length)
        return encode_value(data)
    if isinstance(item, BinarySection):
        decoded = mime.get_binary_section(raw, item.part)
        if decoded is None:
            raise _UnknownCte
        if item.partial is not None:
            decoded = mime.partial(decoded, item.partial.start, item.partial.length)
        return encode_value(Binary(decoded))
    if isinstance(item, BinarySize):
        size = mime.binary_size(raw, item.part)
        if size is None:
            raise _UnknownCte
        return b"%d" % size
    raise TypeError(f"unknown FETCH item {item!r}")
