"""What every command gets: its arguments, the output, and a client built on demand."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from mailplatform_admin.client import Client
from mailplatform_admin.connection import Settings, Token, find_token, resolve
from mailplatform_admin.output import Output

# The connection flags, by the name argparse gives them (and save-args keeps them under).
CONNECTION_FLAGS = ("url", "token_file", "cafile", "verify_cert", "timeout")


@dataclass
class Context:
    args: argparse.Namespace
    env: Mapping[str, str]
    cwd: Path
    out: Output
    token: Token | None = field(default=None, init=False)

    def flags(self) -> dict[str, object]:
        return {name: getattr(self.args, name) for name in CONNECTION_FLAGS}

    @cached_property
    def settings(self) -> Settings:
        return resolve(self.flags(), self.env)

    def client(self, *, authenticated: bool = True) -> Client:
        """A client; with `authenticated`, carrying the token found (see connection)."""
        if authenticated and self.token is None:
            self.token = find_token(
                self.settings, flag_file=self.args.token_file, env=self.env, cwd=self.cwd
            )
        return Client(self.settings, self.token if authenticated else None)
