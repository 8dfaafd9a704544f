"""A local delivery agent: `manage.py deliver [--from SENDER] [--mailbox NAME] [--flag FLAG]...
RECIPIENT...` stores the message read on standard input, for Postfix's `mailbox_command` or
an Exim pipe transport.

The first line printed is the result as an enhanced status code and text (`2.0.0 Message
delivered`, `5.1.1 No such user`), which Postfix passes on in its bounces; with several
recipients one line per recipient follows. The exit status follows sysexits.h, as MTAs expect:
0 delivered, 67 (EX_NOUSER) unknown recipient, 69 (EX_UNAVAILABLE) refused for good (disabled
account, too big, over quota), 75 (EX_TEMPFAIL) try again later (database unreachable, over
quota when OVERQUOTA_TEMPFAIL), 64 (EX_USAGE) bad arguments, 65 (EX_DATAERR) empty input.
With several recipients the worst status wins (temporary first), so an MTA retrying one call
may deliver twice to the others: give one recipient per call, as `mailbox_command` does.

A leading mbox `From ` line (some MTAs add one) is dropped; otherwise the message is stored as
the delivery path stores everything (`imapd.smtp.delivery`).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from imapd.smtp import replies
from imapd.smtp.delivery import Arrival, EnvelopeDelivery, envelope_deliver, recipient_check
from imapd.smtp.replies import Reply
from imapd.store import names

log = logging.getLogger(__name__)

EX_OK = 0
EX_USAGE = 64
EX_DATAERR = 65
EX_NOUSER = 67
EX_UNAVAILABLE = 69
EX_TEMPFAIL = 75


def exit_status(reply: Reply) -> int:
    if reply.ok:
        return EX_OK
    if reply.temporary:
        return EX_TEMPFAIL
    if reply.status == replies.UNKNOWN_USER.status:
        return EX_NOUSER
    return EX_UNAVAILABLE


def _severity(reply: Reply) -> int:
    return {EX_TEMPFAIL: 3, EX_NOUSER: 2, EX_UNAVAILABLE: 1}.get(exit_status(reply), 0)


def without_mbox_separator(raw: bytes) -> bytes:
    """Drop an mbox `From sender date` line: not a header field, and not part of the mail."""
    if raw.startswith(b"From "):
        _, _, rest = raw.partition(b"\n")
        return rest
    return raw


def deliver_all(
    *,
    raw: bytes,
    recipients: Sequence[str],
    sender: str | None,
    mailbox: str,
    flags: Sequence[str],
) -> list[tuple[str, Reply]]:
    """The reply for each recipient, in order."""
    if len(raw) > settings.MAX_MESSAGE_SIZE:
        return [(r, replies.TOO_BIG) for r in recipients]
    try:
        checks = [recipient_check(address) for address in recipients]
        accepted = [c for c in checks if c.accepted]
        outcomes = (
            envelope_deliver(
                EnvelopeDelivery.plan(
                    raw=raw,
                    arrival=Arrival(sender=sender),
                    recipients=accepted,
                    mailbox=mailbox,
                    flags=flags,
                )
            )
            if accepted
            else []
        )
    except DatabaseError:
        log.exception("delivery failed: the database is unavailable")
        return [(r, replies.TEMPORARY_FAILURE) for r in recipients]
    delivered = {o.address: o.reply for o in outcomes}
    return [(c.address, delivered.get(c.address, c.reply)) for c in checks]


class Command(BaseCommand):
    help = "Deliver the message on standard input to local recipients (a local delivery agent)."
    # An MTA runs this once per message: no system checks (URLs, admin...) to load and run.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("recipients", nargs="+", metavar="RECIPIENT")
        parser.add_argument(
            "--from", dest="sender", help="The envelope sender (Postfix: $SENDER); '' for <>."
        )
        parser.add_argument(
            "--mailbox",
            default=names.INBOX,
            help="Deliver into this mailbox; INBOX when it does not exist.",
        )
        parser.add_argument(
            "--flag", dest="flags", action="append", default=[], help="A flag, e.g. \\Seen."
        )

    def run_from_argv(self, argv: list[str]) -> None:
        try:
            super().run_from_argv(argv)
        except SystemExit as stop:
            if stop.code == 2:  # argparse's usage error; MTAs know sysexits
                raise SystemExit(EX_USAGE) from None
            raise

    def handle(self, *args: Any, **options: Any) -> None:
        raw = without_mbox_separator(sys.stdin.buffer.read(settings.MAX_MESSAGE_SIZE + 1))
        recipients: list[str] = options["recipients"]
        if not raw.strip(b"\r\n"):
            self.stdout.write(replies.EMPTY_MESSAGE.detail)
            raise SystemExit(EX_DATAERR)
        results = deliver_all(
            raw=raw,
            recipients=recipients,
            sender=options["sender"],
            mailbox=options["mailbox"],
            flags=options["flags"],
        )
        overall = max((reply for _, reply in results), key=_severity)
        self.stdout.write(overall.detail)
        if len(results) > 1:
            for address, reply in results:
                self.stdout.write(f"{address}: {reply.detail}")
        self.stdout.flush()
        raise SystemExit(exit_status(overall))
