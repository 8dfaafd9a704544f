"""The one module that reads and writes message bytes (per-account encryption wraps it later).

Layout: `BLOB_DIR/<account id>/<first two hex digits of the key>/<key>`, one file per message
content, under a random key. Keys are random rather than content hashes: identical messages
delivered to several accounts must stay separate files once each account has its own key, and
within an account COPY shares the content row instead of the file.

A write is durable once it is waited for: the file and then its directory are fsynced (in a
small thread pool, so that the caller can analyse the message meanwhile), so a database row
committed afterwards never points at a missing file. A crash between the write and the commit
leaves an orphan file, which `imapd.store.services.orphan_blobs_delete` collects later.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from django.conf import settings

from mailplatform.errors import NotFound

_KEY_RE: Final = re.compile(r"^[0-9a-f]{32}$")
# Versions before 2026-12 wrote through `.<key>.tmp` files; the orphan collector still removes
# their leftovers.
TEMP_SUFFIX: Final = ".tmp"


def _root() -> Path:
    return Path(settings.BLOB_DIR)


def _account_dir(account_id: int) -> Path:
    return _root() / str(int(account_id))


def _path(account_id: int, key: str) -> Path:
    if not _KEY_RE.match(key):
        raise NotFound("No such message content.")
    return _account_dir(account_id) / key[:2] / key


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ensure_dir(path: Path) -> None:
    """Create `path` and make the new directory entries durable up to BLOB_DIR's parent."""
    if path.is_dir():
        return
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    for created in missing:
        _fsync_dir(created.parent)


# Account directories known, in this process, to have all their subdirectories.
_ready: set[Path] = set()
_SUBDIRS: Final = tuple(f"{n:02x}" for n in range(256))


def _account_dir_ready(account_id: int) -> None:
    """Make an account's directory with all 256 subdirectories at its first write, so that
    writing a message never creates (and flushes) a directory."""
    base = _account_dir(account_id)
    if base in _ready and base.is_dir():
        return
    _ensure_dir(base)
    created = False
    for name in _SUBDIRS:
        sub = base / name
        if not sub.is_dir():
            sub.mkdir(mode=0o700, exist_ok=True)
            created = True
    if created:
        _fsync_dir(base)
    _ready.add(base)


@dataclass(frozen=True)
class PendingBlob:
    """A blob whose bytes are written and whose flush to disk may still be running."""

    key: str
    synced: Future[None] | None  # None: not made durable (`durable=False`)

    def wait(self) -> None:
        """Return once the blob is durable; raises OSError when it could not be made so."""
        if self.synced is not None:
            self.synced.result()


def blob_write_start(*, account_id: int, data: bytes, durable: bool = True) -> PendingBlob:
    """Write `data` as a new blob and start making it durable in the background.

    The flushes (the file, then its directory) take about as long as the MIME analysis of a
    message: delivery runs them meanwhile, and waits for them (`PendingBlob.wait`) before it
    commits the rows.

    The file is written under its final name, not a temporary one renamed into place: no row
    names the key before the file is durable, so nobody reads a file still being written,
    and a crash leaves an orphan that `orphan_blobs_delete` removes. (A rename after the
    file's flush would change the directory again and cost a second journal commit.)
    """
    key = secrets.token_hex(16)
    _account_dir_ready(account_id)
    final = _path(account_id, key)
    fd = os.open(final, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    except BaseException:
        os.close(fd)
        final.unlink(missing_ok=True)
        raise
    if not durable:
        os.close(fd)
        return PendingBlob(key, None)
    return PendingBlob(key, _sync_pool().submit(_make_durable, fd, final))


def _make_durable(fd: int, final: Path) -> None:
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    _fsync_dir(final.parent)


_sync_executor: ThreadPoolExecutor | None = None
_sync_lock = threading.Lock()


def _sync_pool() -> ThreadPoolExecutor:
    global _sync_executor
    with _sync_lock:
        if _sync_executor is None:
            _sync_executor = ThreadPoolExecutor(
                max_workers=settings.BLOB_SYNC_THREADS, thread_name_prefix="blob-sync"
            )
        return _sync_executor


def blobs_write(*, account_id: int, contents: Sequence[bytes], durable: bool = True) -> list[str]:
    """Store each item as a new blob and return their keys, in order, once all are durable.

    `durable=False` skips the fsyncs; only the benchmark seeder uses it.
    """
    pending: list[PendingBlob] = []
    try:
        for data in contents:
            pending.append(blob_write_start(account_id=account_id, data=data, durable=durable))
        for blob in pending:
            blob.wait()
    except BaseException:
        blobs_discard(account_id=account_id, pending=pending)
        raise
    return [b.key for b in pending]


def blobs_discard(*, account_id: int, pending: Iterable[PendingBlob]) -> None:
    """Remove blobs that are not to be kept after all, once their flushes are over."""
    keys: list[str] = []
    for blob in pending:
        with contextlib.suppress(OSError):
            blob.wait()
        keys.append(blob.key)
    blobs_delete(account_id=account_id, keys=keys)


def blob_write(*, account_id: int, data: bytes) -> str:
    return blobs_write(account_id=account_id, contents=[data])[0]


def blob_read(*, account_id: int, key: str) -> bytes:
    try:
        return _path(account_id, key).read_bytes()
    except FileNotFoundError:
        raise NotFound("No such message content.") from None


def blob_exists(*, account_id: int, key: str) -> bool:
    return _path(account_id, key).is_file()


def blobs_delete(*, account_id: int, keys: Iterable[str]) -> None:
    """Remove blobs; ones already gone are ignored (deletion runs after commit, maybe twice)."""
    for key in keys:
        _path(account_id, key).unlink(missing_ok=True)


def blobs_delete_account(*, account_id: int) -> None:
    shutil.rmtree(_account_dir(account_id), ignore_errors=True)


def blob_accounts() -> list[int]:
    """Account ids that have a blob directory."""
    root = _root()
    if not root.is_dir():
        return []
    return [int(p.name) for p in root.iterdir() if p.is_dir() and p.name.isdigit()]


def blob_files(*, account_id: int) -> Iterator[tuple[str, float, bool]]:
    """(key or temp file name, modification time, is_temporary) of each file of an account."""
    base = _account_dir(account_id)
    if not base.is_dir():
        return
    for sub in base.iterdir():
        if not sub.is_dir():
            continue
        for entry in sub.iterdir():
            try:
                mtime = entry.stat().st_mtime
            except FileNotFoundError:
                continue
            if _KEY_RE.match(entry.name):
                yield entry.name, mtime, False
            elif entry.name.endswith(TEMP_SUFFIX):
                yield entry.name, mtime, True


def blob_temp_delete(*, account_id: int, name: str) -> None:
    """Remove a temporary file left by an interrupted write."""
    key = name.removeprefix(".").removesuffix(TEMP_SUFFIX)
    if _KEY_RE.match(key):
        (_account_dir(account_id) / key[:2] / name).unlink(missing_ok=True)
