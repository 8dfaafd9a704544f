"""One module per group of verbs; each has `register(verbs, common)`, adding its sub-commands
with `run` set to a function that takes the Context and returns the exit status."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from mailplatform_admin.context import Context

Run = Callable[[Context], int]
Verbs = Any  # argparse's _SubParsersAction, which typeshed keeps private


def add(
    verbs: Verbs, name: str, run: Run, common: argparse.ArgumentParser, help_text: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = verbs.add_parser(
        name, parents=[common], help=help_text, description=help_text
    )
    parser.set_defaults(run=run)
    return parser


def group(
    verbs: Verbs, name: str, common: argparse.ArgumentParser, help_text: str
) -> argparse.ArgumentParser:
    """A verb whose own sub-commands (`folders ADDRESS list`) set `run`."""
    parser: argparse.ArgumentParser = verbs.add_parser(
        name, parents=[common], help=help_text, description=help_text
    )
    return parser
