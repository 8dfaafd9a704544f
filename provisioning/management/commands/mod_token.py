"""mailadm's mod-token."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.management.commands._cli import service_errors
from provisioning import services
from provisioning.management.commands._tokens import token_lines, token_named
from provisioning.tokens import new_secret


class Command(BaseCommand):
    help = "Change a token's expiry, maximum use count, prefix, state or secret."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--expiry", help="account lifetime: 1h, 1d, 1w, never")
        parser.add_argument("--maxuse", type=int, help="accounts it may create in all")
        parser.add_argument("--prefix", help="start of local parts")
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument("--token", metavar="SECRET", help="replace the secret with SECRET")
        secret.add_argument(
            "--new-token", action="store_true", help="replace the secret with a new random one"
        )
        parser.add_argument("--active", action=argparse.BooleanOptionalAction, default=None)
        parser.add_argument("--single-use", action=argparse.BooleanOptionalAction, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        token = token_named(options["name"])
        changes: dict[str, Any] = {
            key: options[option]
            for key, option in (
                ("expiry", "expiry"),
                ("maxuse", "maxuse"),
                ("prefix", "prefix"),
                ("is_active", "active"),
                ("single_use", "single_use"),
                ("secret", "token"),
            )
            if options[option] is not None
        }
        if options["new_token"]:
            changes["secret"] = new_secret()
        with service_errors():
            services.token_update(token=token, acting_user=None, **changes)
        self.stdout.write(f"modified token '{token.name}'")
        self.stdout.write("\n".join(token_lines(token)))
