"""LMTP delivery throughput: 5,000 varied messages over 1 connection, then over 8.

    .venv/bin/python bench/lmtp_delivery.py                 # SQLite in a throwaway DATA_DIR
    DATABASE_URL=postgres://... .venv/bin/python bench/lmtp_delivery.py   # an empty database
    .venv/bin/python bench/lmtp_delivery.py --dovecot       # Dovecot's LMTP, for comparison

The mail daemon runs as it does in production (`manage.py runimapd`, LMTP only) in its own
process, with every message's blob fsynced and its rows committed before its 250; the clients
are stdlib LMTP clients in this process, one thread per connection. Messages are generated
(plain and 8-bit text, HTML alternatives, base64 attachments, long lines, a NUL now and then,
1 KB to 60 KB) and spread over eight accounts. Each connection count runs `--rounds` times
(this machine's speed varies by a fifth from run to run); prints the median and every run.

The messages go to eight addresses, so after the first few every RCPT is answered from the
daemon's recipient cache (`imapd.smtp.recipient_cache`), as a busy address's would be;
`RECIPIENT_CACHE_SECONDS=0` in the environment measures a lookup in the database for each.

`--dovecot` sends the same messages, with the same clients, to Dovecot's LMTP server instead
(Debian's dovecot-core and dovecot-lmtpd; a throwaway configuration: Maildir, default
`mail_fsync = optimized`, which flushes each message before its 250), so that the platform
can be compared with it on the machine at hand.
"""

from __future__ import annotations

import argparse
import os
import random
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACCOUNTS = [f"user{n}" for n in range(8)]
DOMAIN = "bench.example"
WORDS = (  # noqa: SIM905  (a sentence reads better than a list of words)
    "invoice meeting report budget travel project release update weekly review lunch contract "
    "offer holiday photos question answer urgent reminder agenda draft notes quarterly planning "
    "launch feedback survey schedule delivery order receipt support café naïve Grüße"
).split()


def _text(rng: random.Random, lines: int) -> str:
    return "\r\n".join(" ".join(rng.choices(WORDS, k=rng.randint(4, 14))) for _ in range(lines))


def make_message(rng: random.Random, n: int) -> bytes:
    to = f"{rng.choice(ACCOUNTS)}@{DOMAIN}"
    head = (
        f"From: Sender {n % 97} <sender{n % 97}@example.com>\r\nTo: {to}\r\n"
        f"Subject: {' '.join(rng.sample(WORDS, 4))} #{n}\r\n"
        f"Date: Mon, 02 Jun 2025 10:{n % 60:02d}:00 +0200\r\n"
        f"Message-ID: <bench-{n}@example.com>\r\nMIME-Version: 1.0\r\n"
    )
    kind = n % 5
    if kind == 0:  # plain 8-bit text
        body = _text(rng, rng.randint(5, 80))
        return (
            head + "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n"
        ).encode()
    if kind == 1:  # text and HTML alternatives
        text = _text(rng, rng.randint(5, 40))
        html = "<html><body><p>" + text.replace("\r\n", "</p>\r\n<p>") + "</p></body></html>"
        return (
            head + 'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n'
            "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n"
            "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n--alt--\r\n"
        ).encode()
    if kind == 2:  # an attachment, base64 in 76-character lines
        import base64

        blob = rng.randbytes(rng.randint(1_000, 40_000))
        encoded = base64.encodebytes(blob).decode().replace("\n", "\r\n")
        return (
            head + 'Content-Type: multipart/mixed; boundary="mix"\r\n\r\n'
            "--mix\r\nContent-Type: text/plain\r\n\r\n" + _text(rng, 5) + "\r\n"
            "--mix\r\nContent-Type: application/octet-stream\r\n"
            'Content-Disposition: attachment; filename="data.bin"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n" + encoded + "--mix--\r\n"
        ).encode()
    if kind == 3:  # long lines, as some mailers send HTML
        line = " ".join(rng.choices(WORDS, k=rng.randint(300, 900)))
        return (head + "Content-Type: text/html; charset=utf-8\r\n\r\n" + line + "\r\n").encode()
    # latin-1 without declaring it, and a NUL: broken mail still arrives
    latin1 = _text(rng, rng.randint(3, 30)).encode("latin-1", "replace") + b"\r\nnul:\x00\r\n"
    return head.encode() + b"Content-Type: text/plain\r\n\r\n" + latin1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def manage(env: dict[str, str], *args: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


def prepare(env: dict[str, str]) -> None:
    setup = (
        "from accounts import services as s\n"
        f"d = s.domain_create(name={DOMAIN!r}, acting_user=None)\n"
        f"for name in {ACCOUNTS!r}:\n"
        "    s.account_create(domain=d, local_part=name, password=None, acting_user=None,"
        " quota_bytes=None)\n"
    )
    for args in (("migrate", "--verbosity", "0"), ("shell", "-c", setup)):
        if manage(env, *args).wait() != 0:
            raise SystemExit(f"manage.py {args[0]} failed")


@contextmanager
def daemon(env: dict[str, str], processes: int) -> Iterator[int]:
    port = free_port()
    process = manage(
        env,
        "runimapd",
        "--processes",
        str(processes),
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--imaps-port",
        "0",
        "--lmtp-port",
        str(port),
        "--submission-port",
        "0",
        "--submissions-port",
        "0",
        "--smtp-port",
        "0",
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("lmtp listening"):
                break
        else:
            raise SystemExit("the daemon did not start")
        yield port
    finally:
        process.terminate()
        process.wait(30)


DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = lmtp
ssl = no
listen = 127.0.0.1
default_internal_user = {user}
default_login_user = {user}
first_valid_uid = 1
mail_location = maildir:~/Maildir
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/mail/%d/%n allow_all_users=yes
}}
passdb {{
  driver = static
  args = nopassword=y
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {port}
  }}
}}
"""


@contextmanager
def dovecot(root: Path) -> Iterator[int]:
    """Dovecot's LMTP on a free loopback port, mail under `root` (as the `dovecot` user when
    run as root: Dovecot does not deliver as root)."""
    import grp
    import pwd
    import shutil

    if shutil.which("dovecot") is None:
        raise SystemExit("--dovecot needs Dovecot: apt-get install dovecot-core dovecot-lmtpd")
    account = pwd.getpwnam("dovecot") if os.geteuid() == 0 else pwd.getpwuid(os.getuid())
    group = grp.getgrgid(account.pw_gid).gr_name
    port = free_port()
    root.chmod(0o755)  # the mail user must reach its mail below
    (root / "mail").mkdir(parents=True)
    os.chown(root / "mail", account.pw_uid, account.pw_gid)
    config = root / "dovecot.conf"
    config.write_text(DOVECOT_CONF.format(root=root, user=account.pw_name, group=group, port=port))
    process = subprocess.Popen(["dovecot", "-F", "-c", str(config)])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"Dovecot did not start; see {root}/dovecot.log") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(30)


def run(port: int, messages: list[bytes], connections: int) -> float:
    shares = [messages[i::connections] for i in range(connections)]
    failures: list[str] = []
    barrier = threading.Barrier(connections + 1)

    def client(share: list[bytes]) -> None:
        lmtp = smtplib.LMTP("127.0.0.1", port, timeout=120)
        lmtp.ehlo("bench.client")
        barrier.wait()
        for raw in share:
            recipient = raw.split(b"\r\nTo: ", 1)[1].split(b"\r\n", 1)[0].decode()
            lmtp.mail("sender@example.com")
            lmtp.rcpt(recipient)
            code, text = lmtp.data(raw)
            if code != 250:
                failures.append(f"{code} {text!r}")
        lmtp.quit()

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} deliveries failed, e.g. {failures[0]}")
    return len(messages) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8])
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs per connection count; the median is reported"
    )
    parser.add_argument(
        "--dovecot", action="store_true", help="measure Dovecot's LMTP instead, for comparison"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="daemon worker processes (DAEMON_PROCESSES); more than 1 notifies through Redis"
        " on 127.0.0.1 unless NOTIFY_URL is set",
    )
    options = parser.parse_args()
    rng = random.Random(2033)
    messages = [make_message(rng, n) for n in range(options.messages)]
    size = sum(map(len, messages)) / len(messages)
    with tempfile.TemporaryDirectory(prefix="lmtp-bench-") as data_dir:
        if options.dovecot:
            print(f"{len(messages)} messages, {size / 1024:.1f} KB on average, Dovecot")
            with dovecot(Path(data_dir)) as port:
                report(port, messages, options)
            return
        env = {
            **os.environ,
            "DATA_DIR": data_dir,
            "DJANGO_SETTINGS_MODULE": "mailplatform.settings",
        }
        env.setdefault("DATABASE_URL", f"sqlite:///{data_dir}/db.sqlite3")
        env.setdefault("LOG_LEVEL", "WARNING")
        if options.processes > 1:
            env.setdefault("NOTIFY_URL", "redis://127.0.0.1:6379/15")
        engine = env["DATABASE_URL"].split(":", 1)[0]
        prepare(env)
        print(
            f"{len(messages)} messages, {size / 1024:.1f} KB on average, {engine},"
            f" {options.processes} daemon process(es),"
            f" RECIPIENT_CACHE_SECONDS={env.get('RECIPIENT_CACHE_SECONDS', '(default)')}"
        )
        with daemon(env, options.processes) as port:
            report(port, messages, options)


def report(port: int, messages: list[bytes], options: argparse.Namespace) -> None:
    for connections in options.connections:
        rates = sorted(run(port, messages, connections) for _ in range(options.rounds))
        runs = ", ".join(f"{rate:.0f}" for rate in rates)
        print(
            f"{connections} connection(s): {statistics.median(rates):.0f} messages/s"
            f" (median of {len(rates)}: {runs})"
        )


if __name__ == "__main__":
    main()
