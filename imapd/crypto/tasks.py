"""Celery jobs of encryption at rest (registered through `imapd.tasks`, which imports them).

A job takes an account id and calls `imapd.crypto.services`; the state is in the rows (which
contents are still in clear), so running one twice, or after a worker died, only continues.
"""

from __future__ import annotations

import time
from typing import Final

from celery import shared_task

from imapd.crypto import services

# One run works this long, then queues the rest as a new run, so that a large mailbox does not
# hold a worker for hours while other jobs wait.
RUN_SECONDS: Final = 60.0


@shared_task(name="imapd.crypto.tasks.encrypt_account", acks_late=True)
def encrypt_account(account_id: int) -> dict[str, int]:
    """Encrypt an account's mail stored in clear, in batches, while the account stays online."""
    deadline = time.monotonic() + RUN_SECONDS
    encrypted = 0
    while True:
        progress = services.account_encrypt_existing(account_id=account_id)
        encrypted += progress.encrypted
        if progress.remaining == 0 or progress.encrypted == 0:
            return {"encrypted": encrypted, "remaining": progress.remaining}
        if time.monotonic() > deadline:
            encrypt_account.delay(account_id)
            return {"encrypted": encrypted, "remaining": progress.remaining}


@shared_task(name="imapd.crypto.tasks.encryption_sweep")
def encryption_sweep() -> int:
    """Queue the job of every account whose clear mail waits (a lost task, a late delivery)."""
    accounts = services.accounts_encrypting()
    for account_id in accounts:
        encrypt_account.delay(account_id)
    return len(accounts)
