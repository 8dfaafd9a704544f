"""Create an account, or overwrite an existing one's password, roles and parameters."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from accounts import services
from accounts.addresses import split_address
from accounts.management.commands._cli import (
    PasswordCommand,
    add_password_arguments,
    parse_params,
    read_password,
    service_errors,
)
from accounts.models import CreatedVia
from mailplatform.errors import NotFound


class Command(PasswordCommand):
    help = (
        "Create ADDRESS, or overwrite an existing account's password, roles and parameters "
        "(pymap-admin's set-user). Roles and parameters not given are removed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")
        add_password_arguments(parser, allow_no_password=True)
        parser.add_argument(
            "--role", action="append", default=[], metavar="ROLE", help="grant ROLE (repeatable)"
        )
        parser.add_argument(
            "--param", action="append", default=[], metavar="K=V", help="set a parameter"
        )
        parser.add_argument(
            "--no-overwrite", action="store_true", help="fail if the account already exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        params = parse_params(options["param"])
        with service_errors():
            local_part, domain_name = split_address(options["address"])
            domain = services.domain_get(name=domain_name)
            try:
                existing = services.account_get(address=options["address"])
            except NotFound:
                existing = None
            if existing is not None and options["no_overwrite"]:
                raise CommandError(f"Account {existing.address} already exists.")
            password = (
                None
                if options["no_password"]
                else read_password(options, address=f"{local_part}@{domain.name}")
            )
            if existing is None:
                account = services.account_create(
                    domain=domain,
                    local_part=local_part,
                    password=password,
                    scheme=options["scheme"],
                    roles=options["role"],
                    params=params,
                    created_via=CreatedVia.CLI,
                    acting_user=None,
                )
                self.stdout.write(f"Created {account.address}.")
                return
            with transaction.atomic():
                if password is None:
                    services.account_clear_password(account=existing, acting_user=None)
                else:
                    services.account_set_password(
                        account=existing,
                        password=password,
                        scheme=options["scheme"],
                        acting_user=None,
                    )
                services.account_update(
                    account=existing, roles=options["role"], params=params, acting_user=None
                )
            self.stdout.write(f"Updated {existing.address}.")
