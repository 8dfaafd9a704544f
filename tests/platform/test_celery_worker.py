"""A real Celery worker process executes a task sent through the default (filesystem) broker."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from mailplatform.celery import app as celery_app
from mailplatform.tasks import heartbeat


def _worker_database_url() -> str | None:
    """Point the worker at this run's test database on PostgreSQL (SQLite: its own file)."""
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        return None
    user = f"{db['USER']}@" if db["USER"] else ""
    return f"postgres://{user}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.slow
@pytest.mark.django_db
def test_real_worker_runs_heartbeat_through_the_default_broker(tmp_path):
    assert settings.CELERY_BROKER_URL == "filesystem://"
    assert not celery_app.conf.task_always_eager
    env = {**os.environ, "DATA_DIR": str(settings.DATA_DIR)}
    database_url = _worker_database_url()
    if database_url:
        env["DATABASE_URL"] = database_url
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mailplatform",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        result = heartbeat.delay().get(timeout=90)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
    assert result["status"] == "ok"
    # The task ran in the worker process, not in this one (no eager mode).
    assert result["pid"] == worker.pid != os.getpid()
