"""Seeded fuzzing: whatever the bytes, parse_command returns a Command or raises ParseError."""

from __future__ import annotations

import random

from imapd.imap.commands import Command
from imapd.imap.framing import AssembledCommand, CommandAssembler, FramingError
from imapd.imap.parser import ParseError, parse_command

SEEDS = [
    b'a1 LOGIN {5}\r\nalice "p\\"w"\r\n',
    b"a2 UID FETCH 1:*,7 (UID FLAGS BODY.PEEK[1.2.HEADER.FIELDS (From To)]<0.512> BINARY[1]"
    b" BINARY.SIZE[2] ENVELOPE) (CHANGEDSINCE 5 VANISHED)\r\n",
    b"a3 SEARCH RETURN (MIN COUNT) CHARSET UTF-8 OR (FROM x SINCE 1-Jan-2024) NOT UID 1:3"
    b' HEADER X-Y {3}\r\nabc MODSEQ "/flags/\\\\seen" all 5 $ 2:* OLDER 5\r\n',
    b'a4 APPEND INBOX (\\Seen $x) " 1-Jan-2024 10:00:00 +0100" {3+}\r\nabc ~{2}\r\n\x00b\r\n',
    b"a5 UID STORE 1:3 (UNCHANGEDSINCE 9) -FLAGS.SILENT (\\Deleted \\Seen)\r\n",
    b'a6 SELECT "&AOk-" (CONDSTORE QRESYNC (1 2 3:5 (1:2 3:4)))\r\n',
    b'a7 LIST (SUBSCRIBED RECURSIVEMATCH) "" ("*" %) RETURN (CHILDREN STATUS (MESSAGES SIZE))\r\n',
    b"a8 CREATE x (USE (\\Drafts)) part\r\n",
    b"a9 SETACL INBOX bob +lrs\r\n",
    b'b1 SETQUOTA "" (STORAGE 512 MESSAGE 3)\r\n',
    b"b2 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n",
    b'b3 ID ("name" "x" "v" NIL)\r\n',
    b"b4 SORT (REVERSE DATE) UTF-8 ALL\r\n",
    b"b5 THREAD REFERENCES UTF-8 SUBJECT x\r\n",
    b"b6 RENAME a b p\r\n",
    b"b7 UID EXPUNGE 1:4\r\n",
    b"b8 STATUS INBOX (MESSAGES UIDNEXT MAILBOXID)\r\n",
    b"b9 ENABLE CONDSTORE\r\n",
    b"c1 GETQUOTAROOT INBOX\r\n",
    b"c2 LISTRIGHTS INBOX bob\r\n",
    b"c3 UID MOVE 1:* Trash\r\n",
]
TOKENS = [
    b"(",
    b")",
    b"[",
    b"]",
    b"<",
    b">",
    b"{",
    b"}",
    b"{0}\r\n",
    b"{3}\r\n",
    b"{99999999999}\r\n",
    b"~{2}\r\n",
    b"{2+}\r\n",
    b'"',
    b"\\",
    b"*",
    b"%",
    b"$",
    b":",
    b",",
    b".",
    b" ",
    b"  ",
    b"\r\n",
    b"\n",
    b"\x00",
    b"\xff",
    b"\xc3\xa9",
    b"NIL",
    b"0",
    b"4294967296",
    b"99999999999999999999999",
    b"1" * 5000,
    b"NOT ",
    b"OR ",
    b"UID ",
    b"BODY[",
    b"HEADER.FIELDS (",
    b"&",
    b"&-",
    b"&AOk",
    b"-",
    b"+",
    b"\\Seen",
    b"\\Recent",
    b"RETURN",
    b"CHARSET",
    b"=",
    b"(" * 100,
    b"NOT " * 100,
]


def mutate(rng: random.Random, data: bytes) -> bytes:
    for _ in range(rng.randint(1, 4)):
        choice = rng.randrange(6)
        pos = rng.randrange(len(data) + 1)
        if choice == 0 and data:
            data = data[:pos] + bytes([rng.randrange(256)]) + data[pos + 1 :]
        elif choice == 1:
            data = data[:pos] + rng.choice(TOKENS) + data[pos:]
        elif choice == 2:
            end = min(len(data), pos + rng.randint(1, 8))
            data = data[:pos] + data[end:]
        elif choice == 3:
            data = data[:pos]
        elif choice == 4:
            end = min(len(data), pos + rng.randint(1, 20))
            data = data[:pos] + data[pos:end] * rng.randint(2, 5) + data[end:]
        else:
            data = data + rng.choice(SEEDS)
    return data


def assemble_leniently(data: bytes) -> AssembledCommand | None:
    assembler = CommandAssembler(max_line_length=10_000, max_literal_size=10_000)
    pos = 0
    while pos < len(data):
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end + 1
        try:
            result = assembler.feed_line(data[pos:end])
        except FramingError:
            return None
        pos = end
        if isinstance(result, AssembledCommand):
            return result
        if pos + result.size > len(data):
            return None
        if result.discard:
            assembler.skip_literal()
        else:
            assembler.feed_literal(data[pos : pos + result.size])
        pos += result.size
    return None


def check(data: bytes | AssembledCommand) -> bool:
    """True if `data` parsed; False on ParseError; anything else propagates and fails the test."""
    try:
        command = parse_command(data)
    except ParseError as error:
        tag = error.tag
    else:
        assert isinstance(command, Command)
        return True
    assert tag is None or isinstance(tag, str)
    return False


def test_mutated_commands_only_ever_raise_parse_error():
    rng = random.Random(20240501)
    parsed = failed = 0
    for _ in range(10_000):
        data = mutate(rng, rng.choice(SEEDS))
        if check(data):
            parsed += 1
        else:
            failed += 1
        assembled = assemble_leniently(data)
        if assembled is not None:
            check(assembled)
    # Both outcomes occur, so the loop explored valid and invalid input alike.
    assert parsed > 250
    assert failed > 2_500


def test_random_bytes_only_ever_raise_parse_error():
    rng = random.Random(7)
    alphabet = b'ab1 ()[]{}<>"\\*%$:,.\r\n+~-=&' + bytes(range(0, 256, 17))
    for _ in range(5_000):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        check(b"a " + data)
        check(data)


def test_every_seed_parses():
    for seed in SEEDS:
        assert check(seed), seed
