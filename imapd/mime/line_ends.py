"""Line-end normalisation for the store: IMAP messages are CRLF (RFC 3501 2.3.1 / RFC 5322).

Sections and sizes are computed on the stored bytes as they are, so a store that wants sizes to
agree with what other servers report (Dovecot counts bare LF as CRLF) converts at delivery.
"""

from __future__ import annotations

import re

_BARE_LF = re.compile(rb"(?<!\r)\n")


def normalize_line_ends(raw: bytes) -> bytes:
    """`raw` with every bare LF turned into CRLF (CRLF and lone CR are left alone)."""
    if raw.count(b"\n") == raw.count(b"\r\n"):
        return raw
    return _BARE_LF.sub(b"\r\n", raw)
