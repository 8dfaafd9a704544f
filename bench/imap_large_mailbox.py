"""Time the large-mailbox operations of the IMAP targets against any server.

    .venv/bin/python bench/store_seed.py --messages 100000      # once (BENCH_PASSWORD=... set)
    .venv/bin/python manage.py runimapd --port 1143 &
    .venv/bin/python bench/imap_large_mailbox.py --port 1143 --user bench@bench.example \
        --password "$BENCH_PASSWORD" --mailbox INBOX --word invoice

Each operation runs once to warm up, then `--runs` times; the median wall time from sending the
command to receiving its tagged response (all response bytes read) is printed with the target.
The client is a raw socket reader that only looks for the tag, so its own cost stays small.
STORE runs are undone (-FLAGS) between runs, outside the timing.
"""

from __future__ import annotations

import argparse
import socket
import ssl
import statistics
import time

# Dovecot on this machine (warm, median of 3), from the issue; FETCH/STORE targets are 2x it.
TARGETS = {
    "SELECT": 0.31,
    "STATUS": 0.004,
    "UID SEARCH UNSEEN": 0.030,
    "SEARCH SUBJECT": 0.2,
    "UID FETCH 1:* (UID FLAGS)": 0.24,
    "FETCH 1:* (UID RFC822.SIZE INTERNALDATE ENVELOPE)": 1.9,
    "STORE 1:* +FLAGS (\\Seen)": 2.9,
}


class RawClient:
    def __init__(self, host: str, port: int, *, use_ssl: bool) -> None:
        sock = socket.create_connection((host, port))
        if use_ssl:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(sock, server_hostname=host)
        self.sock = sock
        self.buffer = b""
        self.counter = 0
        self._read_until(b"\r\n")  # greeting

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buffer += chunk
        end = self.buffer.index(marker) + len(marker)
        data, self.buffer = self.buffer[:end], self.buffer[end:]
        return data

    def command(self, text: str) -> tuple[float, bytes]:
        """Send one command; return (seconds until the tagged response ends, its tagged line)."""
        self.counter += 1
        tag = f"b{self.counter}".encode()
        started = time.perf_counter()
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        received = bytearray()
        # Scan only the new bytes for "\r\n<tag> " so that huge responses cost O(n).
        needle = b"\r\n" + tag + b" "
        while True:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("server closed the connection")
            start = max(0, len(received) - len(needle))
            received += chunk
            at = received.find(needle, start)
            if at == -1 and received.startswith(tag + b" "):
                at = -2
            if at != -1:
                line_start = 0 if at == -2 else at + 2
                if received.endswith(b"\r\n") and received.find(b"\r\n", line_start) != -1:
                    elapsed = time.perf_counter() - started
                    line = bytes(received[line_start:].split(b"\r\n", 1)[0])
                    if not line.split(b" ", 2)[1].startswith(b"OK"):
                        raise RuntimeError(f"{text!r} failed: {line!r}")
                    return elapsed, line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1143)
    parser.add_argument("--ssl", action="store_true")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--mailbox", default="INBOX")
    parser.add_argument("--word", default="invoice", help="A word for SEARCH SUBJECT.")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    client = RawClient(args.host, args.port, use_ssl=args.ssl)
    client.command(f'LOGIN "{args.user}" "{args.password}"')
    box = f'"{args.mailbox}"'
    operations: list[tuple[str, str, str | None]] = [
        ("SELECT", f"SELECT {box}", None),
        ("STATUS", f"STATUS {box} (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)", None),
        ("UID SEARCH UNSEEN", "UID SEARCH UNSEEN", None),
        ("SEARCH SUBJECT", f"SEARCH SUBJECT {args.word}", None),
        ("UID FETCH 1:* (UID FLAGS)", "UID FETCH 1:* (UID FLAGS)", None),
        (
            "FETCH 1:* (UID RFC822.SIZE INTERNALDATE ENVELOPE)",
            "FETCH 1:* (UID RFC822.SIZE INTERNALDATE ENVELOPE)",
            None,
        ),
        (
            "STORE 1:* +FLAGS (\\Seen)",
            "STORE 1:* +FLAGS (\\Seen)",
            "STORE 1:* -FLAGS.SILENT (\\Seen)",
        ),
    ]
    client.command(f"SELECT {box}")
    print(f"{'operation':<52} {'median s':>10} {'target s':>10}  verdict")
    for name, command, undo in operations:
        if undo:
            client.command(undo)
        client.command(command)  # warm-up
        timings = []
        for _ in range(args.runs):
            if undo:
                client.command(undo)
            timings.append(client.command(command)[0])
        median = statistics.median(timings)
        target = TARGETS[name]
        verdict = "ok" if median <= target else f"MISSED by {median / target:.1f}x"
        print(f"{name:<52} {median:>10.4f} {target:>10.3f}  {verdict}", flush=True)
    client.command("LOGOUT")


if __name__ == "__main__":
    main()
