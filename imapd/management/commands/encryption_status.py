"""Show the encryption at rest of one account, or of every account that has it."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts import services
from accounts.management.commands._cli import service_errors, table
from imapd.crypto.selectors import encrypted_accounts, encryption_status


class Command(BaseCommand):
    help = (
        "Encryption state, key pairs, encrypted and clear contents, rotation progress and "
        "whether a password reset would lose mail: of ADDRESS, or of every encrypted account."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address", nargs="?")
        parser.add_argument("--json", action="store_true", help="one JSON object per account")

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            accounts = (
                [services.account_get(address=options["address"])]
                if options["address"]
                else encrypted_accounts()
            )
        statuses = [encryption_status(account=account) for account in accounts]
        if options["json"]:
            for status in statuses:
                self.stdout.write(json.dumps(status.as_dict()))
            return
        rows = [
            (
                s.address,
                s.state,
                ", ".join(f"{p.id}:{p.state}({p.contents})" for p in s.key_pairs) or "-",
                s.contents_encrypted,
                s.contents_in_clear,
                s.rotation or "-",
                "LOSES MAIL" if s.password_reset_loses_mail else "recoverable",
            )
            for s in statuses
        ]
        header = ("address", "state", "key pairs", "encrypted", "in clear", "rotation", "reset")
        self.stdout.write(table(rows, header))
