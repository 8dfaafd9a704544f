"""Show or change an account's quota (IMAP::Admin's get_quota and set_quota); --json prints
what GET /api/v1/accounts/<address>/quota answers."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts import services as account_services
from accounts.management.commands._cli import service_errors
from accounts.models import Account
from imapd.folders import selectors
from imapd.folders.api.serializers import QuotaSerializer


def _limit(value: int | None, unit: str) -> str:
    return "no limit" if value is None else f"{value} {unit}"


class Command(BaseCommand):
    help = "Show ADDRESS's quota (get), set its storage limit in bytes (set BYTES), or remove it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
        get = verbs.add_parser("get", help="show usage and limits (RFC 9208 resources)")
        get.add_argument("--json", action="store_true", help="print one JSON object")
        set_ = verbs.add_parser("set", help="set the storage limit")
        set_.add_argument("bytes", type=int, metavar="BYTES")
        verbs.add_parser("remove", help="remove the storage limit")

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            account = account_services.account_get(address=options["address"])
            verb = options["verb"]
            if verb == "get":
                self._show(account, as_json=options["json"])
                return
            limit = options["bytes"] if verb == "set" else None
            account_services.account_update(account=account, acting_user=None, quota_bytes=limit)
        self.stdout.write(
            f"Removed the storage limit of {account.address}."
            if limit is None
            else f"Set the storage limit of {account.address} to {limit} bytes."
        )

    def _show(self, account: Account, *, as_json: bool) -> None:
        report = selectors.quota_report(account=account)
        if as_json:
            body = QuotaSerializer(report).data
            self.stdout.write(json.dumps(body, indent=2))
            return
        self.stdout.write(f"root: {report.root}")
        for resource in report.resources:
            unit = "KiB" if resource.name == "STORAGE" else "messages"
            self.stdout.write(
                f"{resource.name}: {resource.usage} {unit} of {_limit(resource.limit, unit)}"
            )
        self.stdout.write(f"bytes: {report.usage_bytes} of {_limit(report.limit_bytes, 'bytes')}")
