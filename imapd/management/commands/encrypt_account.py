"""Switch on the encryption at rest of an existing account; its mail is encrypted online."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts import services
from accounts.management.commands._cli import PasswordCommand, read_password, service_errors
from imapd.crypto.services import account_encrypt_existing, account_encryption_enable


class Command(PasswordCommand):
    help = (
        "Encrypt ADDRESS's mail. With its password (--password-file) the keys are made now; "
        "without, at its next IMAP login. Its mail stored in clear is then encrypted in "
        "batches by a Celery job while the account stays online (--wait does it here)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")
        parser.add_argument(
            "--password-file",
            metavar="FILE",
            help="the account's current password ('-' for standard input)",
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="encrypt the mail stored in clear here, batch by batch, instead of by Celery",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            account = services.account_get(address=options["address"])
            password = (
                read_password(options, address=account.address)
                if options["password_file"]
                else None
            )
            outcome = account_encryption_enable(
                account=account, acting_user=None, password=password
            )
            self.stdout.write(f"{account.address}: {outcome}.")
            if options["wait"]:
                encrypted = 0
                while True:
                    progress = account_encrypt_existing(account_id=account.pk)
                    encrypted += progress.encrypted
                    if progress.remaining == 0 or progress.encrypted == 0:
                        break
                    self.stdout.write(f"  {encrypted} encrypted, {progress.remaining} left")
                self.stdout.write(
                    f"{account.address}: {encrypted} messages encrypted, "
                    f"{progress.remaining} left in clear."
                )
