"""List accounts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts import services
from accounts.management.commands._cli import service_errors, table
from accounts.permissions import accounts_visible_to


class Command(BaseCommand):
    help = "List the accounts (of one domain with --domain)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--domain", metavar="NAME", help="only this domain's accounts")

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = accounts_visible_to(None)
        if options["domain"]:
            with service_errors():
                accounts = accounts.filter(domain=services.domain_get(name=options["domain"]))
        rows = [
            (
                a.address,
                a.is_active,
                a.quota_bytes,
                a.expires_at,
                ", ".join(a.roles or []) or None,
                a.created_via,
                a.last_login_at,
            )
            for a in accounts
        ]
        header = ("address", "active", "quota", "expires", "roles", "created via", "last login")
        self.stdout.write(table(rows, header))
