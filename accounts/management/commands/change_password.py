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
from imapd.crypto.services import account_keys_rewrap


class Command(PasswordCommand):
    help = "Set a new password for ADDRESS (pymap-admin's change-password)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")
        add_password_arguments(parser, allow_no_password=False)
        # Encryption at rest (imapd.crypto): the current password re-wraps the account's keys.
        parser.add_argument(
            "--old-password-file",
            metavar="FILE",
            help="the current password ('-' for standard input): an encrypted account's keys "
            "are re-wrapped for the new one (a done rekey action); nothing is re-encrypted",
        )
        parser.add_argument(
            "--discard-encrypted-mail",
            action="store_true",
            help="without the current password and a recovery key, confirm that the "
            "account's existing encrypted mail becomes unreadable (new keys are made)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            account = services.account_get(address=options["address"])
            password = read_password(options, address=account.address)
            if options["old_password_file"]:
                old = read_password(
                    {"password_file": options["old_password_file"], "stdin": options.get("stdin")},
                    address=account.address,
                )
                account_keys_rewrap(
                    account=account,
                    old_password=old,
                    new_password=password,
                    scheme=options["scheme"],
                    acting_user=None,
                )
            else:
                services.account_set_password(
                    account=account,
                    password=password,
                    scheme=options["scheme"],
                    acting_user=None,
                    discard_encrypted_mail=options["discard_encrypted_mail"],
                )
        scheme = passwords.scheme_of(account.password)
        self.stdout.write(f"Changed the password of {account.address} ({scheme}).")
