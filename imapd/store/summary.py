"""What the store keeps of a message's bytes, computed once at delivery by `imapd.mime`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from imapd import mime


@dataclass(frozen=True)
class ContentFields:
    """The `MessageContent` columns derived from a message's bytes."""

    size: int
    message_id: str
    sent_at: datetime | None
    sent_date: date | None
    subject_search: str
    from_search: str
    to_search: str
    cc_search: str
    bcc_search: str
    envelope: str
    structure: str
    header_fields: str


def search_text(value: object) -> str:
    """A casefolded flat string of a header value (or list of them) for substring SEARCH."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").casefold()
    if isinstance(value, Iterable):
        return " ".join(filter(None, (search_text(v) for v in value)))
    return str(value).casefold()


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def content_fields(raw: bytes) -> ContentFields:
    summary = mime.analyze(raw)
    rest = summary.to_json()
    envelope = rest.pop("envelope")
    structure = {"body": rest.pop("body"), "bodystructure": rest.pop("bodystructure")}
    sent = summary.sent_date
    return ContentFields(
        size=len(raw),
        message_id=summary.message_id or "",
        sent_at=(sent if sent.tzinfo else sent.replace(tzinfo=UTC)) if sent else None,
        sent_date=sent.date() if sent else None,
        subject_search=search_text(summary.subject),
        from_search=search_text(summary.from_),
        to_search=search_text(summary.to),
        cc_search=search_text(summary.cc),
        bcc_search=search_text(summary.bcc),
        envelope=_compact(envelope),
        structure=_compact(structure),
        header_fields=_compact(rest),
    )


def summary_load(*, envelope: str, structure: str, header_fields: str) -> mime.MessageSummary:
    """The MessageSummary that `content_fields` split into a content row's three JSON texts."""
    data = json.loads(header_fields)
    data["envelope"] = json.loads(envelope)
    data.update(json.loads(structure))
    return mime.MessageSummary.from_json(data)
