"""Delete a mail domain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts import services
from accounts.management.commands._cli import service_errors


class Command(BaseCommand):
    help = "Delete the mail domain NAME; refused while it has accounts unless --force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument(
            "--force", action="store_true", help="also delete its accounts, their mail and aliases"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            domain = services.domain_get(name=options["name"])
            name = domain.name
            services.domain_delete(domain=domain, force=options["force"], acting_user=None)
        self.stdout.write(f"Deleted domain {name}.")
