"""Change only the password of an existing account."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts import passwords, services
from accounts.management.commands._cli import (
    PasswordCommand,
    add_password_arguments,
    read_password,
    service_errors,
)


class Command(PasswordCommand):
    help = "Set a new password for ADDRESS (pymap-admin's change-password)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")
        add_password_arguments(parser, allow_no_password=False)

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            account = services.account_get(address=options["address"])
            password = read_password(options, address=account.address)
            services.account_set_password(
                account=account, password=password, scheme=options["scheme"], acting_user=None
            )
        scheme = passwords.scheme_of(account.password)
        self.stdout.write(f"Changed the password of {account.address} ({scheme}).")
