"""mailadm's gen-qr, and dclogin: codes for existing accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts.management.commands._cli import PasswordCommand, read_password, service_errors
from accounts.services import account_get
from provisioning import services
from provisioning.management.commands._tokens import default_qr_filename, token_named
from provisioning.qr import login_qr_png, token_qr_png


class Command(PasswordCommand):
    help = (
        "Write a token's DCACCOUNT: QR code as a PNG, or with an ADDRESS a dclogin: code that "
        "logs Delta Chat in to that account (--password-file, or --new-password to set one)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", metavar="TOKEN|ADDRESS")
        parser.add_argument("-o", "--output", metavar="FILE", help="where to write the PNG")
        password = parser.add_mutually_exclusive_group()
        password.add_argument(
            "--password-file",
            metavar="FILE",
            help="for an address: its current password, from FILE ('-' for standard input)",
        )
        password.add_argument(
            "--new-password",
            action="store_true",
            help="for an address: set a new random password and put it in the code",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name: str = options["name"]
        if "@" in name:
            png, default_name, what = self._login_code(name, options)
        else:
            token = token_named(name)
            png, default_name = token_qr_png(token), default_qr_filename(token)
            what = f"token '{token.name}'"
        path = Path(options["output"] or default_name)
        try:
            path.write_bytes(png)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error}") from None
        self.stdout.write(f"{path} written for {what}")

    def _login_code(self, address: str, options: dict[str, Any]) -> tuple[bytes, str, str]:
        if not options["password_file"] and not options["new_password"]:
            raise CommandError("For an address, give --password-file or --new-password.")
        with service_errors():
            account = account_get(address=address)
            password = None if options["new_password"] else read_password(options, address=address)
            url = services.account_login_code(account=account, acting_user=None, password=password)
        png = login_qr_png(url=url, address=account.address)
        return png, f"dclogin-{account.address}.png", f"account '{account.address}'"
