"""mailadm's add-user (named token_add_user: accounts has its own user commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts.management.commands._cli import PasswordCommand, read_password, service_errors
from provisioning import services
from provisioning.mailservers import dclogin_url
from provisioning.management.commands._tokens import token_named
from provisioning.qr import login_qr_png


class Command(PasswordCommand):
    help = (
        "Add a temporary account with a given address: with --token it gets the token's expiry "
        "and counts one use. Without --password-file a password is drawn and printed (or, "
        "with --qr, only put in a dclogin: QR code)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")
        parser.add_argument("--token", metavar="NAME", help="the token it is created with")
        parser.add_argument(
            "--expiry", help="lifetime (default: the token's, or never without a token)"
        )
        parser.add_argument(
            "--password-file", metavar="FILE", help="read the password from FILE ('-': stdin)"
        )
        parser.add_argument("--qr", metavar="FILE", help="write a dclogin: QR code PNG to FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        token = token_named(options["token"]) if options["token"] else None
        password = (
            read_password(options, address=options["address"]) if options["password_file"] else None
        )
        with service_errors():
            created = services.token_account_add(
                address=options["address"],
                acting_user=None,
                token=token,
                password=password,
                expiry=options["expiry"],
            )
        address = created.account.address
        via = f" with token '{token.name}'" if token is not None else ""
        self.stdout.write(f"added addr '{address}'{via}, expiry {created.expiry}")
        if options["qr"]:
            png = login_qr_png(
                url=dclogin_url(address=address, password=created.password), address=address
            )
            try:
                Path(options["qr"]).write_bytes(png)
            except OSError as error:
                raise CommandError(f"Cannot write {options['qr']}: {error}") from None
            self.stdout.write(f"{options['qr']} written for account '{address}'")
        elif password is None:
            self.stdout.write(f"password = {created.password}")
