"""Reads for the self-service pages, the moderation queue and the pending actions.

Everything is scoped to who asks: a mailbox that does not exist and one that is not the
caller's raise the same NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Account, Alias, Domain, User
from accounts.permissions import domains_managed_by, is_superadmin
from accounts.principals import AccountPrincipal, Actor
from imapd.store.quota import account_usage
from mailplatform.errors import NotFound
from moderation.models import (
    ActionKind,
    ActionState,
    DomainGrant,
    PendingAction,
    Registration,
)

OPEN_ACTION_STATES = (ActionState.PENDING, ActionState.RUNNING, ActionState.FAILED)


# --- grants ---------------------------------------------------------------------------------


def domain_is_granted(*, user: User, domain: Domain) -> bool:
    """Whether `user` may create mailboxes for themselves in `domain` (an active one)."""
    return domain.is_active and DomainGrant.objects.filter(user=user, domain=domain).exists()


def domains_for_new_mailbox(*, user: User) -> QuerySet[Domain]:
    """Active domains where the self-service pages offer `user` a new mailbox."""
    granted = DomainGrant.objects.filter(user=user).values("domain_id")
    return Domain.objects.filter(
        Q(pk__in=granted) | Q(pk__in=domains_managed_by(user).values("pk")), is_active=True
    ).order_by("name")


def domains_open_for_registration() -> QuerySet[Domain]:
    return Domain.objects.filter(registration_open=True, is_active=True).order_by("name")


# --- mailboxes of an owner ------------------------------------------------------------------


@dataclass(frozen=True)
class MailboxOverview:
    """One row of the owner's dashboard."""

    account: Account
    used_bytes: int
    messages: int
    aliases: list[Alias]
    pending_deletion: PendingAction | None

    @property
    def quota_percent(self) -> int | None:
        limit = self.account.quota_bytes
        if not limit:
            return None
        return min(100, round(100 * self.used_bytes / limit))


def owned_mailboxes(*, user: User) -> QuerySet[Account]:
    return Account.objects.filter(owner=user).select_related("domain")


def owned_mailbox_get(*, user: User, address: str) -> Account:
    """The mailbox `address` when `user` owns it; NotFound for unknown and foreign alike."""
    local, _, domain = address.strip().lower().rpartition("@")
    account = owned_mailboxes(user=user).filter(local_part=local, domain__name=domain).first()
    if account is None:
        raise NotFound(f"No mailbox {address}.")
    return account


def aliases_of(*, account: Account) -> list[Alias]:
    """The aliases that deliver to `account`, by address."""
    return list(
        Alias.objects.filter(targets__account=account)
        .select_related("domain")
        .distinct()
        .order_by("domain__name", "local_part")
    )


def open_deletion_of(*, account: Account) -> PendingAction | None:
    return PendingAction.objects.filter(
        account=account, kind=ActionKind.DELETION, state__in=OPEN_ACTION_STATES
    ).first()


def mailbox_overview(*, account: Account) -> MailboxOverview:
    used, messages = account_usage(account_id=account.pk)
    return MailboxOverview(
        account=account,
        used_bytes=used,
        messages=messages,
        aliases=aliases_of(account=account),
        pending_deletion=open_deletion_of(account=account),
    )


def owner_dashboard(*, user: User) -> list[MailboxOverview]:
    accounts = owned_mailboxes(user=user).prefetch_related(
        Prefetch(
            "pending_actions",
            queryset=PendingAction.objects.filter(
                kind=ActionKind.DELETION, state__in=OPEN_ACTION_STATES
            ),
            to_attr="open_deletions",
        ),
        Prefetch(
            "alias_targets__alias",
            queryset=Alias.objects.select_related("domain"),
        ),
    )
    rows = []
    for account in accounts:
        used, messages = account_usage(account_id=account.pk)
        deletions: list[PendingAction] = getattr(account, "open_deletions", [])
        aliases = sorted((t.alias for t in account.alias_targets.all()), key=lambda a: a.address)
        rows.append(
            MailboxOverview(
                account=account,
                used_bytes=used,
                messages=messages,
                aliases=aliases,
                pending_deletion=deletions[0] if deletions else None,
            )
        )
    return rows


# --- moderation queue -----------------------------------------------------------------------


def registrations_visible_to(actor: Actor) -> QuerySet[Registration]:
    """Superadmins see every registration; domain admins those asking for one of their domains."""
    base = Registration.objects.prefetch_related("domains").select_related("decided_by", "user")
    if is_superadmin(actor):
        return base
    if not isinstance(actor, User):
        return base.none()
    return base.filter(domains__in=domains_managed_by(actor)).distinct()


# --- pending actions ------------------------------------------------------------------------


def pending_actions_visible_to(actor: Actor) -> QuerySet[PendingAction]:
    """Admins see the actions of their domains; owners those of their mailboxes and their own."""
    base = PendingAction.objects.select_related("account__domain", "requested_by")
    if is_superadmin(actor):
        return base
    if isinstance(actor, AccountPrincipal):
        return base.filter(account=actor.account)
    assert actor is not None
    return base.filter(
        Q(domain__in=domains_managed_by(actor)) | Q(account__owner=actor) | Q(requested_by=actor)
    ).distinct()


def pending_action_get(*, actor: Actor, pk: int) -> PendingAction:
    action = pending_actions_visible_to(actor).filter(pk=pk).first()
    if action is None:
        raise NotFound(f"No pending action {pk}.")
    return action
