"""The only write path of encryption at rest: keys, password changes, recovery, resets,
rotation, and encrypting an account's mail stored in clear.

Lock order, as in the store (`imapd.store.services`): the account's `AccountStore` row first,
then key pairs and contents. Every change of which pair is current happens with the store row
locked, and so does every wrap of a new message's key (`sealing.seals_under_lock`), so a
delivery never wraps to a pair that stopped being current.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.db import transaction
from django.utils import timezone

from accounts import passwords
from accounts.audit import audit_record
from accounts.models import Account
from accounts.permissions import can_administer_account, can_use_account
from accounts.principals import Actor
from imapd.crypto import envelope, policy
from imapd.crypto.keyring import Keyring, UnlockedPair
from imapd.crypto.keys import (
    Kdf,
    WrongKey,
    key_id,
    private_key_generate,
    private_key_unwrap,
    private_key_wrap,
    public_bytes,
    recovery_open,
    recovery_public_key,
    recovery_seal,
)
from imapd.crypto.models import AccountEncryption, AccountKeyPair, EncryptionState, KeyPairState
from imapd.crypto.sealing import encryption_job_wake, sealer_for, seals_under_lock
from imapd.models import MessageContent
from imapd.store import blobs
from imapd.store.services._common import lock_store
from imapd.store.summary import ContentFields
from mailplatform.errors import Conflict, NotPermitted, ValidationFailed
from moderation.models import ActionKind, ActionState, PendingAction

log = logging.getLogger(__name__)

RESET_WARNING: Final = (
    "The mail of {address} is encrypted with a key that only its current password opens, and "
    "no recovery key can open it: setting a password without the current one makes all of "
    "its existing mail unreadable for good. Give the current password, or confirm the reset "
    "(discard_encrypted_mail)."
)
ENCRYPT_BATCH: Final = 200


def _require(allowed: bool, what: str) -> None:
    if not allowed:
        raise NotPermitted(f"You may not {what}.")


# --- reading the state --------------------------------------------------------------------


def account_is_encrypted(account: Account) -> bool:
    """Whether the account has keys (its new mail is stored encrypted)."""
    return AccountKeyPair.objects.filter(account=account).exists()


def reset_loses_mail(account: Account) -> bool:
    """Whether setting a password without the current one would make mail unreadable: the
    account has keys that no configured recovery key can open again."""
    recovery = recovery_public_key()
    pairs = AccountKeyPair.objects.filter(account=account).exclude(state=KeyPairState.LOCKED)
    if recovery is None:
        return pairs.exists()
    return pairs.exclude(recovery_key_id=key_id(recovery)).exists()


# --- making and opening key pairs ---------------------------------------------------------


def _pair_create(
    *, account: Account, wrapping_key: bytes, kdf: Kdf, state: str
) -> tuple[AccountKeyPair, UnlockedPair]:
    private_key = private_key_generate()
    recovery = recovery_public_key()
    pair = AccountKeyPair.objects.create(
        account=account,
        state=state,
        public_key=public_bytes(private_key),
        kdf=kdf.to_json(),
        password_wrapped=private_key_wrap(private_key, wrapping_key),
        recovery_wrapped=recovery_seal(private_key, recovery) if recovery else None,
        recovery_key_id=key_id(recovery) if recovery else "",
    )
    return pair, UnlockedPair.of(pair_id=pair.pk, account_id=account.pk, private_key=private_key)


def _encryption_set(account: Account, state: str, **fields: object) -> None:
    AccountEncryption.objects.update_or_create(account=account, defaults={"state": state, **fields})


def _has_clear_contents(account_id: int) -> bool:
    return MessageContent.objects.filter(account_id=account_id, key_pair__isnull=True).exists()


@transaction.atomic
def account_keys_create(*, account: Account, password: str, acting_user: Actor) -> UnlockedPair:
    """Give an account its key pair, wrapped by `password` (already checked by the caller).

    New mail is encrypted from the commit on; mail already stored in clear is encrypted by the
    background job, which this wakes.
    """
    if not policy.encryption_allowed():
        raise NotPermitted("Encryption at rest is off on this platform (MAIL_ENCRYPTION=off).")
    lock_store(account.pk)
    if AccountKeyPair.objects.filter(account=account).exists():
        raise Conflict(f"The mail of {account.address} is already encrypted.")
    kdf = Kdf.from_settings()
    pair, unlocked = _pair_create(
        account=account, wrapping_key=kdf.derive(password), kdf=kdf, state=KeyPairState.CURRENT
    )
    clear = _has_clear_contents(account.pk)
    _encryption_set(account, EncryptionState.ON, encrypting_since=timezone.now() if clear else None)
    if clear:
        transaction.on_commit(lambda: encryption_job_wake(account.pk))
    audit_record(
        actor=acting_user,
        action="account.keys_create",
        target=account.address,
        detail={"key_pair": pair.pk, "kdf": kdf.name, "recovery": bool(pair.recovery_key_id)},
    )
    return unlocked


def account_keys_for_new_account(
    *, account: Account, password: str | None, acting_user: Actor
) -> None:
    """Called by `accounts.services.account_create`: with MAIL_ENCRYPTION new or required, a
    new account is encrypted from the start (keys now, or when a password is first set)."""
    if not policy.new_accounts_encrypted():
        return
    if password is None:
        _encryption_set(account, EncryptionState.REQUESTED)
        return
    account_keys_create(account=account, password=password, acting_user=acting_user)


@transaction.atomic
def account_encryption_enable(
    *, account: Account, acting_user: Actor, password: str | None = None
) -> str:
    """Switch an account's encryption on; returns what was done.

    With the account's password the keys are made now; without it they are made at its next
    login (or password change), when the password is known. Either way its mail stored in
    clear is then encrypted in the background, while the account stays online.
    """
    _require(can_administer_account(acting_user, account), f"encrypt {account.address}")
    if not policy.encryption_allowed():
        raise NotPermitted("Encryption at rest is off on this platform (MAIL_ENCRYPTION=off).")
    if account_is_encrypted(account):
        if _has_clear_contents(account.pk):
            AccountEncryption.objects.filter(account=account).update(
                encrypting_since=timezone.now()
            )
            transaction.on_commit(lambda: encryption_job_wake(account.pk))
            return "already encrypted; the encryption of its remaining mail was queued"
        return "already encrypted"
    if password is None:
        _encryption_set(account, EncryptionState.REQUESTED)
        audit_record(actor=acting_user, action="account.keys_request", target=account.address)
        return "keys will be made at the next login"
    if not account.password or not passwords.verify_password(password, account.password):
        raise ValidationFailed("That is not the account's password.", field="password")
    account_keys_create(account=account, password=password, acting_user=acting_user)
    return "encrypted"


@dataclass
class _Opened:
    """Private keys a password opened, and the wrapping key derived for each pair."""

    keys: dict[int, X25519PrivateKey]
    wrapping_keys: dict[int, bytes]


def _opened_with_password(pairs: list[AccountKeyPair], password: str) -> _Opened:
    """The private keys of `pairs` that `password` opens (one derivation per distinct KDF)."""
    derived: dict[str, bytes] = {}
    opened = _Opened({}, {})
    for pair in pairs:
        marker = repr(sorted(pair.kdf.items()))
        if marker not in derived:
            derived[marker] = Kdf.from_json(pair.kdf).derive(password)
        try:
            opened.keys[pair.pk] = private_key_unwrap(
                bytes(pair.password_wrapped), derived[marker], bytes(pair.public_key)
            )
        except WrongKey:
            continue
        opened.wrapping_keys[pair.pk] = derived[marker]
    return opened


def keyring_unlock(*, account: Account, password: str) -> Keyring | None:
    """At a successful login (the password was checked): the account's private keys, opened.

    None for an account without keys. A login is also when the password is known, so it does
    what needs it: makes the keys of an account that should have them (MAIL_ENCRYPTION
    required, or switched on while it had no password), starts a rotation an admin ordered,
    and adds the recovery wrap of a recovery key configured after the keys were made.
    """
    pairs = list(AccountKeyPair.objects.filter(account=account).exclude(state=KeyPairState.LOCKED))
    encryption = AccountEncryption.objects.filter(account=account).first()
    if not pairs:
        wanted = policy.encryption_required() or (
            encryption is not None and encryption.state == EncryptionState.REQUESTED
        )
        if not (wanted and policy.encryption_allowed()):
            return None
        try:
            return Keyring.of(
                [account_keys_create(account=account, password=password, acting_user=None)]
            )
        except Conflict:  # another login of the same account made them first
            return keyring_unlock(account=account, password=password)
    opened = _opened_with_password(pairs, password)
    keyring = Keyring.of(
        UnlockedPair.of(pair_id=pk, account_id=account.pk, private_key=key)
        for pk, key in opened.keys.items()
    )
    _recovery_refresh([p for p in pairs if p.pk in opened.keys], opened.keys)
    current = next((p for p in pairs if p.state == KeyPairState.CURRENT), None)
    if (
        encryption is not None
        and encryption.rotation_requested_at is not None
        and current is not None
        and current.pk in opened.keys
    ):
        keyring.add(
            _rotation_start(
                account=account, current=current, wrapping_key=opened.wrapping_keys[current.pk]
            )
        )
    return keyring


def _recovery_refresh(pairs: list[AccountKeyPair], opened: dict[int, X25519PrivateKey]) -> None:
    """Wrap open private keys to the configured recovery key where they are not yet."""
    recovery = recovery_public_key()
    if recovery is None:
        return
    wanted = key_id(recovery)
    for pair in pairs:
        if pair.recovery_key_id != wanted:
            AccountKeyPair.objects.filter(pk=pair.pk).update(
                recovery_wrapped=recovery_seal(opened[pair.pk], recovery), recovery_key_id=wanted
            )


# --- password changes, recovery, resets -----------------------------------------------------


def account_keys_follow_password(
    *,
    account: Account,
    new_password: str,
    acting_user: Actor,
    old_password: str | None = None,
    recovery_key: X25519PrivateKey | None = None,
    discard_encrypted_mail: bool = False,
) -> str | None:
    """What `accounts.services.account_set_password` does to the keys, inside its transaction
    and before the new hash is saved; returns a word for its audit record, None without keys.

    - `old_password` (a change by someone who knows it): every private key it opens is
      re-wrapped for the new password. Nothing is re-encrypted; the mail stays online.
    - `recovery_key` (the operator's offline key): the private keys wrapped to it are opened
      and re-wrapped for the new password; locked pairs come back (their mail moves to the
      current pair at the next login).
    - neither (a reset): refused when mail would become unreadable, unless
      `discard_encrypted_mail` confirms it: then a new key pair is made and the old ones are
      locked (kept: the recovery key may still open them). With a recovery key configured the
      reset is allowed and the mail waits for `recover_account_key`.
    """
    lock_store(account.pk)
    pairs = list(
        AccountKeyPair.objects.select_for_update()
        .filter(account=account)
        .exclude(state=KeyPairState.LOCKED)
    )
    locked = list(AccountKeyPair.objects.filter(account=account, state=KeyPairState.LOCKED))
    if recovery_key is not None and not pairs and not locked:
        raise ValidationFailed(f"{account.address} has no keys to recover.", field="recovery_key")
    if not pairs and not locked:
        encryption = AccountEncryption.objects.filter(account=account).first()
        wanted = policy.encryption_required() or (
            encryption is not None and encryption.state == EncryptionState.REQUESTED
        )
        if wanted and policy.encryption_allowed():
            account_keys_create(account=account, password=new_password, acting_user=acting_user)
            return "keys created"
        return None
    kdf = Kdf.from_settings()
    if recovery_key is not None:
        return _recover(account, [*pairs, *locked], recovery_key, new_password, kdf)
    if old_password is not None:
        opened = _opened_with_password(pairs, old_password).keys
        current = next((p for p in pairs if p.state == KeyPairState.CURRENT), None)
        if current is None or current.pk not in opened:
            if _awaiting_recovery(account):  # reset earlier: `recover_account_key` still opens them
                return "keys await recovery"
            raise ValidationFailed(
                f"The current password of {account.address} does not open its keys.",
                field="old_password",
            )
        _rewrap(opened, kdf, kdf.derive(new_password))
        return "keys re-wrapped"
    if discard_encrypted_mail:
        return account_keys_reset(account=account, password=new_password, acting_user=acting_user)
    if not reset_loses_mail(account):
        _encryption_set(account, EncryptionState.AWAITING_RECOVERY)
        return "keys await recovery"
    raise Conflict(RESET_WARNING.format(address=account.address), code="encrypted_mail")


def _awaiting_recovery(account: Account) -> bool:
    return AccountEncryption.objects.filter(
        account=account, state=EncryptionState.AWAITING_RECOVERY
    ).exists()


def _rewrap(opened: dict[int, X25519PrivateKey], kdf: Kdf, wrapping_key: bytes) -> None:
    for pk, private_key in opened.items():
        AccountKeyPair.objects.filter(pk=pk).update(
            kdf=kdf.to_json(), password_wrapped=private_key_wrap(private_key, wrapping_key)
        )


def _recover(
    account: Account,
    pairs: list[AccountKeyPair],
    recovery_key: X25519PrivateKey,
    new_password: str,
    kdf: Kdf,
) -> str:
    wanted = key_id(recovery_key.public_key())
    opened: dict[int, X25519PrivateKey] = {}
    for pair in pairs:
        if pair.recovery_wrapped is None or pair.recovery_key_id != wanted:
            continue
        try:
            opened[pair.pk] = recovery_open(
                bytes(pair.recovery_wrapped), recovery_key, bytes(pair.public_key)
            )
        except WrongKey:
            continue
    if not opened:
        raise ValidationFailed(
            f"This recovery key opens none of the keys of {account.address}.", field="recovery_key"
        )
    _rewrap(opened, kdf, kdf.derive(new_password))
    # Locked pairs that came back: their mail is re-wrapped to the current pair at next login.
    AccountKeyPair.objects.filter(pk__in=opened, state=KeyPairState.LOCKED).update(
        state=KeyPairState.RETIRING
    )
    _encryption_set(account, EncryptionState.ON)
    audit_record(
        actor=None,
        action="account.keys_recover",
        target=account.address,
        detail={"key_pairs": sorted(opened), "recovery_key": wanted},
    )
    return "keys recovered"


@transaction.atomic
def account_keys_recover(
    *, account: Account, recovery_key: X25519PrivateKey, password: str, acting_user: Actor
) -> Account:
    """Open the account's keys with the operator's recovery private key and wrap them for
    `password`, which becomes the account's password (the one an admin reset it to, or new)."""
    from accounts.services import account_set_password  # accounts.services builds on this module

    return account_set_password(
        account=account, password=password, acting_user=acting_user, recovery_key=recovery_key
    )


@transaction.atomic
def account_keys_reset(*, account: Account, password: str, acting_user: Actor) -> str:
    """A new key pair for `password`; the old pairs are locked and their mail unreadable
    (unless a recovery key opens them later). Callers confirm this first (see RESET_WARNING)."""
    lock_store(account.pk)
    kdf = Kdf.from_settings()
    lost = list(
        AccountKeyPair.objects.filter(account=account)
        .exclude(state=KeyPairState.LOCKED)
        .values_list("pk", flat=True)
    )
    AccountKeyPair.objects.filter(pk__in=lost).update(state=KeyPairState.LOCKED)
    pair, _ = _pair_create(
        account=account, wrapping_key=kdf.derive(password), kdf=kdf, state=KeyPairState.CURRENT
    )
    _encryption_set(account, EncryptionState.ON, rotation_requested_at=None)
    audit_record(
        actor=acting_user,
        action="account.keys_reset",
        target=account.address,
        detail={"key_pair": pair.pk, "locked": lost},
    )
    return "keys reset"


def password_change_summary(account: Account) -> str:
    """The result of the rekey action a password change records."""
    if account_is_encrypted(account):
        return "Private key re-wrapped for the new password; no mail was re-encrypted."
    return "The mail of this account is not encrypted: nothing to re-wrap."


@transaction.atomic
def account_keys_rewrap(
    *,
    account: Account,
    old_password: str,
    new_password: str,
    acting_user: Actor,
    scheme: str | None = None,
    now: datetime | None = None,
) -> PendingAction:
    """A password change by someone who knows the current password: the hash changes and the
    private keys are re-wrapped in one transaction, recorded as a done rekey action."""
    from accounts.services import account_set_password  # builds on this module
    from moderation.services.pending_actions import rekey_record

    _require(can_use_account(acting_user, account), f"change the password of {account.address}")
    if not account.password or not passwords.verify_password(old_password, account.password):
        raise ValidationFailed("The current password is wrong.", field="old_password")
    account_set_password(
        account=account,
        password=new_password,
        acting_user=acting_user,
        scheme=scheme,
        old_password=old_password,
    )
    return rekey_record(
        account=account, acting_user=acting_user, now=now, result=password_change_summary(account)
    )


# --- rotation ---------------------------------------------------------------------------------


def rotation_action(account_id: int) -> PendingAction | None:
    """The open rekey action of an ordered rotation (password changes record done ones)."""
    return (
        PendingAction.objects.filter(
            account_id=account_id,
            kind=ActionKind.REKEY,
            state__in=(ActionState.PENDING, ActionState.RUNNING),
        )
        .order_by("pk")
        .first()
    )


@transaction.atomic
def account_keys_rotate(*, account: Account, acting_user: Actor) -> PendingAction:
    """Order a rotation: at the account's next login a new key pair is made and the daemon
    re-wraps every message key to it in the background (the bodies are not re-encrypted),
    visible as a pending rekey action with its progress."""
    from moderation.services.pending_actions import rekey_record

    _require(can_administer_account(acting_user, account), f"rotate the keys of {account.address}")
    lock_store(account.pk)
    if not AccountKeyPair.objects.filter(account=account, state=KeyPairState.CURRENT).exists():
        raise ValidationFailed(f"The mail of {account.address} is not encrypted.")
    encryption = AccountEncryption.objects.select_for_update().get(account=account)
    retiring = AccountKeyPair.objects.filter(account=account, state=KeyPairState.RETIRING)
    if encryption.rotation_requested_at is not None or retiring.exists():
        raise Conflict(f"A key rotation of {account.address} is already under way.")
    AccountEncryption.objects.filter(account=account).update(rotation_requested_at=timezone.now())
    audit_record(actor=acting_user, action="account.keys_rotate", target=account.address)
    action = rekey_record(account=account, acting_user=acting_user)
    PendingAction.objects.filter(pk=action.pk).update(
        result="Key rotation: waiting for the account's next login."
    )
    action.refresh_from_db()
    return action


@transaction.atomic
def _rotation_start(
    *, account: Account, current: AccountKeyPair, wrapping_key: bytes
) -> UnlockedPair:
    """At login: a new current pair; the old one retires until its message keys have moved.

    The new private key is wrapped with the key the login derived for the current pair (same
    KDF, parameters and salt, a fresh nonce), so the login pays for one derivation only.
    """
    lock_store(account.pk)  # deliveries wrap to the pair current under this lock
    kdf = Kdf.from_json(current.kdf)
    updated = AccountKeyPair.objects.filter(pk=current.pk, state=KeyPairState.CURRENT).update(
        state=KeyPairState.RETIRING
    )
    if not updated:
        raise Conflict("The key pair changed meanwhile.")
    pair, unlocked = _pair_create(
        account=account, wrapping_key=wrapping_key, kdf=kdf, state=KeyPairState.CURRENT
    )
    AccountEncryption.objects.filter(account=account).update(rotation_requested_at=None)
    action = rotation_action(account.pk)
    if action is not None:
        PendingAction.objects.filter(pk=action.pk).update(
            state=ActionState.RUNNING,
            started_at=timezone.now(),
            result="Key rotation: re-wrapping message keys to the new key pair.",
        )
    audit_record(
        actor=None,
        action="account.keys_rotation_start",
        target=account.address,
        detail={"old": current.pk, "new": pair.pk},
    )
    return unlocked


def rotation_progress_record(*, account_id: int, remaining: int) -> None:
    action = rotation_action(account_id)
    if action is not None:
        PendingAction.objects.filter(pk=action.pk).update(
            state=ActionState.RUNNING,
            started_at=timezone.now(),
            result=f"Key rotation: {remaining} message keys left to re-wrap.",
        )


def rotation_finish(*, account: Account, now: datetime | None = None) -> bool:
    """Delete retiring pairs no content is wrapped to any more; True when the rotation is over.

    With the store row locked, so that no delivery wraps to a pair being deleted (they wrap to
    the current one anyway: this is the belt to that brace).
    """
    with transaction.atomic():
        lock_store(account.pk)
        retiring = AccountKeyPair.objects.filter(account=account, state=KeyPairState.RETIRING)
        left = MessageContent.objects.filter(key_pair__in=retiring).exists()
        if left:
            return False
        gone = list(retiring.values_list("pk", flat=True))
        retiring.delete()
        action = rotation_action(account.pk)
        requested = AccountEncryption.objects.filter(
            account=account, rotation_requested_at__isnull=False
        ).exists()
        if action is not None and not requested:
            result = "Key rotation done: every message key is wrapped to the new key pair."
            PendingAction.objects.filter(pk=action.pk).update(
                state=ActionState.DONE, finished_at=now or timezone.now(), result=result
            )
            audit_record(
                actor=None,
                action="pending_action.done",
                target=action.address,
                detail={"id": action.pk, "kind": action.kind, "result": result},
            )
        if gone:
            audit_record(
                actor=None,
                action="account.keys_rotation_done",
                target=account.address,
                detail={"deleted": gone},
            )
        return not requested


def rekey_action_run(*, action: PendingAction, now: datetime) -> str:
    """The periodic job's view of an open rekey (moderation's handler delegates here): a
    rotation can only move at the account's next login, so until then it waits."""
    from moderation.services.pending_actions import ActionWaiting

    account = action.account
    if account is None:
        return "The mailbox no longer exists."
    requested = AccountEncryption.objects.filter(
        account=account, rotation_requested_at__isnull=False
    ).exists()
    retiring = AccountKeyPair.objects.filter(account=account, state=KeyPairState.RETIRING)
    if not requested and not retiring.exists():
        return "Nothing left to re-wrap."
    left = MessageContent.objects.filter(key_pair__in=retiring).count()
    raise ActionWaiting(
        f"Key rotation: waiting for the next login of {account.address}"
        + (f" ({left} message keys left to re-wrap)." if retiring.exists() else "."),
        retry_after=timedelta(hours=1),
    )


# --- encrypting mail stored in clear ----------------------------------------------------------


@dataclass(frozen=True)
class EncryptProgress:
    encrypted: int
    remaining: int


def account_encrypt_existing(
    *, account_id: int, batch_size: int = ENCRYPT_BATCH
) -> EncryptProgress:
    """Encrypt one batch of an encrypted account's contents still in clear.

    Each content gets a new blob, written and synced before its row changes; the row changes
    only if it is still the same clear content (an expunge or another run may have come
    first), with the store row locked; the clear blob is deleted after commit. Run it again
    until nothing remains: the state is in the rows, so an interrupted run resumes.
    """
    sealer = sealer_for(account_id)
    if sealer is None:
        return EncryptProgress(0, 0)
    rows = list(
        MessageContent.objects.filter(account_id=account_id, key_pair__isnull=True)
        .order_by("pk")
        .values_list(
            "pk",
            "blob_key",
            "sent_at",
            "sent_date",
            "size",
            "envelope",
            "structure",
            "header_fields",
        )[:batch_size]
    )
    if not rows:
        _encrypting_done(account_id)
        return EncryptProgress(0, 0)
    prepared = []
    for pk, key, sent_at, sent_date, size, envelope_text, structure, header_fields in rows:
        try:
            raw = blobs.blob_read(account_id=account_id, key=key)
        except Exception:  # a content whose blob is gone: nothing to protect, and unreadable
            log.warning("content %s of account %s has no blob; left as it is", pk, account_id)
            continue
        if envelope.is_sealed_blob(raw):
            continue
        fields = ContentFields(
            size=size, message_id="", sent_at=sent_at, sent_date=sent_date,
            subject_search="", from_search="", to_search="", cc_search="", bcc_search="",
            envelope=envelope_text, structure=structure, header_fields=header_fields,
        )  # fmt: skip
        prepared.append((pk, key, sealer.seal(raw, fields)))
    new_keys = blobs.blobs_write(account_id=account_id, contents=[s.blob for _, _, s in prepared])
    try:
        done = _encrypted_rows_save(account_id, prepared, new_keys)
    except BaseException:
        blobs.blobs_delete(account_id=account_id, keys=new_keys)
        raise
    remaining = MessageContent.objects.filter(account_id=account_id, key_pair__isnull=True).count()
    if not remaining:
        _encrypting_done(account_id)
    return EncryptProgress(done, remaining)


@transaction.atomic
def _encrypted_rows_save(account_id: int, prepared: list, new_keys: list[str]) -> int:
    lock_store(account_id)
    seals = seals_under_lock(account_id, [s.seal for _, _, s in prepared])
    replaced: list[str] = []
    unused: list[str] = []
    for (pk, old_key, sealed), new_key, seal in zip(prepared, new_keys, seals, strict=True):
        assert seal is not None
        sealed_fields = sealed.fields
        changed = MessageContent.objects.filter(
            pk=pk, key_pair__isnull=True, blob_key=old_key
        ).update(
            blob_key=new_key,
            key_pair_id=seal.pair_id,
            sealed_key=seal.sealed_key,
            message_id="",
            subject_search="",
            from_search="",
            to_search="",
            cc_search="",
            bcc_search="",
            envelope=sealed_fields.envelope,
            structure=sealed_fields.structure,
            header_fields=sealed_fields.header_fields,
        )
        (replaced if changed else unused).append(old_key if changed else new_key)
    # Clear blobs go once the rows no longer point at them; unused new ones go either way.
    transaction.on_commit(lambda: blobs.blobs_delete(account_id=account_id, keys=replaced))
    blobs.blobs_delete(account_id=account_id, keys=unused)
    return len(replaced)


def _encrypting_done(account_id: int) -> None:
    with transaction.atomic():
        lock_store(account_id)
        if _has_clear_contents(account_id):
            return
        updated = AccountEncryption.objects.filter(
            account_id=account_id, encrypting_since__isnull=False
        ).update(encrypting_since=None)
        if updated:
            # Contents encrypted by the job carry HPKE wraps below the settled mark: let the
            # next login's background pass look at every content again.
            AccountKeyPair.objects.filter(account_id=account_id, state=KeyPairState.CURRENT).update(
                settled_through=0
            )


def accounts_encrypting() -> list[int]:
    """Accounts whose mail stored in clear waits for the encryption job (for the sweep)."""
    return list(
        AccountEncryption.objects.filter(encrypting_since__isnull=False).values_list(
            "account_id", flat=True
        )
    )
