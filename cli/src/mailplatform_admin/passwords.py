"""Passwords from a terminal (without echo), a file or standard input; never printed."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from mailplatform_admin.exits import CommandFailed


def add_arguments(parser: argparse.ArgumentParser, *, allow_none: bool = False) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "-i", "--stdin", action="store_true", help="read the password from standard input"
    )
    source.add_argument("--password-file", metavar="FILE", help="read the password from FILE")
    if allow_none:
        source.add_argument(
            "--no-password",
            action="store_true",
            help="send no password: a new account cannot log in yet; an existing one keeps its",
        )


def read(args: argparse.Namespace, *, username: str, confirm: bool) -> str:
    if args.stdin:
        return _one_line(sys.stdin.readline(), "standard input")
    if args.password_file:
        try:
            text = Path(args.password_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandFailed(f"Cannot read {args.password_file}: {error}") from None
        return _one_line(text, args.password_file)
    if not sys.stdin.isatty():
        raise CommandFailed("No terminal to prompt for the password: use -i or --password-file.")
    password = getpass.getpass(f"{username} Password: ")
    if confirm and getpass.getpass("Repeat password: ") != password:
        raise CommandFailed("The passwords do not match.")
    return password


def _one_line(text: str, source: str) -> str:
    password = text.removesuffix("\n").removesuffix("\r")
    if not password:
        raise CommandFailed(f"No password in {source}.")
    if "\n" in password or "\r" in password:
        raise CommandFailed(f"The password in {source} must be on a single line.")
    return password
