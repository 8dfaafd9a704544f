"""Expiry strings as mailadm writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailplatform.errors import ValidationFailed
from provisioning.expiry import expiry_deadline, expiry_seconds, normalize_expiry


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30m", 1800),
        ("1h", 3600),
        ("1d", 86400),
        ("1w", 604800),
        ("30d", 2592000),
        ("1y", 31536000),
        ("never", None),
        (" 2H ", 7200),
        ("NEVER", None),
    ],
)
def test_expiry_strings_give_their_lifetime_in_seconds(text, seconds):
    assert expiry_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "1", "0d", "-1d", "1x", "d", "1.5d", "01d", "999999y"])
def test_malformed_or_absurd_expiry_is_refused(text):
    with pytest.raises(ValidationFailed) as info:
        normalize_expiry(text)
    assert info.value.field == "expiry"


def test_deadline_is_now_plus_lifetime_and_none_for_never():
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert expiry_deadline("1w", now) == now + timedelta(weeks=1)
    assert expiry_deadline("never", now) is None
