"""Per-account encryption at rest: the account's state and its key pairs.

The wrapped content key of each message lives on its `MessageContent` row (`key_pair`,
`sealed_key`), next to what it protects; what is here is per account. Every write goes through
`imapd.crypto.services`; nothing here holds business rules.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from accounts.models import Account


class EncryptionState(models.TextChoices):
    # Ordered for an account that had no password to derive a key from: keys at the next
    # password set or login.
    REQUESTED = "requested", "Keys at the next login"
    ON = "on", "Encrypted"
    # The password was reset without the old one while a recovery key exists: the private keys
    # open again once an operator runs `recover_account_key`.
    AWAITING_RECOVERY = "awaiting_recovery", "Awaiting key recovery"


class AccountEncryption(models.Model):
    """Whether an account's mail is encrypted, and what is asked of its keys."""

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, primary_key=True, related_name="encryption"
    )
    state = models.CharField(max_length=24, choices=EncryptionState.choices)
    # Set when an admin orders a rotation; the daemon does it at the account's next login.
    rotation_requested_at = models.DateTimeField(null=True, blank=True)
    # Set while mail stored in clear waits for the encryption job (imapd.crypto.tasks).
    encrypting_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "account encryption"

    def __str__(self) -> str:
        return f"encryption of account {self.account_id} ({self.state})"


class KeyPairState(models.TextChoices):
    CURRENT = "current", "Current (new mail is wrapped to it)"
    # After a rotation: its message keys are being re-wrapped to the current pair; deleted
    # once none is left.
    RETIRING = "retiring", "Retiring"
    # Its private key no longer opens with the account's password (a reset without the old
    # one): the mail wrapped to it is unreadable unless the recovery key brings it back.
    LOCKED = "locked", "Locked"


class AccountKeyPair(models.Model):
    """An X25519 key pair. The private key is stored only wrapped: by a key derived from the
    account's password (`kdf` records the function and its parameters) and, when the operator
    configured one, to the offline recovery public key."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="key_pairs")
    state = models.CharField(max_length=16, choices=KeyPairState.choices)
    algorithm = models.CharField(max_length=16, default="x25519")
    public_key = models.BinaryField()
    kdf = models.JSONField(help_text="Key derivation function, parameters and salt.")
    password_wrapped = models.BinaryField()
    recovery_wrapped = models.BinaryField(null=True, blank=True)
    recovery_key_id = models.CharField(
        max_length=32, blank=True, help_text="Fingerprint of the recovery public key used."
    )
    # Contents up to this id were checked to carry a fast (storage-key) wrap: the background
    # pass at login converts only newer ones (see imapd.crypto.maintenance).
    settled_through = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(state="current"),
                name="key_pair_one_current_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"key pair {self.pk} of account {self.account_id} ({self.state})"
