"""Provisioning tokens and the temporary accounts they create (mailadm's job).

A token's secret is stored as given, because the admin site and `list_tokens` must show its
QR code and URL again; lookups go through `digest` (SHA-256 of the secret, unique index) so the
database compares digests, and the services confirm with `hmac.compare_digest`. Business rules
live in `provisioning.services`.
"""

from __future__ import annotations

from django.db import models

from accounts.models import Account, Domain, User


class Token(models.Model):
    name = models.CharField(max_length=100, unique=True)
    secret = models.CharField(max_length=128)
    digest = models.CharField(max_length=64, unique=True)
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="tokens")
    prefix = models.CharField(
        max_length=32, blank=True, default="tmp.", help_text="Start of every new local part."
    )
    expiry = models.CharField(
        max_length=16,
        default="1d",
        help_text="Lifetime of the accounts it creates: 30m, 1h, 1d, 1w, 30d, 1y or never.",
    )
    maxuse = models.PositiveIntegerField(default=50, help_text="How many accounts it may create.")
    usecount = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    single_use = models.BooleanField(default=False, help_text="Used up after one account.")
    fixed_local_part = models.CharField(
        max_length=64,
        blank=True,
        help_text="Creates exactly this one address in the token's domain, not random ones.",
    )
    valid_until = models.DateTimeField(
        null=True, blank=True, help_text="The token itself stops working then; empty: never."
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def use_limit(self) -> int:
        """How many accounts the token may create in all; one for single-use and fixed ones."""
        return 1 if self.single_use or self.fixed_local_part else self.maxuse

    @property
    def address_pattern(self) -> str:
        if self.fixed_local_part:
            return f"{self.fixed_local_part}@{self.domain.name}"
        return f"{self.prefix}******@{self.domain.name}"


class TokenAccount(models.Model):
    """An account managed by provisioning: created by a token (or `add_user`), pruned on expiry."""

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, primary_key=True, related_name="provisioning"
    )
    token = models.ForeignKey(
        Token, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once the expiry warning has been claimed for delivery: it is sent at most once.
    warned_at = models.DateTimeField(null=True, blank=True)
    # Claimed by a prune run in the transaction that deletes the account.
    prune_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.account)
