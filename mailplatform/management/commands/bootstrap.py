"""Prepare a data directory for running: migrate, collect static files, create the operator's
admin token and, with --demo, a demo domain, mail account and admin login.

Safe to run on every start: each step does nothing when its work is already done.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from accounts import services
from accounts.models import Account, Domain, User
from accounts.operator import ensure_operator_token
from imapd.imap.demo_messages import demo_messages_add

DEMO_DOMAIN = "example.org"
DEMO_LOCAL_PART = "demo"
DEMO_ADMIN = "admin"


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


class Command(BaseCommand):
    help = "Migrate, collect static files, create the operator token and (--demo) demo data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--demo",
            action="store_true",
            help="Create a demo domain, mail account and admin login.",
        )
        parser.add_argument(
            "--skip-static", action="store_true", help="Do not collect static files."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not options["skip_static"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        token = ensure_operator_token()
        if token:
            self.stdout.write(
                f"Operator API token (saved to {settings.ADMIN_TOKEN_FILE}, shown once): {token}"
            )
        if options["demo"]:
            self.stdout.write(self._demo_logins())

    def _demo_logins(self) -> str:
        """Create the demo data once; the logins are kept in a 0600 file and shown every run."""
        path = settings.DATA_DIR / "demo-logins.txt"
        if not User.objects.filter(username=DEMO_ADMIN).exists():
            _write_private(path, _create_demo_data())
        if not path.exists():
            return "Demo data exists but its login file is gone: use manage.py changepassword."
        return f"Demo logins (kept in {path}):\n{path.read_text()}"


@transaction.atomic
def _create_demo_data() -> str:
    admin_password = secrets.token_urlsafe(12)
    User.objects.create_superuser(DEMO_ADMIN, "", admin_password)
    domain = Domain.objects.filter(name=DEMO_DOMAIN).first() or services.domain_create(
        name=DEMO_DOMAIN, acting_user=None
    )
    mail_password = secrets.token_urlsafe(12)
    address = f"{DEMO_LOCAL_PART}@{DEMO_DOMAIN}"
    if not Account.objects.filter(domain=domain, local_part=DEMO_LOCAL_PART).exists():
        account = services.account_create(
            domain=domain, local_part=DEMO_LOCAL_PART, password=mail_password, acting_user=None
        )
        demo_messages_add(account=account)
    host = settings.IMAP_HOST
    return (
        f"Admin site:   {settings.PUBLIC_URL}/admin/  user {DEMO_ADMIN}  "
        f"password {admin_password}\n"
        f"API docs:     {settings.PUBLIC_URL}/api/docs/\n"
        f"Mail account: {address}  password {mail_password}\n"
        f"              IMAP {host}:{settings.IMAP_PORT} (STARTTLS), "
        f"submission {host}:{settings.SUBMISSION_PORT}\n"
    )
