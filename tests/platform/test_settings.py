"""Settings: every knob documented, invalid values stop start-up naming the setting."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from mailplatform import config

ROOT = Path(__file__).resolve().parents[2]


def _start_django(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "mailplatform.settings", **env},
    )


def test_every_setting_read_from_the_environment_is_in_env_example():
    source = (ROOT / "mailplatform" / "settings.py").read_text()
    names = set(re.findall(r'env_\w+\(\s*"([A-Z0-9_]+)"', source))
    documented = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert names, "no settings found: the pattern is stale"
    assert names - documented == set()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IMAP_PORT", "not-a-port"),
        ("IMAP_PORT", "70000"),
        ("DEBUG", "perhaps"),
        ("PASSWORD_SCHEME", "ROT13"),
        ("DATABASE_URL", "nosuchdb://x"),
        ("MAX_MESSAGE_SIZE", "1"),
    ],
)
def test_invalid_setting_stops_start_up_naming_it(name, value, tmp_path):
    result = _start_django(**{name: value, "DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert f"Invalid setting {name}" in result.stderr


def test_valid_settings_start(tmp_path):
    result = _start_django(DATA_DIR=str(tmp_path), IMAP_PORT="143", DEBUG="yes")
    assert result.returncode == 0, result.stderr


def test_secret_key_is_generated_once_with_private_mode(tmp_path):
    assert _start_django(DATA_DIR=str(tmp_path)).returncode == 0
    key_file = tmp_path / "secret_key"
    first = key_file.read_text()
    assert _start_django(DATA_DIR=str(tmp_path)).returncode == 0
    assert key_file.read_text() == first
    assert key_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("15m", 900), ("48h", 172800), ("7d", 604800), ("2w", 1209600)],
)
def test_durations_parse(text, seconds):
    assert config.parse_duration(text) == seconds


def test_unknown_duration_unit_is_refused(monkeypatch):
    monkeypatch.setenv("SOME_GRACE", "3y")
    with pytest.raises(ImproperlyConfigured, match="SOME_GRACE"):
        config.env_duration("SOME_GRACE", 10)
