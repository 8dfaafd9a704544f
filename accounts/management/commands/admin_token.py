"""Set up or rotate the operator's admin API token file."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.management.commands._cli import service_errors
from accounts.operator import ensure_operator_token, rotate_operator_token, token_file


class Command(BaseCommand):
    help = (
        "Create the operator's admin API token if it is missing or no longer valid, and tell "
        "where it is kept. A new token is printed once; afterwards read it from the file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rotate", action="store_true", help="revoke the current token and write a new one"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            secret = rotate_operator_token() if options["rotate"] else ensure_operator_token()
        if secret is None:
            self.stdout.write(f"The admin token is in {token_file()}.")
            return
        self.stdout.write(f"Wrote a new admin token to {token_file()} (mode 0600):")
        self.stdout.write(secret)
