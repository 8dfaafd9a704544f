"""`runimapd --processes N`: a supervisor and N workers sharing the listeners (imapd.prefork)."""

from __future__ import annotations

import imaplib
import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from accounts import services as account_services
from imapd.store import notifier
from imapd.store.notifier import Hub, backend_from_url
from tests.imapd.server.clients import TIMEOUT, message
from tests.imapd.server.conftest import PASSWORD

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(p) for p in (task / "children").read_text().split())
    return found


def _runimapd(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "runimapd", "--host", "127.0.0.1", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "mailplatform.settings", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@dataclass
class Supervised:
    process: subprocess.Popen[str]
    imap_port: int
    lmtp_port: int
    output: list[str]
    notify_url: str

    def workers(self, count: int) -> set[int]:
        """The worker pids, once there are `count` of them."""
        deadline = time.monotonic() + 30
        while len(found := _children(self.process.pid)) != count:
            assert time.monotonic() < deadline, f"workers: {found}"
            time.sleep(0.1)
        return found


@pytest.fixture
def supervised(imap_db, alice, tmp_path: Path) -> Iterator[Supervised]:
    imap_port, lmtp_port = _free_port(), _free_port()
    notify_url = f"redis://127.0.0.1:6379/14?channel=test-prefork-{uuid.uuid4().hex}"
    env = {
        **imap_db.env,
        "DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": "INFO",
        "NOTIFY_URL": notify_url,
        # Long enough that only a notification explains a recipient forgotten within a test.
        "RECIPIENT_CACHE_SECONDS": "3600",
    }
    process = _runimapd(
        env,
        "--processes",
        "2",
        "--port",
        str(imap_port),
        "--lmtp-port",
        str(lmtp_port),
        *("--imaps-port", "0", "--submission-port", "0", "--submissions-port", "0"),
    )
    output: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line)
        if line.startswith("lmtp listening"):
            break
    else:
        pytest.fail("the daemon did not start:\n" + "".join(output))
    reader = threading.Thread(target=lambda: output.extend(process.stdout or []), daemon=True)
    reader.start()
    yield Supervised(process, imap_port, lmtp_port, output, notify_url)
    if process.poll() is None:
        process.terminate()  # the supervisor stops its workers
        process.wait(30)


def _deliver(port: int, subject: str) -> tuple[int, bytes]:
    with smtplib.LMTP("127.0.0.1", port, timeout=TIMEOUT) as lmtp:
        lmtp.ehlo("mta.test")
        lmtp.mail("bob@example.net")
        lmtp.rcpt("alice@example.org")
        return lmtp.data(message(subject))


def test_workers_share_the_ports_and_stop_with_the_supervisor(supervised):
    workers = supervised.workers(2)
    # 16 deliveries over 8 connections at once: spread over both workers, every one stored.
    replies: list[tuple[int, bytes]] = []
    threads = [
        threading.Thread(
            target=lambda n=n: replies.extend(
                _deliver(supervised.lmtp_port, f"m{n}-{i}") for i in range(2)
            )
        )
        for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [code for code, _ in replies] == [250] * 16, "".join(supervised.output)
    client = imaplib.IMAP4("127.0.0.1", supervised.imap_port, timeout=TIMEOUT)
    client.login("alice@example.org", PASSWORD)
    client.select("INBOX")
    _, data = client.uid("SEARCH", "ALL")
    assert sorted(map(int, data[0].split())) == list(range(1, 17))
    client.logout()

    supervised.process.send_signal(signal.SIGTERM)
    assert supervised.process.wait(30) == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
    assert sum("serving" in line for line in supervised.output) == 2


def test_a_worker_that_dies_is_replaced(supervised):
    first, second = sorted(supervised.workers(2))
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while first in (now := _children(supervised.process.pid)) or len(now) != 2:
        assert time.monotonic() < deadline, f"not replaced: {now}"
        time.sleep(0.1)
    assert second in now
    # Whichever worker a connection reaches (the replacement took the dead one's socket).
    assert [_deliver(supervised.lmtp_port, f"after-{n}")[0] for n in range(6)] == [250] * 6


def test_idle_sees_deliveries_made_by_any_worker(supervised):
    supervised.workers(2)
    client = imaplib.IMAP4("127.0.0.1", supervised.imap_port, timeout=TIMEOUT)
    client.login("alice@example.org", PASSWORD)
    client.select("INBOX")
    tag = client._new_tag()  # imaplib has no IDLE: the command is sent by hand
    client.send(tag + b" IDLE\r\n")
    assert client.readline().startswith(b"+")
    # Each delivery on a new connection: with two workers, some reach the other process.
    for n in range(8):
        assert _deliver(supervised.lmtp_port, f"idle-{n}")[0] == 250
    # (Changes close together may come as one EXISTS: wait for the last count.)
    line = b""
    while line != b"* 8 EXISTS\r\n":
        line = client.readline()
        assert line, "the connection closed"
    client.send(b"DONE\r\n")
    client.logout()


def _rcpt(port: int, address: str) -> int:
    with smtplib.LMTP("127.0.0.1", port, timeout=TIMEOUT) as lmtp:
        lmtp.ehlo("mta.test")
        lmtp.mail("bob@example.net")
        return lmtp.rcpt(address)[0]


def test_an_account_disabled_elsewhere_is_refused_by_every_worker_at_once(supervised, alice):
    """Each worker caches the recipients it accepted; a change made in another process (the
    web, a Celery task) reaches them all through NOTIFY_URL's Redis."""
    supervised.workers(2)
    # Enough connections that both workers accept (and remember) alice.
    assert [_rcpt(supervised.lmtp_port, "alice@example.org") for _ in range(8)] == [250] * 8
    hub = Hub(backend_from_url(supervised.notify_url))
    previous = notifier.hub_replace(hub)
    try:
        account_services.account_update(account=alice, is_active=False, acting_user=None)
    finally:
        notifier.hub_replace(previous)
        hub.close()
    deadline = time.monotonic() + 5
    while (codes := [_rcpt(supervised.lmtp_port, "alice@example.org") for _ in range(8)]) != [
        550
    ] * 8:
        assert time.monotonic() < deadline, f"still accepted: {codes}"
        time.sleep(0.05)


def test_workers_stop_when_the_supervisor_is_killed(supervised):
    workers = supervised.workers(2)
    supervised.process.kill()
    supervised.process.wait(30)
    deadline = time.monotonic() + 30
    while alive := [pid for pid in workers if Path(f"/proc/{pid}").exists()]:
        assert time.monotonic() < deadline, f"orphaned workers: {alive}"
        time.sleep(0.1)


def test_several_processes_need_notify_url(tmp_path: Path):
    process = _runimapd(
        {"DATA_DIR": str(tmp_path), "NOTIFY_URL": ""}, "--processes", "2", "--port", "0"
    )
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 1
    assert "DAEMON_PROCESSES=2 needs NOTIFY_URL" in output
