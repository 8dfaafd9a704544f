"""What the account commands share: service refusals as CommandError, password input, output.

The commands act as the local operator (`acting_user=None`). Passwords are read from a terminal
without echo, from a file or from standard input, and are never printed or logged.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.passwords import UnknownScheme
from mailplatform.errors import ServiceError


class PasswordCommand(BaseCommand):
    """A command that may read a password; tests and scripts pass `stdin=` to call_command."""

    stealth_options = ("stdin",)


@contextmanager
def service_errors() -> Iterator[None]:
    """Turn a service's refusal into a CommandError (exit status 1) carrying its reason."""
    try:
        yield
    except ServiceError as error:
        raise CommandError(error.reason) from error
    except UnknownScheme as error:
        raise CommandError(f"Unsupported password scheme {error}.") from error


def add_password_arguments(parser: CommandParser, *, allow_no_password: bool) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--password-file",
        metavar="FILE",
        help="read the password from FILE ('-' for standard input) instead of prompting",
    )
    if allow_no_password:
        source.add_argument(
            "--no-password",
            action="store_true",
            help="set no password: the account receives mail but cannot log in",
        )
    parser.add_argument(
        "--scheme",
        type=str.upper,
        choices=settings.PASSWORD_SCHEMES,
        help=f"password scheme (default {settings.PASSWORD_SCHEME})",
    )


def read_password(options: Mapping[str, Any], *, address: str) -> str:
    """The password from --password-file, or typed twice on a terminal."""
    stdin: TextIO = options.get("stdin") or sys.stdin
    source = options.get("password_file")
    if source == "-":
        return _one_line(stdin.read(), "standard input")
    if source:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read the password file {source}: {error}") from None
        return _one_line(text, source)
    if not stdin.isatty():
        raise CommandError(
            "No terminal to prompt for the password: use --password-file (or '-' for stdin)."
        )
    password = getpass.getpass(f"{address} Password: ")
    if getpass.getpass("Repeat password: ") != password:
        raise CommandError("The passwords do not match.")
    return password


def _one_line(text: str, source: str) -> str:
    password = text.removesuffix("\n").removesuffix("\r")
    if "\n" in password or "\r" in password:
        raise CommandError(f"The password in {source} must be on a single line.")
    return password


def parse_params(items: Sequence[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandError(f"Invalid --param {item!r}: expected KEY=VALUE.")
        params[key] = value
    return params


def show(value: object) -> str:
    """A value as the text listings print it."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """Left-aligned columns; the header line is part of the output."""
    cells = [list(header), *([show(v) for v in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )
