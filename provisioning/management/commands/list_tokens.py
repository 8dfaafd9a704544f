"""mailadm's list-tokens."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from provisioning.management.commands._tokens import token_lines
from provisioning.selectors import tokens_visible_to


class Command(BaseCommand):
    help = "List the tokens with their fields, URL and DCACCOUNT: line."

    def handle(self, *args: Any, **options: Any) -> None:
        for token in tokens_visible_to(None):
            self.stdout.write("\n".join(token_lines(token)))
