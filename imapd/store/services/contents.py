"""Getting a message's content ready to be stored, before any row is written.

APPEND and final delivery both go through `content_prepare`: the blob is written (encrypted
first for an account with keys) and starts being flushed to disk while the message is
analysed; the rows that point at it are committed only once it is durable
(`PendingBlob.wait`), and a content that is not stored after all is discarded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from imapd.crypto import sealing
from imapd.store import blobs
from imapd.store.summary import ContentFields, content_fields
from mailplatform.errors import LimitExceeded


@dataclass(frozen=True)
class PreparedContent:
    blob: blobs.PendingBlob
    fields: ContentFields
    # Set when the blob and fields are encrypted (imapd.crypto): the content key, in memory.
    seal: sealing.ContentSeal | None


def size_check(raw: bytes) -> None:
    """Refuse (TOOBIG) a message larger than MAX_MESSAGE_SIZE, before anything is written."""
    if len(raw) > settings.MAX_MESSAGE_SIZE:
        raise LimitExceeded(
            f"A message may have at most {settings.MAX_MESSAGE_SIZE} bytes.", code="TOOBIG"
        )


def content_prepare(
    *, account_id: int, raw: bytes, sealer: sealing.Sealer | None
) -> PreparedContent:
    """Write `raw` as a blob (sealed when `sealer` is given) and analyse it meanwhile."""
    cipher, seal = sealer.begin() if sealer is not None else (None, None)
    blob = blobs.blob_write_start(
        account_id=account_id, data=cipher.seal_blob(raw) if cipher is not None else raw
    )
    try:
        fields = content_fields(raw)
        if cipher is not None:
            fields = sealing.fields_seal(fields, cipher)
    except BaseException:
        blobs.blobs_discard(account_id=account_id, pending=[blob])
        raise
    return PreparedContent(blob, fields, seal)


def contents_discard(*, account_id: int, prepared: Iterable[PreparedContent]) -> None:
    """Remove the blobs of contents that were not stored (once their flushes are over)."""
    blobs.blobs_discard(account_id=account_id, pending=[c.blob for c in prepared])
