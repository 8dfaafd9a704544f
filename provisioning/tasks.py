"""Periodic jobs (the beat schedule is in settings): prune and expiry warnings."""

from __future__ import annotations

from celery import shared_task

from provisioning import services


@shared_task(name="provisioning.tasks.prune")
def prune() -> list[str]:
    """Delete expired token accounts with their mail; returns the deleted addresses."""
    return services.token_accounts_prune()


@shared_task(name="provisioning.tasks.send_expiry_warnings")
def send_expiry_warnings() -> list[str]:
    """Warn accounts that expire within PROVISIONING_WARN_BEFORE; returns the warned addresses."""
    return services.token_accounts_warn()
