"""Feeding wire bytes through the framing layer, as the server will."""

from __future__ import annotations

from typing import Any

from imapd.imap.framing import AssembledCommand, CommandAssembler
from imapd.imap.parser import parse_command


def assemble(wire: bytes) -> AssembledCommand:
    """Split `wire` (one command as a client sends it) into lines and literals."""
    assembler = CommandAssembler(max_line_length=100_000, max_literal_size=1_000_000)
    pos = 0
    while True:
        end = wire.index(b"\n", pos) + 1
        result = assembler.feed_line(wire[pos:end])
        pos = end
        if isinstance(result, AssembledCommand):
            assert pos == len(wire), "wire holds more than one command"
            return result
        assembler.feed_literal(wire[pos : pos + result.size])
        pos += result.size


def parse(wire: bytes) -> Any:
    """Parse `wire` both raw and assembled; the two must agree."""
    direct = parse_command(wire)
    assert parse_command(assemble(wire)) == direct
    return direct
