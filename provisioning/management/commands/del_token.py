"""mailadm's del-token."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.management.commands._cli import service_errors
from provisioning import services
from provisioning.management.commands._tokens import token_named


class Command(BaseCommand):
    help = "Delete a token; the accounts it created stay until they expire."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        token = token_named(options["name"])
        with service_errors():
            services.token_delete(token=token, acting_user=None)
        self.stdout.write(f"deleted token '{options['name']}'")
