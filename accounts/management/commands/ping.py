"""Report the platform's version and whether the database and the broker answer."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

import mailplatform
from mailplatform.health import health_checks


class Command(BaseCommand):
    help = "Print the version and the database and broker status (pymap-admin's ping)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"version: {mailplatform.__version__}")
        failed = []
        for name, error in health_checks().items():
            self.stdout.write(f"{name}: {'ok' if error is None else f'error ({error})'}")
            if error is not None:
                failed.append(name)
        if failed:
            raise CommandError(f"Unavailable: {', '.join(failed)}.")
