"""mailadm's prune: delete expired temporary accounts with their mail."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from provisioning import services


class Command(BaseCommand):
    help = "Delete expired temporary accounts and all their mail (Celery beat runs it hourly)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dryrun", "--dry-run", action="store_true", help="only show what would be deleted"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dryrun"]
        addresses = services.token_accounts_prune(dry_run=dry_run)
        for address in addresses:
            self.stdout.write(f"{'would delete' if dry_run else 'deleted'} {address}")
        outcome = "would be deleted" if dry_run else "deleted"
        self.stdout.write(f"{len(addresses)} expired account(s) {outcome}.")
