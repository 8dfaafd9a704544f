"""mailadm's list-users (named token_list_users: accounts has its own list_users)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.management.commands._cli import table
from provisioning.management.commands._tokens import token_named
from provisioning.selectors import token_accounts_visible_to


class Command(BaseCommand):
    help = "List the temporary accounts (of one token with --token)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--token", metavar="NAME", help="only the accounts of this token")

    def handle(self, *args: Any, **options: Any) -> None:
        token = token_named(options["token"]) if options["token"] else None
        records = token_accounts_visible_to(None, token=token).order_by(
            "account__domain__name", "account__local_part"
        )
        rows = [
            (
                r.account.address,
                r.token.name if r.token else None,
                r.created_at,
                r.account.expires_at,
                r.account.last_login_at,
                r.warned_at,
            )
            for r in records
        ]
        header = ("address", "token", "created", "expires", "last login", "warned")
        self.stdout.write(table(rows, header))
