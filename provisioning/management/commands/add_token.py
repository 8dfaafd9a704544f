"""mailadm's add-token."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.addresses import split_address
from accounts.management.commands._cli import service_errors
from accounts.models import Domain
from accounts.services import domain_get
from provisioning import services
from provisioning.management.commands._tokens import token_lines


class Command(BaseCommand):
    help = "Add a token that creates temporary accounts (shown as URL and DCACCOUNT: line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--domain", help="domain of its accounts (default: the only domain)")
        parser.add_argument("--expiry", default="1d", help="account lifetime: 1h, 1d, 1w, never")
        parser.add_argument("--maxuse", type=int, default=50, help="accounts it may create")
        parser.add_argument("--prefix", default="tmp.", help="start of local parts (tmp.)")
        parser.add_argument("--token", metavar="SECRET", help="use this secret (22+ characters)")
        parser.add_argument("--single-use", action="store_true", help="one account, then done")
        parser.add_argument(
            "--fixed-address", metavar="ADDR", help="create exactly this one address"
        )
        parser.add_argument(
            "--inactive", action="store_true", help="create it switched off (mod_token --active)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fixed_local = ""
        domain_name = options["domain"]
        with service_errors():
            if options["fixed_address"]:
                fixed_local, fixed_domain = split_address(options["fixed_address"])
                if domain_name and domain_get(name=domain_name).name != fixed_domain:
                    raise CommandError("--fixed-address must be in --domain.")
                domain_name = fixed_domain
            domain = domain_get(name=domain_name) if domain_name else _only_domain()
            token = services.token_create(
                name=options["name"],
                domain=domain,
                acting_user=None,
                expiry=options["expiry"],
                maxuse=options["maxuse"],
                prefix=options["prefix"],
                secret=options["token"],
                single_use=options["single_use"],
                fixed_local_part=fixed_local,
                is_active=not options["inactive"],
            )
        self.stdout.write(f"added token '{token.name}'")
        self.stdout.write("\n".join(token_lines(token)))


def _only_domain() -> Domain:
    domains = list(Domain.objects.all()[:2])
    if len(domains) != 1:
        raise CommandError("Name the domain of the token's accounts with --domain.")
    return domains[0]
