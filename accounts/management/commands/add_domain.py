"""Create a mail domain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts import services
from accounts.management.commands._cli import service_errors


class Command(BaseCommand):
    help = "Create the mail domain NAME."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--max-accounts", type=int, metavar="N", help="limit on accounts")
        parser.add_argument("--max-aliases", type=int, metavar="N", help="limit on aliases")
        parser.add_argument(
            "--quota",
            type=int,
            metavar="BYTES",
            help="quota of new accounts (default: the platform's; 0 for none)",
        )
        parser.add_argument(
            "--registration-open", action="store_true", help="let people ask for a mailbox here"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            domain = services.domain_create(
                name=options["name"],
                max_accounts=options["max_accounts"],
                max_aliases=options["max_aliases"],
                default_quota_bytes=options["quota"],
                registration_open=options["registration_open"],
                acting_user=None,
            )
        self.stdout.write(f"Created domain {domain.name}.")
