"""The `mailplatform-admin` command, installed from ./cli into a throwaway virtualenv, run as
a subprocess against the platform served by a live server thread on 127.0.0.1.

pytest-django's SQLite test database is in memory; `LiveServer` hands this thread's connection
to the server thread, so what a test creates is what the command sees, and the reverse.
Layout: example.org with alice (password alice-pw-1), bob, and postmaster (role "admin");
the operator's admin token in <home>/var/admin-token.

Every run gets a fresh environment (no inherited DATA_DIR, proxies or tokens) and runs in a
temporary home directory, so nothing of the developer's own setup is picked up.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from pytest_django.live_server_helper import LiveServer

from accounts import services
from accounts.models import Account
from accounts.operator import ensure_operator_token

CLI_SOURCE = Path(__file__).resolve().parents[2] / "cli"


@pytest.fixture(scope="session")
def cli_executable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m venv` + `pip install ./cli`: the command as an operator would install it."""
    root = tmp_path_factory.mktemp("mailplatform-admin")
    # A copy, so the build leaves nothing (build/, *.egg-info) in the work tree.
    source = root / "cli"
    shutil.copytree(
        CLI_SOURCE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    venv = root / "venv"
    # Without a pip of its own (no ensurepip needed): this environment's pip installs into it.
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True
    )
    pip = subprocess.run(
        [
            sys.executable,
            *("-m", "pip", "--python", str(venv / "bin" / "python")),
            *("install", "--quiet", str(source)),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    if pip.returncode != 0:
        pytest.fail(f"pip install ./cli failed:\n{pip.stdout}\n{pip.stderr}")
    return venv / "bin" / "mailplatform-admin"


@dataclass
class Result:
    status: int
    stdout: str
    stderr: str

    @property
    def first_line(self) -> str:
        return self.stdout.splitlines()[0] if self.stdout else ""

    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclass
class Cli:
    """Runs the installed command with a clean environment in a temporary home."""

    executable: Path
    url: str
    home: Path
    env: dict[str, str] = field(default_factory=dict)

    def run(
        self,
        *args: str,
        stdin: str | bytes = b"",
        env: dict[str, str | None] | None = None,
        cwd: Path | None = None,
    ) -> Result:
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "MAILPLATFORM_ADMIN_URL": self.url,
            **self.env,
        }
        for key, value in (env or {}).items():
            if value is None:
                environment.pop(key, None)
            else:
                environment[key] = value
        done = subprocess.run(
            [str(self.executable), *args],
            input=stdin.encode() if isinstance(stdin, str) else stdin,
            capture_output=True,
            env=environment,
            cwd=cwd or self.home,
            timeout=120,
        )
        return Result(done.returncode, done.stdout.decode(), done.stderr.decode())


@dataclass(frozen=True)
class Platform:
    url: str
    operator_token: str
    alice: Account
    bob: Account
    postmaster: Account

    def token_for(self, account: Account) -> str:
        _token, secret = services.api_token_create(principal=account)
        return secret


@pytest.fixture
def platform(transactional_db, settings, tmp_path: Path) -> Iterator[Platform]:
    settings.BLOB_DIR = tmp_path / "blobs"
    settings.ADMIN_TOKEN_FILE = tmp_path / "home" / "var" / "admin-token"
    # Login throttling counts failures in the cache; account ids repeat between tests.
    cache.clear()
    domain = services.domain_create(name="example.org", acting_user=None)

    def make(local: str, **options: Any) -> Account:
        return services.account_create(
            domain=domain,
            local_part=local,
            password=f"{local}-pw-1",
            acting_user=None,
            **options,
        )

    alice, bob = make("alice"), make("bob")
    postmaster = make("postmaster", roles=["admin"])
    operator_token = ensure_operator_token()
    assert operator_token is not None
    server = LiveServer("127.0.0.1:0")
    try:
        yield Platform(server.url, operator_token, alice, bob, postmaster)
    finally:
        server.stop()


@pytest.fixture
def cli(cli_executable: Path, platform: Platform, tmp_path: Path) -> Cli:
    """The command in a home whose var/admin-token is the operator's (as on the platform's own
    machine), with no other configuration."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return Cli(executable=cli_executable, url=platform.url, home=home)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
