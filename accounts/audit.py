"""The audit log: every service that changes something records it here."""

from __future__ import annotations

from typing import Any

from accounts.models import AuditEvent
from accounts.principals import Actor, actor_name


def audit_record(
    *,
    actor: Actor,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
    remote_addr: str | None = None,
) -> None:
    AuditEvent.objects.create(
        actor=actor_name(actor),
        action=action,
        target=target,
        detail=detail or {},
        remote_addr=remote_addr,
    )
