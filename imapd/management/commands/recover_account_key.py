"""Re-open an encrypted account's mail after a password reset, with the offline recovery key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts import services
from accounts.management.commands._cli import (
    PasswordCommand,
    add_password_arguments,
    read_password,
    service_errors,
)
from imapd.crypto.keys import WrongKey, recovery_private_key_load
from imapd.crypto.services import account_keys_recover


class Command(PasswordCommand):
    help = (
        "Open ADDRESS's private keys with the operator's recovery private key (PEM, X25519) and "
        "wrap them for the password given, which becomes the account's password: the one an "
        "admin reset it to, or a new one. Its mail, old and new, is readable again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")
        parser.add_argument(
            "--recovery-key-file",
            required=True,
            metavar="FILE",
            help="the recovery PRIVATE key (PEM); keep it offline, bring it for this command",
        )
        add_password_arguments(parser, allow_no_password=False)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["recovery_key_file"])
        try:
            recovery_key = recovery_private_key_load(path.read_bytes())
        except OSError as error:
            raise CommandError(f"Cannot read the recovery key {path}: {error}") from None
        except WrongKey as error:
            raise CommandError(str(error)) from None
        with service_errors():
            account = services.account_get(address=options["address"])
            password = read_password(options, address=account.address)
            account_keys_recover(
                account=account, recovery_key=recovery_key, password=password, acting_user=None
            )
        self.stdout.write(f"Recovered the keys of {account.address} for its new password.")
