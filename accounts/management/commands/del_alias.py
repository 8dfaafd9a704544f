"""Delete an alias."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts import services
from accounts.management.commands._cli import service_errors


class Command(BaseCommand):
    help = "Delete the alias ADDRESS (@domain for the catch-all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            alias = services.alias_get(address=options["address"])
            address = alias.address
            services.alias_delete(alias=alias, acting_user=None)
        self.stdout.write(f"Deleted alias {address}.")
