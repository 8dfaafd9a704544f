"""The IMAP server's limits and timeouts, read from settings once per listener start.

Every value comes from `mailplatform.settings` (and so from the environment); tests change them
with pytest-django's `settings` fixture before starting a daemon.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

SERVER_NAME = "mailplatform"


@dataclass(frozen=True, slots=True)
class ImapConfig:
    # RFC 7162 4 asks servers to accept lines of at least 8192 octets; Dovecot allows 64 KiB.
    max_line_length: int
    # The largest literal (APPEND message) a client may send: MAX_MESSAGE_SIZE (APPENDLIMIT).
    max_literal_size: int
    # All literals of one command together (MULTIAPPEND).
    max_command_size: int
    # Inactivity before the server logs a client out (RFC 3501 5.4: at least 30 minutes once
    # authenticated); before login a short one keeps idle connections from piling up.
    timeout_authenticated: float
    timeout_not_authenticated: float
    # During IDLE: how often to send `* OK Still here` and look at the mailbox in the database
    # (which catches changes made by processes the notifier does not reach).
    idle_keepalive: float
    # Consecutive BAD responses after which the connection is closed.
    max_bad_commands: int
    # Authenticated connections per account in this process; 0: no limit.
    max_connections_per_account: int
    # LOGIN and AUTHENTICATE PLAIN/LOGIN without TLS from other hosts than this one.
    allow_plaintext_auth: bool
    hostname: str

    @classmethod
    def from_settings(cls) -> ImapConfig:
        max_message = settings.MAX_MESSAGE_SIZE
        return cls(
            max_line_length=settings.IMAP_MAX_LINE_LENGTH,
            max_literal_size=max_message,
            max_command_size=max(settings.IMAP_MAX_COMMAND_SIZE, max_message + 65536),
            timeout_authenticated=float(settings.IMAP_TIMEOUT_AUTHENTICATED),
            timeout_not_authenticated=float(settings.IMAP_TIMEOUT_NOT_AUTHENTICATED),
            idle_keepalive=float(settings.IMAP_IDLE_KEEPALIVE),
            max_bad_commands=settings.IMAP_MAX_BAD_COMMANDS,
            max_connections_per_account=settings.IMAP_MAX_CONNECTIONS_PER_ACCOUNT,
            allow_plaintext_auth=settings.IMAP_ALLOW_PLAINTEXT_AUTH,
            hostname=settings.MAIL_HOSTNAME,
        )
