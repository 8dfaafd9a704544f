"""Who may log in and where mail goes.

Addresses are stored normalised to lower case (local part and domain), which makes them unique
case-insensitively with a plain unique index that every database can use for fast lookups.
Business rules live in `accounts.services`, never in `save()` or signals.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class User(AbstractUser):
    """A web user: superadmin (`is_superuser`), domain admin (`managed_domains`) and/or owner."""

    managed_domains = models.ManyToManyField(
        "accounts.Domain",
        blank=True,
        related_name="admins",
        help_text="Domains this user administers (domain admin role).",
    )
    # Per-owner overrides of the self-service limits; null means the platform default.
    max_mailboxes = models.PositiveIntegerField(null=True, blank=True)
    max_aliases_per_mailbox = models.PositiveIntegerField(null=True, blank=True)

    @property
    def is_domain_admin(self) -> bool:
        return self.managed_domains.exists()


class Domain(models.Model):
    name = models.CharField(max_length=253, unique=True)
    is_active = models.BooleanField(default=True)
    max_accounts = models.PositiveIntegerField(
        null=True, blank=True, help_text="Maximum number of accounts; empty for no limit."
    )
    max_aliases = models.PositiveIntegerField(
        null=True, blank=True, help_text="Maximum number of aliases; empty for no limit."
    )
    default_quota_bytes = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="Quota for new accounts; empty for the platform default, 0 for none.",
    )
    registration_open = models.BooleanField(
        default=False, help_text="Whether people may ask for a mailbox here through registration."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CreatedVia(models.TextChoices):
    ADMIN = "admin", "Admin site"
    API = "api", "REST API"
    CLI = "cli", "Command line"
    TOKEN = "token", "Provisioning token"
    REGISTRATION = "registration", "Registration"
    SELF_SERVICE = "self_service", "Self-service"
    IMAP = "imap", "IMAP administration"


class Account(models.Model):
    """An address that logs in over IMAP and SMTP and has a mail store."""

    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="accounts")
    local_part = models.CharField(max_length=64)
    # A Dovecot-compatible password string such as "{ARGON2ID}$argon2id$..."; empty: no login.
    password = models.CharField(max_length=512, blank=True)
    is_active = models.BooleanField(default=True)
    quota_bytes = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Storage limit in bytes; empty for no limit."
    )
    quota_messages = models.PositiveIntegerField(
        null=True, blank=True, help_text="Limit on the number of messages; empty for no limit."
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    # Set while a deletion waits out its grace period: the account is refused everywhere.
    deletion_pending_since = models.DateTimeField(null=True, blank=True)
    roles = models.JSONField(
        default=list, blank=True, help_text='Role names, e.g. ["admin"] (pymap-admin\'s --role).'
    )
    params = models.JSONField(
        default=dict, blank=True, help_text="Free-form string parameters (pymap-admin's --param)."
    )
    owner = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_via = models.CharField(
        max_length=16, choices=CreatedVia.choices, default=CreatedVia.ADMIN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["domain__name", "local_part"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "local_part"], name="account_address_unique"),
            models.CheckConstraint(
                condition=Q(local_part=Lower("local_part")),
                name="account_local_part_lower",
            ),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        return f"{self.local_part}@{self.domain.name}"

    @property
    def is_admin(self) -> bool:
        return "admin" in (self.roles or [])

    def delivery_refusal(self, now: datetime) -> str | None:
        """Why this account may not receive mail now, or None when it may."""
        return delivery_refusal_of(
            is_active=self.is_active and self.domain.is_active,
            deletion_pending_since=self.deletion_pending_since,
            expires_at=self.expires_at,
            now=now,
        )

    def login_refusal(self, now: datetime) -> str | None:
        """Why this account may not log in now, or None when it may. An account without a
        password still receives mail; it only cannot log in."""
        refusal = self.delivery_refusal(now)
        if refusal is None and not self.password:
            return "no password set"
        return refusal


def delivery_refusal_of(
    *,
    is_active: bool,
    deletion_pending_since: datetime | None,
    expires_at: datetime | None,
    now: datetime,
) -> str | None:
    """Why an account in this state (`is_active`: it and its domain) may not receive mail
    now, or None; `Account.delivery_refusal`, and the delivery path's plain-SQL reads."""
    if not is_active:
        return "disabled"
    if deletion_pending_since is not None:
        return "pending deletion"
    if expires_at is not None and expires_at <= now:
        return "expired"
    return None


class Alias(models.Model):
    """An address that delivers to accounts and/or external addresses.

    An empty `local_part` is the catch-all of its domain (`@domain`).
    """

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="aliases")
    local_part = models.CharField(max_length=64, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain__name", "local_part"]
        verbose_name_plural = "aliases"
        constraints = [
            models.UniqueConstraint(fields=["domain", "local_part"], name="alias_address_unique"),
            models.CheckConstraint(
                condition=Q(local_part=Lower("local_part")),
                name="alias_local_part_lower",
            ),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        return f"{self.local_part}@{self.domain.name}"


class AliasTarget(models.Model):
    """One destination of an alias: a local account or an external address (exactly one)."""

    alias = models.ForeignKey(Alias, on_delete=models.CASCADE, related_name="targets")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="alias_targets"
    )
    external_address = models.CharField(max_length=320, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(account__isnull=False, external_address="")
                    | Q(account__isnull=True) & ~Q(external_address="")
                ),
                name="alias_target_exactly_one",
            ),
            models.UniqueConstraint(
                fields=["alias", "account"],
                name="alias_target_account_once",
                condition=Q(account__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["alias", "external_address"],
                name="alias_target_external_once",
                condition=~Q(external_address=""),
            ),
        ]

    def __str__(self) -> str:
        return self.account.address if self.account else self.external_address


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a SHA-256 digest of the secret is stored.

    A token acts for a web user or for a mail account (pymap-admin's `login` with an address).
    """

    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="First characters, to tell tokens apart.")
    name = models.CharField(max_length=100, blank=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, account__isnull=True)
                | Q(user__isnull=True, account__isnull=False),
                name="api_token_one_principal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user or self.account})"


class AuditEvent(models.Model):
    """Append-only record of who did what; services write it, nothing edits it."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.CharField(max_length=320, help_text="Web username, address, or 'system'.")
    action = models.CharField(max_length=64, db_index=True)
    target = models.CharField(max_length=320, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"
