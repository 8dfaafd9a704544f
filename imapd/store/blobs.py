"""The one module that reads and writes message bytes (per-account encryption wraps it later).

Layout: `BLOB_DIR/<account id>/<first two hex digits of the key>/<key>`, one file per message
content, under a random key. Keys are random rather than content hashes: identical messages
delivered to several accounts must stay separate files once each account has its own key, and
within an account COPY shares the content row instead of the file.

A write is durable when it returns: the bytes go to a temporary file that is fsynced, renamed
into place, and the directory is fsynced, so a database row committed afterwards never points
at a missing file. A crash between the write and the commit leaves an orphan file, which
`imapd.store.services.orphan_blobs_delete` collects later.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Final

from django.conf import settings

from mailplatform.errors import NotFound

_KEY_RE: Final = re.compile(r"^[0-9a-f]{32}$")
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


def blobs_write(*, account_id: int, contents: Sequence[bytes], durable: bool = True) -> list[str]:
    """Store each item as a new blob and return their keys, in order.

    `durable=False` skips the fsyncs; only the benchmark seeder uses it.
    """
    keys: list[str] = []
    directories: set[Path] = set()
    try:
        for data in contents:
            key = secrets.token_hex(16)
            final = _path(account_id, key)
            _ensure_dir(final.parent)
            temp = final.with_name(f".{key}{TEMP_SUFFIX}")
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                view = memoryview(data)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                if durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temp, final)
            keys.append(key)
            directories.add(final.parent)
        if durable:
            for directory in directories:
                _fsync_dir(directory)
    except BaseException:
        blobs_delete(account_id=account_id, keys=keys)
        raise
    return keys


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
