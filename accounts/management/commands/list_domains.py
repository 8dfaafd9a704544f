"""List the mail domains."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Count

from accounts.management.commands._cli import table
from accounts.permissions import domains_visible_to


class Command(BaseCommand):
    help = "List the mail domains with their account counts and limits."

    def handle(self, *args: Any, **options: Any) -> None:
        domains = (
            domains_visible_to(None)
            .annotate(
                account_total=Count("accounts", distinct=True),
                alias_total=Count("aliases", distinct=True),
            )
            .order_by("name")
        )
        rows = [
            (
                d.name,
                d.is_active,
                d.account_total,
                d.max_accounts,
                d.alias_total,
                d.max_aliases,
                d.default_quota_bytes,
            )
            for d in domains
        ]
        header = ("name", "active", "accounts", "max", "aliases", "max", "default quota")
        self.stdout.write(table(rows, header))
