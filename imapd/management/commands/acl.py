"""Show or change a folder's access control list (RFC 4314; IMAP::Admin's get_acl, set_acl,
delete_acl) as the local operator, through the same store services as IMAP and the API."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts import services as account_services
from accounts.management.commands._cli import service_errors
from imapd.store import acl
from imapd.store.selectors import mailbox_get_for_account
from imapd.store.services import acl as acl_services


class Command(BaseCommand):
    help = "Show (get), give (set) or remove (delete) rights on one of ADDRESS's folders."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
        verbs.add_parser("get", help="show who has which rights").add_argument("folder")
        set_ = verbs.add_parser("set", help="give IDENTIFIER these RIGHTS (e.g. lrs, +w, -w)")
        for name in ("folder", "identifier", "rights"):
            set_.add_argument(name)
        delete = verbs.add_parser("delete", help="remove IDENTIFIER's rights")
        delete.add_argument("folder")
        delete.add_argument("identifier")

    def handle(self, *args: Any, **options: Any) -> None:
        with service_errors():
            account = account_services.account_get(address=options["address"])
            mailbox = mailbox_get_for_account(account=account, name=options["folder"])
            verb = options["verb"]
            if verb == "get":
                for identifier, rights in acl.acl_entries(
                    mailbox=mailbox, owner_address=account.address
                ):
                    self.stdout.write(f"{identifier} {rights}")
                return
            if verb == "set":
                now = acl_services.acl_set(
                    mailbox=mailbox, identifier=options["identifier"], rights=options["rights"]
                )
                self.stdout.write(f"{options['identifier']} now has {now or 'no rights'}.")
                return
            acl_services.acl_delete(mailbox=mailbox, identifier=options["identifier"])
            self.stdout.write(f"Removed the rights of {options['identifier']}.")
