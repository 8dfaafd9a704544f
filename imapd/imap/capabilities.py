"""What the server advertises (RFC 3501 7.2.1), before and after login.

Before login only what can be used then is listed: STARTTLS on a plain connection, the SASL
mechanisms the connection may use, LOGINDISABLED where plaintext passwords are refused
(RFC 3501 6.2.3). After login, every extension the session implements.
"""

from __future__ import annotations

from django.conf import settings

from imapd.store.acl import RIGHTS_CAPABILITY

# Dovecot's order, extended with what it lacks (OBJECTID, QUOTA, APPENDLIMIT, ...).
_COMMON = ("IMAP4rev1", "SASL-IR", "LITERAL+", "ID", "ENABLE", "IDLE")

_AUTHENTICATED = (
    "NAMESPACE",
    "UNSELECT",
    "CHILDREN",
    "UIDPLUS",
    "MULTIAPPEND",
    "BINARY",
    "MOVE",
    "LIST-EXTENDED",
    "LIST-STATUS",
    "SPECIAL-USE",
    "CREATE-SPECIAL-USE",
    "CONDSTORE",
    "QRESYNC",
    "ESEARCH",
    "SEARCHRES",
    "WITHIN",
    "STATUS=SIZE",
    "OBJECTID",
    "QUOTA",
    "QUOTA=RES-STORAGE",
    "QUOTA=RES-MESSAGE",
    "QUOTASET",
    "ACL",
    RIGHTS_CAPABILITY,
)

# Extensions admin tools (IMAP::Admin) look for in the CAPABILITY they ask before logging in.
_ADMIN_EXTENSIONS = ("QUOTA", "ACL")

# Capabilities ENABLE (RFC 5161) can turn on.
ENABLEABLE = frozenset({"CONDSTORE", "QRESYNC"})

PLAIN_MECHANISMS = ("PLAIN", "LOGIN")


def not_authenticated(*, can_starttls: bool, plaintext_ok: bool, cram_md5: bool) -> list[str]:
    caps = list(_COMMON)
    if can_starttls:
        caps.append("STARTTLS")
    if plaintext_ok:
        caps.extend(f"AUTH={mechanism}" for mechanism in PLAIN_MECHANISMS)
    if cram_md5:
        caps.append("AUTH=CRAM-MD5")
    if not plaintext_ok:
        caps.append("LOGINDISABLED")
    caps.extend(_ADMIN_EXTENSIONS)
    return caps


def authenticated() -> list[str]:
    return [*_COMMON, *_AUTHENTICATED, f"APPENDLIMIT={settings.MAX_MESSAGE_SIZE}"]
