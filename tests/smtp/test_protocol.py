"""What the listeners add to aiosmtpd's protocol, tested below the level of a delivery."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from imapd.smtp import protocol
from imapd.smtp.lmtp import LmtpHandler, LmtpServer

PATHS = [
    "<alice@example.org>",
    "<Alice.Smith+news@Sub.Example.ORG> SIZE=1234 BODY=8BITMIME",
    "<a!#$%&'*+/=?^_`{|}~-b@x-y.example>",
    "<bob@localhost>",
    "<a@b.example>  SIZE=1",
    "<a@b.example>\tSIZE=1",
    "<a@b.example> (a comment) SIZE=1",
    "<a@b.example>(a comment)",
    '<"quoted local"@example.org>',
    "<a..b@example.org>",
    "<.a@example.org>",
    "<a@[192.0.2.1]>",
    "<@relay.example:alice@example.org>",
    "<ünïcode@exämple.org> SMTPUTF8",
    "alice@example.org",
    " <alice@example.org>",
    "<alice@example.org",
    "<alice @example.org>",
    "<alice@example..org>",
    "<>",
    "<alice>",
    "<(comment)alice@example.org>",
]


@pytest.fixture
def server():
    loop = asyncio.new_event_loop()
    yield LmtpServer(LmtpHandler(), loop=loop)
    loop.close()


@pytest.mark.parametrize("arg", PATHS)
def test_the_quick_path_reads_an_address_as_the_full_parser_does(server, arg, monkeypatch):
    quick = server._getaddr(arg)
    monkeypatch.setattr(protocol, "_SIMPLE_PATH", re.compile(r"(?!)"))  # never matches
    assert quick == server._getaddr(arg)


def test_the_quick_path_takes_the_usual_address(server, monkeypatch):
    def unused(*args: object) -> object:
        raise AssertionError("the full parser was used")

    monkeypatch.setattr(protocol, "get_angle_addr", unused)
    assert server._getaddr("<alice@example.org> SIZE=10") == ("alice@example.org", "SIZE=10")


def test_the_local_part_limit_holds_on_the_quick_path(server):
    server.local_part_limit = 5
    assert server._getaddr("<alice@example.org>") == ("alice@example.org", "")
    assert server._getaddr("<alice2@example.org>") == (None, None)


def test_an_idle_connection_is_closed_and_an_active_one_is_not():
    """The idle timeout, kept with one timer moved on lazily (`MailServer._reset_timeout`)."""

    async def scenario() -> tuple[float, float]:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: LmtpServer(LmtpHandler(), loop=loop, timeout=0.4), "127.0.0.1", 0
        )
        port = server.sockets[0].getsockname()[1]

        async def lifetime(commands: int) -> float:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            started = time.monotonic()
            await reader.readline()  # greeting
            for _ in range(commands):  # active: a command every 0.2 s, under the timeout
                await asyncio.sleep(0.2)
                writer.write(b"NOOP\r\n")
                await writer.drain()
                assert (await reader.readline()).startswith(b"250")
            while await reader.readline():  # then idle until the server closes
                pass
            writer.close()
            return time.monotonic() - started

        try:
            return await asyncio.wait_for(lifetime(0), 5), await asyncio.wait_for(lifetime(5), 5)
        finally:
            server.close()

    idle, active = asyncio.run(scenario())
    assert 0.35 < idle < 1.5
    assert 1.0 + 0.35 < active < 1.0 + 1.5  # 5 commands 0.2 s apart, then 0.4 s idle
