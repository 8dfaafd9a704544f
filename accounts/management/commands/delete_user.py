"""Delete an account with everything that belongs to it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts import services
from accounts.management.commands._cli import service_errors


class Command(BaseCommand):
    help = "Delete ADDRESS, its mail and the aliases left without a destination."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            account = services.account_get(address=options["address"])
            address = account.address
            services.account_delete(account=account, acting_user=None)
        self.stdout.write(f"Deleted {address}.")
