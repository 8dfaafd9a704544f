"""The one local delivery path.

LMTP, the local recipients of submission and inbound SMTP, the `deliver` command, the REST
append and the bounces all store mail through `recipient_check` (at RCPT time) and
`envelope_deliver` (once the message is in). Everything here calls the ORM: the listeners run
it in the ORM thread pool.

What is stored: the received bytes exactly, except that
- bare LF line ends become CRLF (`imapd.mime.normalize_line_ends`; IMAP and the sizes clients
  compute need CRLF); CRLF, lone CR, NUL bytes, 8-bit data and long lines are kept as they are;
- trace header fields are put on top: `Return-Path: <sender>` when the envelope sender is known,
  `Delivered-To: <recipient>` (unless the message already starts with that very field) and,
  for SMTP and LMTP arrivals, a `Received:` field (RFC 5321 4.4).
Each account gets its own copy (its own Delivered-To) and its own blob; the blob is fsynced and
the rows committed before a recipient counts as delivered (`imapd.store.services`), and the
store publishes each new message to IDLE sessions through its notifier.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import format_datetime

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from accounts.models import Account
from accounts.selectors import recipient_resolve
from imapd.mime import normalize_line_ends
from imapd.smtp import replies
from imapd.smtp.queue import outbound_enqueue
from imapd.smtp.replies import Reply
from imapd.store import names
from imapd.store.services.delivery import (
    AccountMemory,
    Delivered,
    DeliveryItem,
    DeliveryResult,
    PreparedDelivery,
    committed_merge,
    deliveries_commit,
    deliveries_prepare,
    delivery_store,
    message_is_empty,
    prepared_only,
)
from mailplatform.errors import (
    LimitExceeded,
    NotFound,
    NotPermitted,
    ServiceError,
    ValidationFailed,
)

log = logging.getLogger(__name__)

_HELO_UNSAFE = re.compile(r"[^A-Za-z0-9.:_\[\]-]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def new_queue_id() -> str:
    return secrets.token_hex(6).upper()


@dataclass(frozen=True)
class Arrival:
    """How a message arrived: what its trace header fields say.

    `sender` is the envelope reverse-path ("" for the null sender of a bounce, None when
    unknown: no Return-Path). `protocol` is the Received field's `with` keyword (LMTP, ESMTPSA
    ... RFC 3848); None adds no Received field (local delivery agent, REST append).
    """

    sender: str | None = None
    protocol: str | None = None
    helo: str = ""
    peer: str | None = None
    queue_id: str = field(default_factory=new_queue_id)
    at: datetime = field(default_factory=timezone.now)


@dataclass(frozen=True)
class RecipientCheck:
    """An envelope recipient as resolved at RCPT time: the reply, and where mail for it goes.

    Outside the local domains (`is_local_domain` false) the listener decides: LMTP and inbound
    SMTP refuse, submission relays (`external` then holds the address itself).
    """

    address: str
    reply: Reply
    is_local_domain: bool = True
    account_ids: tuple[int, ...] = ()
    external: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.reply.ok

    @classmethod
    def remote(cls, address: str) -> RecipientCheck:
        """A recipient in another domain that submission hands to the smarthost."""
        return cls(address, replies.RECIPIENT_OK, is_local_domain=False, external=(address,))


@dataclass(frozen=True)
class RecipientOutcome:
    """What became of the message for one envelope recipient."""

    address: str
    reply: Reply
    copies: tuple[Delivered, ...] = ()


def relay_configured() -> bool:
    return bool(settings.SMTP_RELAY_URL)


def recipient_check(address: str, *, now: datetime | None = None) -> RecipientCheck:
    """Resolve an envelope recipient (aliases, catch-all, `user+tag`, any case) and say whether
    mail for it is accepted: 550 5.1.1 unknown, 550 5.2.1 disabled or expired."""
    moment = now or timezone.now()
    resolution = recipient_resolve(address)
    if not resolution.is_local_domain:
        return RecipientCheck(address, replies.UNKNOWN_USER, is_local_domain=False)
    if not resolution.is_known:
        return RecipientCheck(address, replies.UNKNOWN_USER)
    usable = tuple(a.pk for a in resolution.accounts if a.refusal(moment) is None)
    external = tuple(resolution.external)
    if external and not relay_configured():
        if not usable:
            reply = replies.FORWARDING_UNAVAILABLE if not resolution.accounts else None
            return RecipientCheck(address, reply or replies.MAILBOX_DISABLED)
        log.warning("no relay host: %s is delivered only to its local accounts", address)
        external = ()
    if not usable and not external:
        return RecipientCheck(address, replies.MAILBOX_DISABLED)
    return RecipientCheck(address, replies.RECIPIENT_OK, account_ids=usable, external=external)


def _header_safe(text: str) -> str:
    return _CONTROL.sub("", text)


def trace_headers(arrival: Arrival, recipient: str | None) -> bytes:
    """The header fields put on top of a stored copy, in the order they are prepended."""
    lines: list[str] = []
    if arrival.sender is not None:
        lines.append(f"Return-Path: <{_header_safe(arrival.sender)}>")
    if recipient is not None:
        lines.append(f"Delivered-To: {_header_safe(recipient)}")
    if arrival.protocol is not None:
        lines.append(received_header(arrival, recipient))
    return "".join(line + "\r\n" for line in lines).encode("utf-8", "surrogateescape")


def received_header(arrival: Arrival, recipient: str | None) -> str:
    """RFC 5321 4.4 time stamp line; the HELO name is reduced to characters safe in it."""
    helo = _HELO_UNSAFE.sub("?", arrival.helo)[:255] or "unknown"
    source = f"from {helo} ([{arrival.peer}])" if arrival.peer else f"from {helo}"
    stamp = format_datetime(timezone.localtime(arrival.at))
    clause = f"\r\n\tfor <{_header_safe(recipient)}>" if recipient else ""
    return (
        f"Received: {source}\r\n\tby {settings.MAIL_HOSTNAME} with {arrival.protocol}"
        f" id {arrival.queue_id}{clause}; {stamp}"
    )


def _starts_with_field(raw: bytes, line: bytes) -> bool:
    return raw[: len(line)].lower() == line.lower()


def stored_form(raw: bytes, arrival: Arrival, recipient: str | None) -> bytes:
    """The bytes stored for one recipient: trace fields, then the message with CRLF ends."""
    return _traced(normalize_line_ends(raw), arrival, recipient)


def _traced(body: bytes, arrival: Arrival, recipient: str | None) -> bytes:
    """`stored_form` of a message whose line ends are normalized already."""
    headers = trace_headers(arrival, recipient)
    if recipient is not None:
        delivered_to = f"Delivered-To: {_header_safe(recipient)}\r\n".encode(
            "utf-8", "surrogateescape"
        )
        if _starts_with_field(body, delivered_to):  # the MTA in front already wrote it
            headers = headers.replace(delivered_to, b"", 1)
    return headers + body


def failure_reply(error: BaseException) -> Reply:
    """The reply for a delivery that raised `error`."""
    if isinstance(error, LimitExceeded):
        if error.code == "TOOBIG":
            return replies.TOO_BIG
        if error.code == "OVERQUOTA":
            return (
                replies.OVER_QUOTA_TEMPORARY if settings.OVERQUOTA_TEMPFAIL else replies.OVER_QUOTA
            )
        return Reply(452, "4.3.1", error.reason)
    if isinstance(error, NotFound):
        return replies.UNKNOWN_USER
    if isinstance(error, NotPermitted):
        return replies.MAILBOX_DISABLED
    if isinstance(error, ValidationFailed):
        return Reply(554, "5.6.0", error.reason)
    return replies.TEMPORARY_FAILURE  # TemporaryFailure, a database error, anything unforeseen


def account_deliver(
    *,
    account: Account,
    raw: bytes,
    arrival: Arrival,
    recipient: str | None,
    mailbox: str = names.INBOX,
    flags: Sequence[str] = (),
    internal_date: datetime | None = None,
) -> Delivered:
    """Store one copy for one account; raises the store's errors (see `failure_reply`)."""
    if message_is_empty(raw):
        raise ValidationFailed(replies.EMPTY_MESSAGE.text)
    item = DeliveryItem(
        account_id=account.pk,
        raw=stored_form(raw, arrival, recipient),
        mailbox=mailbox,
        flags=tuple(flags),
        internal_date=internal_date,
    )
    return delivery_store(item)


def _forward(
    raw: bytes, arrival: Arrival, external: Sequence[str], account_id: int | None
) -> Reply:
    """Queue one copy for all addresses outside the platform; the queued reply or a failure."""
    try:
        queued = outbound_enqueue(
            sender=arrival.sender or "",
            recipients=external,
            content=stored_form(raw, replace(arrival, sender=None), None),
            account_id=account_id,
        )
    except DatabaseError:
        log.exception("could not queue a message for %s", ", ".join(external))
        return replies.TEMPORARY_FAILURE
    return Reply(250, "2.0.0", f"Queued as {queued.pk} for relaying")


def _combined(results: Sequence[Delivered | Reply]) -> Reply:
    """One recipient's reply from its destinations: delivered when any copy landed (a retry
    would duplicate it), else the first temporary failure, else the first failure."""
    if any(isinstance(r, Delivered) or r.ok for r in results):
        return replies.DELIVERED
    failures = [r for r in results if isinstance(r, Reply)]
    return next((r for r in failures if r.temporary), failures[0])


@dataclass(frozen=True)
class EnvelopeDelivery:
    """One message for its accepted recipients: what to store for each account (at most one
    copy per account, however many recipients lead to it, with the first one's
    Delivered-To) and which addresses outside the platform share one queued copy. An empty
    message has neither: every recipient is answered that it is empty."""

    raw: bytes
    arrival: Arrival
    recipients: Sequence[RecipientCheck]
    items: tuple[DeliveryItem, ...]
    external: tuple[str, ...]
    submitter_id: int | None = None

    @classmethod
    def plan(
        cls,
        *,
        raw: bytes,
        arrival: Arrival,
        recipients: Sequence[RecipientCheck],
        submitter_id: int | None = None,
        mailbox: str = names.INBOX,
        flags: Sequence[str] = (),
    ) -> EnvelopeDelivery:
        if message_is_empty(raw):
            return cls(raw, arrival, recipients, (), (), submitter_id)
        body = normalize_line_ends(raw)  # once, whatever the number of copies
        first_recipient: dict[int, str] = {}
        for check in recipients:
            for pk in check.account_ids:
                first_recipient.setdefault(pk, check.address)
        items = tuple(
            DeliveryItem(
                account_id=pk,
                raw=_traced(body, arrival, address),
                mailbox=mailbox,
                flags=tuple(flags),
            )
            for pk, address in first_recipient.items()
        )
        external = tuple(dict.fromkeys(a for r in recipients for a in r.external))
        return cls(raw, arrival, recipients, items, external, submitter_id)

    @property
    def empty(self) -> bool:
        return message_is_empty(self.raw)

    def outcomes(self, stored: Sequence[DeliveryResult | Reply]) -> list[RecipientOutcome]:
        """One outcome per recipient, in order, from what became of each item (a result, or
        the reply for a commit that failed as a whole); queues the external copy (ORM)."""
        if self.empty:
            return [RecipientOutcome(r.address, replies.EMPTY_MESSAGE) for r in self.recipients]
        by_account: dict[int, Delivered | Reply] = {}
        for item, result in zip(self.items, stored, strict=True):
            by_account[item.account_id] = _result_reply(item, result)
        queued = (
            _forward(self.raw, self.arrival, self.external, self.submitter_id)
            if self.external
            else None
        )
        outcomes: list[RecipientOutcome] = []
        for check in self.recipients:
            results: list[Delivered | Reply] = [by_account[pk] for pk in check.account_ids]
            if check.external and queued is not None:
                results.append(queued)
            if not results:
                outcomes.append(RecipientOutcome(check.address, check.reply))
                continue
            copies = tuple(r for r in results if isinstance(r, Delivered))
            outcomes.append(RecipientOutcome(check.address, _combined(results), copies))
        return outcomes


def _result_reply(item: DeliveryItem, result: DeliveryResult | Reply) -> Delivered | Reply:
    if isinstance(result, Delivered):
        return result
    reply = result if isinstance(result, Reply) else failure_reply(result)
    log.info("delivery to account %s refused: %s", item.account_id, reply)
    return reply


def envelope_deliver(delivery: EnvelopeDelivery) -> list[RecipientOutcome]:
    """Deliver one message to its accepted recipients (`EnvelopeDelivery.plan`), one outcome
    per recipient in order."""
    return envelopes_deliver([delivery])[0]


def envelopes_deliver(deliveries: Sequence[EnvelopeDelivery]) -> list[list[RecipientOutcome]]:
    """Deliver several messages in one transaction; each message's outcomes, in order."""
    return envelopes_commit(deliveries, envelopes_prepare(deliveries))


Prepared = PreparedDelivery | ServiceError | Reply


def envelopes_prepare(
    deliveries: Sequence[EnvelopeDelivery], memory: AccountMemory | None = None
) -> list[Prepared]:
    """`deliveries_prepare` for the items of several messages (the first half of
    `envelopes_deliver`; the mail daemon's delivery worker runs the halves in two threads,
    sharing a `memory`)."""
    items = [item for delivery in deliveries for item in delivery.items]
    try:
        return list(deliveries_prepare(items, memory))
    except Exception:  # the database is unreachable, or worse: the sender tries again later
        log.exception("delivery failed: nothing was stored")
        return [replies.TEMPORARY_FAILURE] * len(items)


def envelopes_commit(
    deliveries: Sequence[EnvelopeDelivery],
    prepared: Sequence[Prepared],
    memory: AccountMemory | None = None,
) -> list[list[RecipientOutcome]]:
    """Commit what `envelopes_prepare` made ready, in one transaction; each message's
    outcomes. A failed transaction is a temporary failure for all: nothing was stored."""
    try:
        results: list[DeliveryResult | Reply] = committed_merge(
            prepared, deliveries_commit(prepared_only(prepared), memory)
        )
    except Exception:
        log.exception("delivery failed: nothing was stored")
        results = [
            replies.TEMPORARY_FAILURE if isinstance(p, PreparedDelivery) else p for p in prepared
        ]
    outcomes: list[list[RecipientOutcome]] = []
    start = 0
    for delivery in deliveries:
        outcomes.append(delivery.outcomes(results[start : start + len(delivery.items)]))
        start += len(delivery.items)
    return outcomes
