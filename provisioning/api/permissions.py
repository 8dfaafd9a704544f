"""Who may use the token API: superadmins, and domain admins (for their domains' tokens)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.models import User
from accounts.permissions import domains_managed_by, is_superadmin
from accounts.principals import AccountPrincipal


def is_provisioning_admin(actor: object) -> bool:
    if not isinstance(actor, User | AccountPrincipal) or not actor.is_authenticated:
        return False
    return is_superadmin(actor) or domains_managed_by(actor).exists()


class IsProvisioningAdmin(BasePermission):
    message = "Only administrators may manage tokens."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_provisioning_admin(request.user)
