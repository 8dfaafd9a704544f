"""List aliases and where they deliver."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts import services
from accounts.management.commands._cli import service_errors, table
from accounts.permissions import aliases_visible_to


class Command(BaseCommand):
    help = "List the aliases (of one domain with --domain) and their destinations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--domain", metavar="NAME", help="only this domain's aliases")

    def handle(self, *args: Any, **options: Any) -> None:
        aliases = aliases_visible_to(None)
        if options["domain"]:
            with service_errors():
                aliases = aliases.filter(domain=services.domain_get(name=options["domain"]))
        rows = [
            (a.address, a.is_active, ", ".join(str(t) for t in a.targets.all())) for a in aliases
        ]
        self.stdout.write(table(rows, ("alias", "active", "delivers to")))
