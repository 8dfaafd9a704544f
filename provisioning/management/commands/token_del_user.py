"""mailadm's del-user (named token_del_user: accounts has its own delete_user)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.management.commands._cli import service_errors
from accounts.services import account_delete, account_get
from provisioning.selectors import token_account_get_for_actor


class Command(BaseCommand):
    help = "Delete a temporary account (one created by a token or token_add_user) and its mail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            account = account_get(address=options["address"])
            token_account_get_for_actor(account=account, actor=None)
            address = account.address
            account_delete(account=account, acting_user=None)
        self.stdout.write(f"deleted addr '{address}'")
