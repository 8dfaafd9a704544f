"""A mailbox's mail as one ZIP archive of mbox files, one per folder, streamed.

Each folder becomes `<folder>.mbox` in the "mboxrd" flavour (RFC 4155 describes the family):
every message starts with a `From ` line carrying its internal date, lines are LF-terminated,
and a body line that starts with any number of `>` followed by `From ` gets one more `>`, so
the quoting is reversible. Mail clients (Thunderbird's ImportExportTools, mutt, Apple Mail)
read these files.

The archive is written into a sink that is drained after every message, so an export of any
size needs memory for one message at a time; ZIP's data descriptors make that possible
without seeking back.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Iterator
from typing import Final

from django.utils import timezone

from accounts.models import Account
from imapd.store import names
from imapd.store.dto import UidSet
from imapd.store.selectors import mailboxes_list, message_bytes, messages_fetch

_FROM_LINE: Final = re.compile(rb"^(>*From )", re.MULTILINE)
_UNSAFE_SEGMENT: Final = re.compile(r'[\x00-\x1f\\:*?"<>|]')


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream whose contents are taken out as they arrive."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> Iterator[bytes]:
        chunks, self._chunks = self._chunks, []
        yield from (chunk for chunk in chunks if chunk)


def from_line(internal_date: int) -> bytes:
    """The separator line: a placeholder sender and the date in asctime form, UTC."""
    return b"From MAILER-DAEMON " + time.asctime(time.gmtime(internal_date)).encode() + b"\n"


def mboxrd_body(raw: bytes) -> bytes:
    """One message in mboxrd form: LF line ends, `From ` lines quoted, a blank line after."""
    text = _FROM_LINE.sub(rb">\1", raw.replace(b"\r\n", b"\n"))
    if not text.endswith(b"\n"):
        text += b"\n"
    return text + b"\n"


def member_name(folder: str) -> str:
    """The archive path of a folder's mbox: its hierarchy as directories, nothing that escapes."""
    segments = [_UNSAFE_SEGMENT.sub("_", s) for s in folder.split(names.SEPARATOR)]
    segments = [s if s not in ("", ".", "..") else "_" for s in segments]
    return "/".join(segments) + ".mbox"


def export_filename(account: Account) -> str:
    return f"{account.address}-{timezone.now():%Y%m%d}.zip"


def account_export_zip(*, account: Account) -> Iterator[bytes]:
    """The archive's bytes, piece by piece, for a streaming HTTP response."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in mailboxes_list(account=account):
            if entry.noselect:
                continue
            with archive.open(member_name(entry.name), "w", force_zip64=True) as member:
                for row in messages_fetch(mailbox_id=entry.id, uids=UidSet.all()):
                    member.write(from_line(row.internal_date))
                    raw = message_bytes(account_id=account.pk, blob_key=row.blob_key)
                    member.write(mboxrd_body(raw))
                    yield from sink.drain()
            yield from sink.drain()
    yield from sink.drain()
