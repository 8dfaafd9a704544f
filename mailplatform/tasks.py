"""Platform-wide Celery tasks."""

from __future__ import annotations

import os

from celery import shared_task
from django.db import connection
from django.utils import timezone


@shared_task(name="mailplatform.tasks.heartbeat")
def heartbeat() -> dict[str, str | int]:
    """Proves a worker is alive and can reach the database; beat runs it every five minutes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "at": timezone.now().isoformat(), "pid": os.getpid()}
