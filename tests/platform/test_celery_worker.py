"""A real Celery worker process executes a task sent through the default (filesystem) broker."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

from mailplatform.celery import app as celery_app
from mailplatform.tasks import heartbeat


@pytest.mark.slow
def test_real_worker_runs_heartbeat_through_the_default_broker(tmp_path, shared_database):
    assert settings.CELERY_BROKER_URL == "filesystem://"
    assert not celery_app.conf.task_always_eager
    env = {**os.environ, "DATA_DIR": str(settings.DATA_DIR), **shared_database.env}
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
