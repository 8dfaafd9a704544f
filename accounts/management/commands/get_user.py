"""Show an account's metadata, including its hashed password string."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts import services
from accounts.management.commands._cli import service_errors, show
from accounts.models import Account


def account_metadata(account: Account) -> dict[str, Any]:
    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "address": account.address,
        "active": account.is_active,
        "quota_bytes": account.quota_bytes,
        "expires_at": when(account.expires_at),
        "roles": list(account.roles or []),
        "params": dict(account.params or {}),
        "owner": account.owner.get_username() if account.owner else None,
        "created_via": account.created_via,
        "created_at": when(account.created_at),
        "last_login_at": when(account.last_login_at),
        "deletion_pending_since": when(account.deletion_pending_since),
        # Like pymap-admin: the stored (hashed) string, so an operator can move or audit it.
        "password": account.password or None,
    }


class Command(BaseCommand):
    help = "Show ADDRESS's metadata and hashed password string (pymap-admin's get-user)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            account = services.account_get(address=options["address"])
        metadata = account_metadata(account)
        if options["json"]:
            self.stdout.write(json.dumps(metadata, indent=2, sort_keys=True))
            return
        for key, value in metadata.items():
            if key == "roles":
                text = ", ".join(value) or "-"
            elif key == "params":
                text = ", ".join(f"{k}={v}" for k, v in sorted(value.items())) or "-"
            else:
                text = show(value)
            self.stdout.write(f"{key}: {text}")
