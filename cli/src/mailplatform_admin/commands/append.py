"""append [--from SENDER] [--mailbox NAME] [--flag FLAG]... RECIPIENT: deliver the message read
on standard input through POST /api/v1/accounts/<address>/messages; usable as Postfix's
`mailbox_command`.

The first line printed is the result as an RFC 3463 enhanced status code and text, which an MTA
quotes in its bounces. Exit status (sysexits.h): 0 delivered; 67 unknown recipient (or one the
token may not deliver to: the server does not tell them apart); 69 refused for good (disabled,
over quota, too big, bad arguments); 65 empty message; 75 try again later: no answer, a timeout,
a server error, a missing or refused token, or any answer not understood. A fault on this side
therefore never bounces mail: the MTA keeps it and retries.

A leading mbox `From ` line is dropped; `user+tag@domain` is delivered to `user@domain`, with
the full address as Delivered-To. Aliases are not resolved here (use LMTP or `manage.py
deliver` for those): RECIPIENT is an account's address.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any, Final

from mailplatform_admin.client import ApiError, Unreachable, account_path
from mailplatform_admin.commands import Verbs, add
from mailplatform_admin.context import Context
from mailplatform_admin.exits import (
    DATAERR,
    NOUSER,
    OK,
    TEMPFAIL,
    UNAVAILABLE,
    CommandFailed,
)

SUBADDRESS_SEPARATOR: Final = "+"  # as the platform's addresses (accounts.addresses)


@dataclass(frozen=True)
class Outcome:
    exit_status: int
    detail: str  # "2.0.0 Message delivered"


DELIVERED: Final = "2.0.0 Message delivered"
EMPTY: Final = Outcome(DATAERR, "5.6.0 Message is empty")


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    parser = add(
        verbs, "append", append, common, "deliver the message on standard input to an account"
    )
    parser.add_argument("recipient", metavar="RECIPIENT")
    parser.add_argument("--from", dest="sender", help="the envelope sender (Postfix: $SENDER)")
    parser.add_argument("--mailbox", default="INBOX", help="INBOX when it does not exist")
    parser.add_argument(
        "--flag", dest="flags", action="append", default=[], help="a flag, e.g. \\Seen"
    )


def without_mbox_separator(raw: bytes) -> bytes:
    if raw.startswith(b"From "):
        return raw.partition(b"\n")[2]
    return raw


def account_address(recipient: str) -> str:
    local, at, domain = recipient.strip().rpartition("@")
    return f"{local.split(SUBADDRESS_SEPARATOR, 1)[0]}{at}{domain}" if at else recipient


def refusal(error: ApiError) -> Outcome:
    """What an error answer means for the MTA; anything not known to be final is temporary."""
    reason = error.reason
    if error.temporary or not error.is_api_error:
        return Outcome(TEMPFAIL, f"4.3.0 Temporary failure, try again later: {reason}")
    if error.status == 401:
        return Outcome(TEMPFAIL, f"4.3.5 The platform refused this command's token: {reason}")
    if error.status == 404:
        return Outcome(NOUSER, "5.1.1 No such user")
    if error.status == 403:
        return Outcome(UNAVAILABLE, f"5.2.1 Mailbox disabled, not accepting messages: {reason}")
    if error.status == 409 and error.code == "OVERQUOTA":
        return Outcome(UNAVAILABLE, f"5.2.2 Mailbox is full (over quota): {reason}")
    if error.status in (409, 413) and error.code == "TOOBIG":
        return Outcome(UNAVAILABLE, f"5.3.4 Message too big: {reason}")
    if error.status == 400:
        return Outcome(UNAVAILABLE, f"5.5.4 Invalid arguments: {reason}")
    return Outcome(TEMPFAIL, f"4.3.0 Unexpected answer (HTTP {error.status}): {reason}")


def deliver(ctx: Context, raw: bytes) -> tuple[Outcome, dict[str, Any]]:
    args = ctx.args
    query = {
        "mailbox": args.mailbox,
        "flag": args.flags,
        "sender": args.sender,
        "recipient": args.recipient,
    }
    try:
        answer = ctx.client().call(
            "POST",
            account_path(account_address(args.recipient), "messages"),
            query=query,
            raw=raw,
            content_type="message/rfc822",
        )
    except ApiError as error:
        return refusal(error), {"status_code": error.status, "code": error.code}
    except Unreachable as error:
        return Outcome(TEMPFAIL, f"4.4.1 {error}"), {}
    except CommandFailed as failure:  # no token, unreadable token file, bad --cafile
        return Outcome(TEMPFAIL, f"4.3.5 {failure.message}"), {}
    return Outcome(OK, answer.get("result") or DELIVERED), dict(answer)


def append(ctx: Context) -> int:
    raw = without_mbox_separator(sys.stdin.buffer.read())
    details: dict[str, Any] = {}
    if not raw.strip(b"\r\n"):
        outcome = EMPTY
    else:
        outcome, details = deliver(ctx, raw)
    if ctx.out.as_json:
        ctx.out.result({**details, "result": outcome.detail, "exit_status": outcome.exit_status})
    else:
        lines = [outcome.detail]
        lines += [
            f"{key}: {details[key]}" for key in ("mailbox", "uidvalidity", "uid") if key in details
        ]
        ctx.out.result(None, "\n".join(lines))
    return outcome.exit_status
