"""Registrations and their moderation, self-service grants, and pending actions.

Business rules live in `moderation.services`, never in `save()` or signals.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RegistrationState(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Waiting for e-mail confirmation")
    PENDING = "pending", _("Waiting for moderation")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


# States in which a registration still holds on to its username.
OPEN_REGISTRATION_STATES = (RegistrationState.UNCONFIRMED, RegistrationState.PENDING)


class Registration(models.Model):
    """Someone asking for a web login that may own mailboxes in the domains asked for."""

    username = models.CharField(max_length=150)
    # Django's hash of the chosen web password, moved to the new user on approval and blanked
    # on any decision: the plain password is never stored.
    password = models.CharField(max_length=256, blank=True)
    contact_email = models.EmailField(max_length=254)
    reason = models.TextField(max_length=2000)
    domains = models.ManyToManyField("accounts.Domain", related_name="registrations")
    # The language the registrant used, so the messages sent to them are in it too.
    language = models.CharField(max_length=16, default="en")
    state = models.CharField(
        max_length=16, choices=RegistrationState.choices, default=RegistrationState.UNCONFIRMED
    )
    # SHA-256 of the confirmation secret mailed to the contact address; empty once used.
    confirm_digest = models.CharField(max_length=64, blank=True, db_index=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()
    confirm_before = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    user = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
        help_text="The web login created on approval.",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Two open requests cannot race for one username.
            models.UniqueConstraint(
                fields=["username"],
                condition=Q(state__in=["unconfirmed", "pending"]),
                name="registration_open_username_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username} <{self.contact_email}>"


class DomainGrant(models.Model):
    """A domain in which a web user may create mailboxes for themselves (self-service).

    Approving a registration grants the domains it asked for; admins may add or remove grants.
    """

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    domain = models.ForeignKey("accounts.Domain", on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username", "domain__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "domain"], name="domain_grant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.domain}"


class ActionKind(models.TextChoices):
    DELETION = "deletion", _("Deletion")
    REKEY = "rekey", _("Rekey")


class ActionState(models.TextChoices):
    PENDING = "pending", _("Pending")
    CANCELLED = "cancelled", _("Cancelled")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class PendingAction(models.Model):
    """Something to do to a mailbox at `due_at`, run by a periodic job; its history is audited.

    The row outlives the mailbox (the deletion's own result), so it keeps the address and the
    domain it belonged to for display and for scoping admins' views.
    """

    kind = models.CharField(max_length=16, choices=ActionKind.choices)
    state = models.CharField(
        max_length=16, choices=ActionState.choices, default=ActionState.PENDING, db_index=True
    )
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pending_actions",
    )
    address = models.CharField(max_length=320)
    domain = models.ForeignKey(
        "accounts.Domain", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="requesting web user",
    )
    requested_by_name = models.CharField(
        "requested by", max_length=320, help_text="Who asked, as audited."
    )
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    result = models.TextField(blank=True, help_text="What happened, or why it failed.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One deletion at a time per mailbox.
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(kind="deletion", state__in=["pending", "running"]),
                name="pending_action_one_open_deletion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.address} ({self.get_state_display()})"

    @property
    def is_cancellable(self) -> bool:
        return self.state == ActionState.PENDING
