"""The docker files and the run command name things that exist."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.core.management import get_commands

from mailplatform.management.commands.runplatform import platform_processes

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())


def test_compose_has_the_scaled_out_services():
    services = _compose()["services"]
    assert {"postgres", "redis", "migrate", "web", "imapd", "worker", "beat"} <= set(services)


def test_compose_management_commands_exist():
    commands = get_commands()
    for name, service in _compose()["services"].items():
        command = service.get("command") or []
        if command[:2] == ["python", "manage.py"]:
            assert command[2] in commands, (name, command)


def test_compose_points_platform_at_postgres_and_redis():
    env = _compose()["x-platform"]["environment"]
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["CELERY_BROKER_URL"].startswith("redis://")


def test_dockerfile_builds_from_the_pinned_requirements():
    text = (ROOT / "docker" / "Dockerfile").read_text()
    assert "requirements/base.txt" in text
    assert "USER mail" in text


def test_runplatform_starts_web_worker_beat_and_the_mail_daemon():
    processes = platform_processes()
    assert set(processes) == {"web", "worker", "beat", "imapd"}
    assert processes["imapd"].endswith("runimapd")
    assert "gunicorn" in processes["web"]
    assert " worker " in processes["worker"]
    assert " beat " in processes["beat"]


def test_compose_daemon_processes_wake_each_others_idle_sessions():
    compose = _compose()
    command = compose["services"]["imapd"]["command"]
    assert "--processes" in command
    assert compose["x-platform"]["environment"]["NOTIFY_URL"].startswith("redis://")
