"""Run the mail daemon: IMAP (plain with STARTTLS, implicit TLS, unix socket), LMTP and SMTP."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from imapd.daemon import BoundServer, DaemonOptions, serve
from imapd.prefork import START_FAILED, supervise


class Command(BaseCommand):
    help = "Serve IMAP, LMTP and SMTP on one event loop (options override the settings)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", help="Address to bind (IMAP_HOST).")
        for flag, setting in [
            ("--port", "IMAP_PORT"),
            ("--imaps-port", "IMAPS_PORT"),
            ("--lmtp-port", "LMTP_PORT"),
            ("--submission-port", "SUBMISSION_PORT"),
            ("--submissions-port", "SUBMISSIONS_PORT"),
            ("--smtp-port", "SMTP_PORT"),
        ]:
            parser.add_argument(
                flag,
                type=int,
                metavar="PORT",
                help=f"Overrides {setting}; 0 turns the listener off.",
            )
        parser.add_argument("--unix-socket", help="IMAP unix socket path (IMAP_UNIX_SOCKET).")
        parser.add_argument("--lmtp-unix-socket", help="LMTP unix socket (LMTP_UNIX_SOCKET).")
        parser.add_argument(
            "--processes",
            type=int,
            metavar="N",
            help="Worker processes sharing the listeners (DAEMON_PROCESSES); more than one "
            "needs NOTIFY_URL.",
        )
        parser.add_argument(
            "--demo-data",
            action="store_true",
            help="Create the demo login with a few messages before serving.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        processes = options["processes"]
        if processes is None:
            processes = settings.DAEMON_PROCESSES
        if processes < 1:
            raise CommandError("--processes must be at least 1.")
        if processes > 1 and not settings.NOTIFY_URL:
            raise CommandError(
                f"DAEMON_PROCESSES={processes} needs NOTIFY_URL (redis://...): without it an "
                "IDLE session would not see mail delivered by another process."
            )
        if options["demo_data"]:
            call_command("bootstrap", demo=True, skip_static=True, stdout=self.stdout)
        daemon_options = DaemonOptions.from_settings(
            host=options["host"],
            imap_port=options["port"],
            imaps_port=options["imaps_port"],
            lmtp_port=options["lmtp_port"],
            submission_port=options["submission_port"],
            submissions_port=options["submissions_port"],
            smtp_port=options["smtp_port"],
            imap_unix_socket=options["unix_socket"],
            lmtp_unix_socket=options["lmtp_unix_socket"],
        )

        def ready(bound: list[BoundServer]) -> None:
            for item in bound:
                self.stdout.write(f"{item.name} listening on {item.address}")
            self.stdout.flush()

        # The event loop, the ORM pool and the blob flushers take turns on the GIL; Python's
        # default 5 ms turn would keep a thread whose fsync is done (or a loop with a reply to
        # send) waiting behind another's work. Measured with bench/lmtp_delivery.py.
        sys.setswitchinterval(settings.DAEMON_SWITCH_INTERVAL_US / 1_000_000)
        if processes > 1:
            status = supervise(daemon_options, processes, on_ready=ready)
            if status == START_FAILED:
                raise CommandError("A daemon worker could not start (see the log above).")
            if status:
                raise CommandError("A daemon worker failed (see the log above).")
            return
        asyncio.run(serve(daemon_options, on_ready=ready))
