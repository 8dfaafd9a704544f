"""SMTP/LMTP replies with RFC 3463 enhanced status codes (advertised as ENHANCEDSTATUSCODES,
RFC 2034), shared by the listeners, the `deliver` command and the bounces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Reply:
    """A reply such as `250 2.0.0 Message delivered`; `status` is the enhanced code."""

    code: int
    status: str
    text: str

    def __str__(self) -> str:
        return f"{self.code} {self.status} {self.text}"

    @property
    def ok(self) -> bool:
        return self.code < 400

    @property
    def temporary(self) -> bool:
        return 400 <= self.code < 500

    @property
    def detail(self) -> str:
        """The enhanced code and text: what `deliver` prints and a DSN's diagnostic shows."""
        return f"{self.status} {self.text}"

    @classmethod
    def parse(cls, line: str) -> Reply:
        """A reply received from another server; a missing enhanced code is derived."""
        code_text, _, rest = line.strip().partition(" ")
        code = int(code_text) if code_text.isdigit() else 451
        first, _, text = rest.partition(" ")
        parts = first.split(".")
        if len(parts) == 3 and all(p.isdigit() for p in parts) and first[0] == str(code)[0]:
            return cls(code, first, text)
        return cls(code, f"{str(code)[0]}.0.0", rest)


DELIVERED: Final = Reply(250, "2.0.0", "Message delivered")
SENDER_OK: Final = Reply(250, "2.1.0", "Sender OK")
RECIPIENT_OK: Final = Reply(250, "2.1.5", "Recipient OK")
UNKNOWN_USER: Final = Reply(550, "5.1.1", "No such user")
MAILBOX_DISABLED: Final = Reply(550, "5.2.1", "Mailbox disabled, not accepting messages")
OVER_QUOTA: Final = Reply(552, "5.2.2", "Mailbox is full (over quota)")
OVER_QUOTA_TEMPORARY: Final = Reply(452, "4.2.2", "Mailbox is full (over quota), try again later")
TOO_BIG: Final = Reply(552, "5.3.4", "Message too big")
EMPTY_MESSAGE: Final = Reply(554, "5.6.0", "Message is empty")
FORWARDING_UNAVAILABLE: Final = Reply(
    550, "5.3.5", "This address forwards elsewhere, but no relay host is configured"
)
RELAY_DENIED: Final = Reply(
    550, "5.7.1", "Relaying denied: this server only takes mail for its domains"
)
NO_RELAY_HOST: Final = Reply(
    550,
    "5.7.1",
    "No relay host is configured here: only recipients in this server's domains are accepted",
)
SENDER_NOT_OWNED: Final = Reply(553, "5.7.1", "Sender address is not yours")
RATE_LIMITED: Final = Reply(450, "4.7.1", "Sending rate limit reached, try again in a minute")
TOO_MANY_RECIPIENTS: Final = Reply(452, "4.5.3", "Too many recipients")
TEMPORARY_FAILURE: Final = Reply(451, "4.3.0", "Temporary failure, please try again later")
