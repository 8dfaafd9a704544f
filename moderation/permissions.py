"""Who may decide registrations and act on pending actions (the rules read by the services)."""

from __future__ import annotations

from accounts.models import User
from accounts.permissions import is_superadmin
from accounts.principals import Actor
from moderation.models import PendingAction, Registration
from moderation.selectors import pending_actions_visible_to


def can_moderate(actor: Actor, registration: Registration) -> bool:
    """Superadmins decide every registration; a domain admin those asking only for their domains.

    A domain admin who manages one of two domains asked for sees the request but leaves the
    decision to a superadmin: approving would hand out a domain they do not administer.
    """
    if is_superadmin(actor):
        return True
    if not isinstance(actor, User):
        return False
    wanted = set(registration.domains.values_list("pk", flat=True))
    managed = set(actor.managed_domains.filter(pk__in=wanted).values_list("pk", flat=True))
    return bool(wanted) and wanted == managed


def can_act_on(actor: Actor, action: PendingAction) -> bool:
    """Seeing an action is being allowed to cancel it: its mailbox's owner, admins, the asker."""
    return pending_actions_visible_to(actor).filter(pk=action.pk).exists()
