"""Run the whole platform in the foreground: web server, Celery worker and beat, mail daemon.

One supervisor (honcho) starts them, prefixes their output, and on Ctrl-C or when any of them
exits stops all of them.
"""

from __future__ import annotations

import os
import shlex
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from honcho.manager import Manager
from honcho.printer import Printer


def platform_processes() -> dict[str, str]:
    python = shlex.quote(sys.executable)
    manage = shlex.quote(str(settings.BASE_DIR / "manage.py"))
    return {
        "web": f"{python} -m gunicorn mailplatform.wsgi --bind {shlex.quote(settings.WEB_BIND)} "
        f"--workers {settings.WEB_WORKERS} --access-logfile - --graceful-timeout 5 "
        "--no-control-socket",
        "worker": f"{python} -m celery -A mailplatform worker --loglevel INFO "
        f"--concurrency {settings.WORKER_CONCURRENCY} --hostname worker@%h",
        "beat": f"{python} -m celery -A mailplatform beat --loglevel INFO "
        f"--schedule {shlex.quote(settings.CELERY_BEAT_SCHEDULE_FILENAME)}",
        "imapd": f"{python} {manage} runimapd",
    }


class Command(BaseCommand):
    help = "Run web server, Celery worker and beat, and the mail daemon until Ctrl-C."

    def handle(self, *args: Any, **options: Any) -> None:
        manager = Manager(Printer(sys.stdout, colour=sys.stdout.isatty()))
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for name, cmd in platform_processes().items():
            manager.add_process(name, cmd, env=env, cwd=str(settings.BASE_DIR))
        manager.loop()
        sys.exit(manager.returncode)
