"""What the store keeps per message, computed once at delivery: MessageSummary and analyze().

The trees (envelope, body, bodystructure) hold only None, str, int and lists, so the summary
goes to JSON and back unchanged; the IMAP encoder turns them into protocol syntax.

The header strings serve SEARCH/SORT/THREAD: decoded (RFC 2047, charset-aware), unfolded, in
their original case (the searcher case-folds). Subject, Message-ID, In-Reply-To and Date use the
last occurrence of a repeated field, as the envelope does; From, To, Cc, Bcc and References
join all occurrences so that a search finds any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from imapd.mime.bodystructure import build_structures
from imapd.mime.envelope import build_envelope
from imapd.mime.headers import HeaderField
from imapd.mime.structure import parse_message

_JOINED = {"from": ", ", "to": ", ", "cc": ", ", "bcc": ", ", "references": " "}
_LAST = ("subject", "message-id", "in-reply-to", "date")
_DECODED = frozenset({"from", "to", "cc", "bcc", "subject"})  # the others hold no words


@dataclass(frozen=True)
class MessageSummary:
    size: int
    envelope: list[Any]
    body: list[Any]
    bodystructure: list[Any]
    subject: str
    from_: str
    to: str
    cc: str
    bcc: str
    message_id: str
    in_reply_to: str
    references: str
    sent_date: datetime | None  # from Date:, timezone-aware; None when absent or unparsable

    def to_json(self) -> dict[str, Any]:
        """The fields for `json.dumps`; the trees are shared, not copied (`asdict` would copy
        them deeply, a noticeable cost at every delivery), so do not change them."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["sent_date"] = self.sent_date.isoformat() if self.sent_date else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MessageSummary:
        sent = data.get("sent_date")
        return cls(**{**data, "sent_date": datetime.fromisoformat(sent) if sent else None})


def parse_sent_date(value: str) -> datetime | None:
    """RFC 5322 date-time (obsolete forms accepted); a date without zone is taken as UTC."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _header_strings(fields: list[HeaderField]) -> dict[str, str]:
    joined: dict[str, list[str]] = {key: [] for key in _JOINED}
    last: dict[str, str] = {}
    for field in fields:
        if field.key not in joined and field.key not in _LAST:
            continue
        value = field.decoded() if field.key in _DECODED else field.value().strip()
        if field.key in joined:
            joined[field.key].append(value)
        else:
            last[field.key] = value
    strings = {key: _JOINED[key].join(values) for key, values in joined.items()}
    return strings | {key: last.get(key, "") for key in _LAST}


def analyze(raw: bytes) -> MessageSummary:
    """Everything IMAP needs often about a message, from one parse of its bytes."""
    root = parse_message(raw)
    body, bodystructure = build_structures(raw, root)
    strings = _header_strings(root.fields)
    return MessageSummary(
        size=len(raw),
        envelope=build_envelope(root.fields),
        body=body,
        bodystructure=bodystructure,
        subject=strings["subject"],
        from_=strings["from"],
        to=strings["to"],
        cc=strings["cc"],
        bcc=strings["bcc"],
        message_id=strings["message-id"],
        in_reply_to=strings["in-reply-to"],
        references=strings["references"],
        sent_date=parse_sent_date(strings["date"]) if strings["date"] else None,
    )
