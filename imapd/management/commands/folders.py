"""Manage an account's folders (IMAP::Admin's create, delete, h_delete, rename, subscribe);
`list --json` prints what GET /api/v1/accounts/<address>/folders/ answers."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts import services as account_services
from accounts.management.commands._cli import service_errors, table
from accounts.models import Account
from imapd.folders import selectors
from imapd.folders.api.serializers import FolderListSerializer
from imapd.folders.services import folder_delete
from imapd.models import SpecialUse
from imapd.store import services as store
from imapd.store.selectors import mailbox_get_for_account


class Command(BaseCommand):
    help = (
        "Manage ADDRESS's folders: list, create NAME, delete NAME [-r], rename OLD NEW, "
        "subscribe NAME, unsubscribe NAME. Names are full paths with / as the separator."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
        listing = verbs.add_parser("list", help="list the folders with their counters")
        listing.add_argument("--json", action="store_true", help="print one JSON object")
        create = verbs.add_parser("create", help="create a folder (and missing parents)")
        create.add_argument("name")
        create.add_argument(
            "--special-use", choices=SpecialUse.values, help="RFC 6154 attribute, e.g. \\Sent"
        )
        delete = verbs.add_parser("delete", help="delete a folder")
        delete.add_argument("name")
        delete.add_argument(
            "-r", "--recursive", action="store_true", help="delete its subfolders too"
        )
        rename = verbs.add_parser("rename", help="rename a folder; subfolders follow")
        rename.add_argument("name")
        rename.add_argument("new_name")
        for verb in ("subscribe", "unsubscribe"):
            verbs.add_parser(verb, help=f"{verb} a name").add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            account = account_services.account_get(address=options["address"])
            getattr(self, f"_{options['verb']}")(account, options)

    def _list(self, account: Account, options: dict[str, Any]) -> None:
        folders = selectors.folders_list(account=account)
        if options["json"]:
            body = FolderListSerializer({"address": account.address, "folders": folders}).data
            self.stdout.write(json.dumps(body, indent=2))
            return
        header = ("name", "messages", "unseen", "size", "attributes")
        rows_text = [
            (f.name, f.messages, f.unseen, f.size, " ".join(f.attributes)) for f in folders
        ]
        self.stdout.write(table(rows_text, header))

    def _create(self, account: Account, options: dict[str, Any]) -> None:
        mailbox = store.mailbox_create(
            account=account, name=options["name"], special_use=options["special_use"]
        )
        self.stdout.write(f"Created {mailbox.name}.")

    def _delete(self, account: Account, options: dict[str, Any]) -> None:
        deleted = folder_delete(
            account=account, name=options["name"], recursive=options["recursive"]
        )
        self.stdout.write(f"Deleted {', '.join(deleted)}.")

    def _rename(self, account: Account, options: dict[str, Any]) -> None:
        mailbox = mailbox_get_for_account(account=account, name=options["name"])
        old = mailbox.name
        renamed = store.mailbox_rename(mailbox=mailbox, new_name=options["new_name"])
        self.stdout.write(f"Renamed {old} to {renamed.name}.")

    def _subscribe(self, account: Account, options: dict[str, Any]) -> None:
        store.mailbox_subscribe(account=account, name=options["name"])
        self.stdout.write(f"Subscribed {options['name']}.")

    def _unsubscribe(self, account: Account, options: dict[str, Any]) -> None:
        was = store.mailbox_unsubscribe(account=account, name=options["name"])
        self.stdout.write(
            f"Unsubscribed {options['name']}." if was else f"{options['name']} was not subscribed."
        )
