"""Typed, validated readers for settings from the environment (and an optional `.env`).

django-environ does the parsing; this module adds one thing it lacks: an invalid value stops
start-up with `ImproperlyConfigured` naming the setting and what was expected, instead of a bare
`ValueError` from deep inside a cast.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import environ
from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")

env = environ.Env()


def read_env_file(path: Path) -> None:
    """Load `KEY=value` lines from `path` (when it exists) without overriding real variables."""
    if path.is_file():
        environ.Env.read_env(str(path), overwrite=False)


def _read(name: str, default: T, parse: Callable[[str], T], expected: str) -> T:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse(raw)
    except (ValueError, TypeError, KeyError, ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(
            f"Invalid setting {name}={raw!r}: expected {expected} ({exc})"
        ) from None


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("not a boolean")


def env_str(name: str, default: str) -> str:
    return _read(name, default, str, "a string")


def env_bool(name: str, default: bool) -> bool:
    return _read(name, default, _parse_bool, "true or false")


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    def parse(raw: str) -> int:
        value = int(raw)
        if minimum is not None and value < minimum:
            raise ValueError(f"must be at least {minimum}")
        if maximum is not None and value > maximum:
            raise ValueError(f"must be at most {maximum}")
        return value

    return _read(name, default, parse, "an integer")


def env_port(name: str, default: int) -> int:
    """A TCP port; 0 turns the listener off."""
    return env_int(name, default, minimum=0, maximum=65535)


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    def parse(raw: str) -> str:
        value = raw.strip()
        if value.upper() in (c.upper() for c in choices):
            return next(c for c in choices if c.upper() == value.upper())
        raise ValueError("not one of the choices")

    return _read(name, default, parse, "one of " + ", ".join(choices))


def env_list(name: str, default: list[str]) -> list[str]:
    return _read(
        name,
        default,
        lambda raw: [p.strip() for p in raw.split(",") if p.strip()],
        "a comma-separated list",
    )


def env_path(name: str, default: Path, base: Path) -> Path:
    """A filesystem path; relative paths are taken relative to `base`."""
    path = _read(name, default, Path, "a path")
    return path if path.is_absolute() else (base / path)


def env_duration(name: str, default: int) -> int:
    """A duration in seconds, written as `90`, `90s`, `15m`, `48h`, `7d` or `2w`."""
    return _read(name, default, parse_duration, "a duration such as 90s, 15m, 48h or 7d")


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(raw: str) -> int:
    text = raw.strip().lower()
    if text.isdigit():
        return int(text)
    number, unit = text[:-1], text[-1:]
    if unit not in _UNITS or not number.isdigit():
        raise ValueError("unknown duration")
    return int(number) * _UNITS[unit]


def env_db(name: str, default: str) -> dict[str, Any]:
    def parse(raw: str) -> dict[str, Any]:
        scheme = raw.split("://", 1)[0]
        if scheme not in environ.Env.DB_SCHEMES:
            raise ValueError(f"unknown database scheme {scheme!r}")
        config = env.db_url_config(raw)
        return dict(config)

    return _read(name, parse(default), parse, "a database URL such as postgres://user@host/db")


def env_cache(name: str, default: str) -> dict[str, Any]:
    def parse(raw: str) -> dict[str, Any]:
        scheme = raw.split("://", 1)[0]
        if scheme not in environ.Env.CACHE_SCHEMES:
            raise ValueError(f"unknown cache scheme {scheme!r}")
        return dict(env.cache_url_config(raw))

    return _read(name, parse(default), parse, "a cache URL such as redis://host:6379/0")


def env_url(name: str, default: str, schemes: tuple[str, ...]) -> str:
    """A URL whose scheme is one of `schemes` (or empty, when the default is empty)."""

    def parse(raw: str) -> str:
        scheme = raw.split("://", 1)[0].lower() if "://" in raw else ""
        if scheme not in schemes:
            raise ValueError(f"unsupported scheme {scheme!r}")
        return raw

    return _read(name, default, parse, "a URL with scheme " + ", ".join(f"{s}://" for s in schemes))
