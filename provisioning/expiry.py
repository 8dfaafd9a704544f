"""Account lifetimes as mailadm writes them: `30m`, `1h`, `1d`, `1w`, `30d`, `1y` or `never`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Final

from mailplatform.errors import ValidationFailed

NEVER: Final = "never"
UNIT_SECONDS: Final = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
# A bound far beyond any sensible lifetime, so a typo cannot overflow a datetime.
MAX_SECONDS: Final = 100 * UNIT_SECONDS["y"]
_EXPIRY_RE = re.compile(r"^([1-9][0-9]{0,5})([mhdwy])$")


def normalize_expiry(text: str, *, field: str = "expiry") -> str:
    """The canonical spelling of an expiry; ValidationFailed when it is not one."""
    value = text.strip().lower()
    if value == NEVER:
        return NEVER
    match = _EXPIRY_RE.match(value)
    if match is None or int(match[1]) * UNIT_SECONDS[match[2]] > MAX_SECONDS:
        raise ValidationFailed(
            f"{text!r} is not an expiry: use a number and m, h, d, w or y (e.g. 1d), or never.",
            field=field,
        )
    return value


def expiry_seconds(text: str) -> int | None:
    """The lifetime in seconds, None for `never`."""
    value = normalize_expiry(text)
    if value == NEVER:
        return None
    return int(value[:-1]) * UNIT_SECONDS[value[-1]]


def expiry_deadline(text: str, now: datetime) -> datetime | None:
    seconds = expiry_seconds(text)
    return None if seconds is None else now + timedelta(seconds=seconds)
