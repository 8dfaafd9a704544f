"""Health checks shared by /healthz and `manage.py ping`."""

from __future__ import annotations

from django.db import connection

from mailplatform.celery import app as celery_app


def check_database() -> str | None:
    """None when the database answers, else the error's class name (never its text: secrets)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means unhealthy
        return type(exc).__name__
    return None


def check_broker() -> str | None:
    """None when the Celery broker accepts a connection, else the error's class name."""
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return type(exc).__name__
    return None


def health_checks() -> dict[str, str | None]:
    return {"database": check_database(), "broker": check_broker()}
