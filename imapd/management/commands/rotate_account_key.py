"""Order a key rotation of an encrypted account (done by the daemon at its next login)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts import services
from accounts.management.commands._cli import service_errors
from imapd.crypto.services import account_keys_rotate


class Command(BaseCommand):
    help = (
        "Order a rotation of ADDRESS's key pair: at its next IMAP login a new pair is made and "
        "the daemon re-wraps every message key to it in the background (bodies are not "
        "re-encrypted), shown as a pending rekey action with its progress."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            account = services.account_get(address=options["address"])
            action = account_keys_rotate(account=account, acting_user=None)
        self.stdout.write(
            f"Key rotation of {account.address} ordered (pending action {action.pk}); "
            "it runs at the account's next login."
        )
