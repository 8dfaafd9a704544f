"""Domains in which a web user may create mailboxes for themselves."""

from __future__ import annotations

from django.db import transaction

from accounts.audit import audit_record
from accounts.models import Domain, User
from accounts.permissions import can_manage_domain
from accounts.principals import Actor
from mailplatform.errors import NotPermitted
from moderation.models import DomainGrant


@transaction.atomic
def domain_grant_create(*, user: User, domain: Domain, acting_user: Actor) -> DomainGrant:
    """Let `user` create mailboxes in `domain`; granting it twice is harmless."""
    if not can_manage_domain(acting_user, domain):
        raise NotPermitted(f"You may not grant {domain.name}.")
    grant, created = DomainGrant.objects.get_or_create(
        user=user,
        domain=domain,
        defaults={"granted_by": acting_user if isinstance(acting_user, User) else None},
    )
    if created:
        audit_record(
            actor=acting_user,
            action="domain_grant.create",
            target=user.get_username(),
            detail={"domain": domain.name},
        )
    return grant


@transaction.atomic
def domain_grant_delete(*, grant: DomainGrant, acting_user: Actor) -> None:
    """Withdraw a grant; mailboxes already created stay."""
    if not can_manage_domain(acting_user, grant.domain):
        raise NotPermitted(f"You may not withdraw grants of {grant.domain.name}.")
    username, domain = grant.user.get_username(), grant.domain.name
    grant.delete()
    audit_record(
        actor=acting_user,
        action="domain_grant.delete",
        target=username,
        detail={"domain": domain},
    )
