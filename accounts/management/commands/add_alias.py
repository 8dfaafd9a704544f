"""Create an alias, or a domain's catch-all."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services
from accounts.management.commands._cli import service_errors


class Command(BaseCommand):
    help = "Make ADDRESS (or @domain, the catch-all) deliver to each TARGET."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address", help="local@domain, or @domain for the catch-all")
        parser.add_argument("targets", nargs="+", metavar="TARGET", help="destination address")

    def handle(self, *args: Any, **options: Any) -> None:
        local_part, at, domain_name = options["address"].strip().rpartition("@")
        if not at:
            raise CommandError("ADDRESS must be local@domain, or @domain for the catch-all.")
        with service_errors():
            domain = services.domain_get(name=domain_name)
            alias = services.alias_create(
                domain=domain, local_part=local_part, targets=options["targets"], acting_user=None
            )
            targets = ", ".join(str(t) for t in alias.targets.all())
        self.stdout.write(f"Created alias {alias.address} -> {targets}.")
