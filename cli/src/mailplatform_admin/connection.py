"""Where the server is and which token to present.

Each connection setting comes from, in order: its command-line flag, its environment variable,
the config file written by `save-args`, the built-in default.

The token, in order:
  1. --token-file FILE
  2. $MAILPLATFORM_ADMIN_TOKEN (the token itself)
  3. $MAILPLATFORM_ADMIN_TOKEN_FILE
  4. token_file in the config file (`--token-file F save-args`)
  5. the token `login -s` saved: $XDG_CONFIG_HOME/mailplatform-admin/token
  6. on the platform's own machine (a loopback --url only): the operator's admin token,
     $MAILPLATFORM_DATA_DIR/admin-token, then $DATA_DIR/admin-token, then ./var/admin-token.
A file named by 1, 3 or 4 must be readable; 5 and 6 are skipped when absent. The operator's
token is never sent to another machine, which is why 6 needs a loopback URL.
"""

from __future__ import annotations

import configparser
import io
import ipaddress
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from mailplatform_admin.exits import USAGE, CommandFailed

APP: Final = "mailplatform-admin"
DEFAULT_URL: Final = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT: Final = 60.0
SECTION: Final = "connection"

ENV_URL: Final = "MAILPLATFORM_ADMIN_URL"
ENV_TOKEN: Final = "MAILPLATFORM_ADMIN_TOKEN"  # noqa: S105 (a variable's name)
ENV_TOKEN_FILE: Final = "MAILPLATFORM_ADMIN_TOKEN_FILE"  # noqa: S105
ENV_CAFILE: Final = "MAILPLATFORM_ADMIN_CAFILE"
ENV_VERIFY_CERT: Final = "MAILPLATFORM_ADMIN_VERIFY_CERT"
ENV_TIMEOUT: Final = "MAILPLATFORM_ADMIN_TIMEOUT"
DATA_DIR_VARIABLES: Final = ("MAILPLATFORM_DATA_DIR", "DATA_DIR")
ADMIN_TOKEN_NAME: Final = "admin-token"  # noqa: S105 (a file name)

# The flags `save-args` keeps, by their config-file key.
SAVED_KEYS: Final = ("url", "token_file", "cafile", "verify_cert", "timeout")


@dataclass(frozen=True)
class Settings:
    url: str
    token_file: Path | None  # where a token is read from and `login -s` saves to, when set
    cafile: str | None
    verify_cert: bool
    timeout: float

    @property
    def is_loopback(self) -> bool:
        host = urlsplit(self.url).hostname or ""
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


@dataclass(frozen=True)
class Token:
    secret: str
    source: str  # said in errors, so a refused token can be traced to where it came from


def config_dir(env: Mapping[str, str]) -> Path:
    """$XDG_CONFIG_HOME/mailplatform-admin; the XDG spec ignores a relative XDG_CONFIG_HOME."""
    base = env.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else _home(env) / ".config"
    return root / APP


def _home(env: Mapping[str, str]) -> Path:
    return Path(env["HOME"]) if env.get("HOME") else Path.home()


def config_file(env: Mapping[str, str]) -> Path:
    return config_dir(env) / f"{APP}.conf"


def saved_token_file(env: Mapping[str, str]) -> Path:
    return config_dir(env) / "token"


def load_saved(env: Mapping[str, str]) -> dict[str, str]:
    path = config_file(env)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as error:
        raise CommandFailed(f"Cannot read {path}: {error}") from None
    return dict(parser[SECTION]) if parser.has_section(SECTION) else {}


def save(values: Mapping[str, str], env: Mapping[str, str]) -> Path:
    """Replace the config file with these settings; returns its path."""
    parser = configparser.ConfigParser(interpolation=None)
    parser[SECTION] = dict(values)
    path = config_file(env)
    text = io.StringIO()
    parser.write(text)
    write_private(path, text.getvalue())
    return path


def write_private(path: Path, text: str) -> None:
    """Write atomically, readable by the owner only (0600) from the first byte."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def resolve(flags: Mapping[str, object], env: Mapping[str, str]) -> Settings:
    """Flags (None when not given) over environment over config file over defaults."""
    saved = load_saved(env)

    def pick(key: str, variable: str) -> str | None:
        flag = flags.get(key)
        if flag is not None:
            return str(flag)
        return env.get(variable) or saved.get(key) or None

    url = (pick("url", ENV_URL) or DEFAULT_URL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CommandFailed(f"Invalid server URL {url!r}: use http(s)://host[:port].", USAGE)
    token_file = pick("token_file", ENV_TOKEN_FILE)
    verify = pick("verify_cert", ENV_VERIFY_CERT)
    timeout = pick("timeout", ENV_TIMEOUT)
    return Settings(
        url=url,
        token_file=Path(token_file).expanduser() if token_file else None,
        cafile=pick("cafile", ENV_CAFILE),
        verify_cert=_boolean(verify, "verify_cert") if verify is not None else True,
        timeout=_seconds(timeout) if timeout is not None else DEFAULT_TIMEOUT,
    )


def _boolean(text: str, name: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise CommandFailed(f"Invalid {name} {text!r}: use true or false.", USAGE)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise CommandFailed(f"Invalid timeout {text!r}: use a number of seconds.", USAGE)
    return value


def find_token(
    settings: Settings, *, flag_file: object, env: Mapping[str, str], cwd: Path
) -> Token | None:
    """The token to present, in the order of this module's docstring; None when there is none."""
    if flag_file is not None:
        return _read_token(Path(str(flag_file)).expanduser(), "--token-file")
    if env.get(ENV_TOKEN):
        return Token(env[ENV_TOKEN].strip(), f"${ENV_TOKEN}")
    if env.get(ENV_TOKEN_FILE):
        return _read_token(Path(env[ENV_TOKEN_FILE]).expanduser(), f"${ENV_TOKEN_FILE}")
    if settings.token_file is not None:
        return _read_token(settings.token_file, config_file(env).name)
    optional = [saved_token_file(env)]
    if settings.is_loopback:
        data_dirs = [Path(env[name]) for name in DATA_DIR_VARIABLES if env.get(name)]
        optional += [cwd / d / ADMIN_TOKEN_NAME for d in (*data_dirs, Path("var"))]
    for path in optional:
        try:
            secret = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue  # absent, or the operator's and not readable by this user
        if secret:
            return Token(secret, str(path))
    return None


def _read_token(path: Path, named_by: str) -> Token:
    try:
        secret = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise CommandFailed(f"Cannot read the token file {path} ({named_by}): {error}") from None
    if not secret:
        raise CommandFailed(f"The token file {path} ({named_by}) is empty.")
    return Token(secret, str(path))


def token_save_path(settings: Settings, env: Mapping[str, str]) -> Path:
    """Where `login -s` writes: the configured token file, else the default saved token."""
    return settings.token_file or saved_token_file(env)
