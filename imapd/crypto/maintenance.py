"""What the mail daemon does with an account's keys in the background after a login.

Only a logged-in session holds the private keys, so only the daemon can:
- finish a rotation: re-wrap every message key from the retiring pair to the current one
  (the small wrapped keys change; the encrypted bodies and texts do not), then delete the
  retiring pair once no content is wrapped to it;
- settle new mail: turn the HPKE wraps that delivery made into storage-key wraps, which open
  in microseconds instead of an X25519 exchange, so that reading a large mailbox stays fast.

Work goes in batches, each its own short transaction in the ORM thread pool, the session's
commands running in between. The state is in the rows (which pair, which form), so a session
that ends halfway leaves nothing inconsistent: the next login goes on where this one stopped.
Deliveries meanwhile wrap to the current pair (under the store lock), so none is ever lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from django.db import transaction

from accounts.models import Account
from imapd.crypto import envelope
from imapd.crypto.keyring import Keyring, UnlockedPair
from imapd.crypto.models import AccountKeyPair, KeyPairState
from imapd.crypto.services import rotation_finish, rotation_progress_record
from imapd.models import MessageContent

log = logging.getLogger(__name__)

BATCH: Final = 500
# Accounts this process is maintaining now: two sessions of one account share the work.
_running: set[int] = set()


@dataclass(frozen=True)
class Step:
    rewrapped: int
    done: bool


def _current(account_id: int, keyring: Keyring) -> UnlockedPair | None:
    pk = (
        AccountKeyPair.objects.filter(account_id=account_id, state=KeyPairState.CURRENT)
        .values_list("pk", flat=True)
        .first()
    )
    return None if pk is None else keyring.pair(pk)


def keys_maintenance_step(*, account_id: int, keyring: Keyring, batch: int = BATCH) -> Step:
    """One batch of rotation, else of settling; `done` when there is nothing left to do."""
    current = _current(account_id, keyring)
    if current is None:  # keys awaiting recovery, or replaced meanwhile: nothing we can do
        return Step(0, True)
    retiring = [
        pk
        for pk in AccountKeyPair.objects.filter(
            account_id=account_id, state=KeyPairState.RETIRING
        ).values_list("pk", flat=True)
        if keyring.pair(pk) is not None
    ]
    if retiring:
        moved = _rotate_batch(account_id, keyring, retiring, current, batch)
        if moved:
            left = MessageContent.objects.filter(key_pair_id__in=retiring).count()
            rotation_progress_record(account_id=account_id, remaining=left)
            return Step(moved, False)
        rotation_finish(account=Account.objects.select_related("domain").get(pk=account_id))
    settled = _settle_batch(current, batch)
    return Step(settled, settled == 0)


def _rotate_batch(
    account_id: int, keyring: Keyring, retiring: list[int], current: UnlockedPair, batch: int
) -> int:
    rows = list(
        MessageContent.objects.filter(key_pair_id__in=retiring)
        .order_by("pk")
        .values_list("pk", "key_pair_id", "sealed_key")[:batch]
    )
    moved = 0
    with transaction.atomic():
        for pk, pair_id, sealed in rows:
            content_key = keyring.content_key(pair_id, sealed or b"")
            # Only if it is still wrapped as we read it (another session may have moved it).
            moved += MessageContent.objects.filter(pk=pk, key_pair_id=pair_id).update(
                key_pair_id=current.pair_id, sealed_key=current.content_key_store(content_key)
            )
    return moved or len(rows)


def _settle_batch(current: UnlockedPair, batch: int) -> int:
    """Turn the next `batch` contents of the current pair into the storage form."""
    through = (
        AccountKeyPair.objects.filter(pk=current.pair_id)
        .values_list("settled_through", flat=True)
        .first()
    )
    if through is None:
        return 0
    rows = list(
        MessageContent.objects.filter(key_pair_id=current.pair_id, pk__gt=through)
        .order_by("pk")
        .values_list("pk", "sealed_key")[:batch]
    )
    if not rows:
        return 0
    with transaction.atomic():
        for pk, stored in rows:
            sealed = bytes(stored or b"")
            if envelope.is_storage_form(sealed):
                continue
            content_key = current.content_key(sealed)
            MessageContent.objects.filter(
                pk=pk, key_pair_id=current.pair_id, sealed_key=sealed
            ).update(sealed_key=current.content_key_store(content_key))
        AccountKeyPair.objects.filter(pk=current.pair_id, settled_through__lt=rows[-1][0]).update(
            settled_through=rows[-1][0]
        )
    return len(rows)


RunInPool = Callable[..., Awaitable[Step]]


async def keys_maintain(*, account_id: int, keyring: Keyring, run: RunInPool) -> None:
    """Run maintenance steps through `run` (the daemon's `run_orm`) until none is left.

    Started by the IMAP session after a login with keys; cancelled when the session ends.
    A failure is logged and left for the next login.
    """
    if account_id in _running:
        return
    _running.add(account_id)
    try:
        while True:
            step = await run(keys_maintenance_step, account_id=account_id, keyring=keyring)
            if step.done:
                return
            await asyncio.sleep(0)  # the session's commands go first
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception(
            "key maintenance of account %s stopped; the next login resumes it", account_id
        )
    finally:
        _running.discard(account_id)
