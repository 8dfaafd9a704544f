"""What the admin site, the API and `encryption_status` show of an account's encryption.

Counts and states only: nothing here reads or returns key material.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from accounts.models import Account
from imapd.crypto import policy
from imapd.crypto.keys import key_id, recovery_public_key
from imapd.crypto.models import AccountEncryption, AccountKeyPair, KeyPairState
from imapd.crypto.services import reset_loses_mail
from imapd.models import MessageContent


@dataclass(frozen=True)
class KeyPairStatus:
    id: int
    state: str
    kdf: str
    recovery_key_id: str
    contents: int


@dataclass(frozen=True)
class EncryptionStatus:
    address: str
    # "off" (no keys), or an EncryptionState value: requested, on, awaiting_recovery.
    state: str
    key_pairs: tuple[KeyPairStatus, ...]
    contents_encrypted: int
    contents_in_clear: int
    rotation: str
    password_reset_loses_mail: bool
    policy: str
    recovery_key_id: str  # of the configured recovery key; "" when none

    def as_dict(self) -> dict[str, object]:
        return {
            "address": self.address,
            "state": self.state,
            "key_pairs": [vars(pair) for pair in self.key_pairs],
            "contents_encrypted": self.contents_encrypted,
            "contents_in_clear": self.contents_in_clear,
            "rotation": self.rotation,
            "password_reset_loses_mail": self.password_reset_loses_mail,
            "policy": self.policy,
            "recovery_key_id": self.recovery_key_id,
        }


def _rotation(encryption: AccountEncryption | None, pairs: list[KeyPairStatus]) -> str:
    retiring = sum(p.contents for p in pairs if p.state == KeyPairState.RETIRING)
    if any(p.state == KeyPairState.RETIRING for p in pairs):
        return f"in progress: {retiring} message keys left to re-wrap (at the next login)"
    if encryption is not None and encryption.rotation_requested_at is not None:
        return "ordered: starts at the account's next login"
    return ""


def encryption_status(*, account: Account) -> EncryptionStatus:
    encryption = AccountEncryption.objects.filter(account=account).first()
    per_pair = dict(
        MessageContent.objects.filter(account_id=account.pk, key_pair__isnull=False)
        .values("key_pair_id")
        .annotate(n=Count("pk"))
        .values_list("key_pair_id", "n")
    )
    pairs = [
        KeyPairStatus(
            id=pair.pk,
            state=pair.state,
            kdf=str(pair.kdf.get("name", "")),
            recovery_key_id=pair.recovery_key_id,
            contents=per_pair.get(pair.pk, 0),
        )
        for pair in AccountKeyPair.objects.filter(account=account)
    ]
    recovery = recovery_public_key()
    return EncryptionStatus(
        address=account.address,
        state=encryption.state if encryption is not None else "off",
        key_pairs=tuple(pairs),
        contents_encrypted=sum(per_pair.values()),
        contents_in_clear=MessageContent.objects.filter(
            account_id=account.pk, key_pair__isnull=True
        ).count(),
        rotation=_rotation(encryption, pairs),
        password_reset_loses_mail=reset_loses_mail(account),
        policy=policy.policy(),
        recovery_key_id=key_id(recovery) if recovery is not None else "",
    )


def encrypted_accounts() -> list[Account]:
    """Accounts with an encryption state (keys, or keys asked for), by address."""
    return list(
        Account.objects.filter(encryption__isnull=False)
        .select_related("domain")
        .order_by("domain__name", "local_part")
    )


def accounts_needing_reset_confirmation(accounts: list[Account]) -> list[Account]:
    """Those of `accounts` whose mail a password reset would make unreadable."""
    return [account for account in accounts if reset_loses_mail(account)]


def accounts_awaiting_recovery(accounts: list[Account]) -> list[Account]:
    """Those of `accounts` whose keys a reset would leave waiting for the recovery key."""
    keyed = set(
        AccountKeyPair.objects.filter(account__in=accounts).values_list("account_id", flat=True)
    )
    return [a for a in accounts if a.pk in keyed and not reset_loses_mail(a)]
