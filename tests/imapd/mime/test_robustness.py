"""No input makes the MIME layer raise: mutated corpus messages and hostile structures."""

from __future__ import annotations

import json
import random

import pytest

from imapd.mime import (
    MessageSummary,
    SectionSpec,
    analyze,
    binary_size,
    body_contains,
    get_section,
    header_contains,
    text_contains,
)
from imapd.mime.structure import MAX_DEPTH, MAX_PARTS, parse_message
from tests.imapd.mime import corpus

SPECS = [
    SectionSpec(),
    SectionSpec((), "HEADER"),
    SectionSpec((), "TEXT"),
    SectionSpec((), "HEADER.FIELDS", ("From", "Content-Type")),
    SectionSpec((1,)),
    SectionSpec((1,), "MIME"),
    SectionSpec((2,), "HEADER"),
    SectionSpec((2, 1), "TEXT"),
    SectionSpec((2, 1, 1), "HEADER.FIELDS.NOT", ("Subject",)),
]
NOISE = [b"\x00", b"\r", b"\n", b"\r\n\r\n", b"--", b"=?utf-8?b?", b"(", b'"', b"<", b":", b"\xff"]


def _mutate(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 6)):
        if not data:
            data += rng.choice(NOISE)
            continue
        at = rng.randrange(len(data))
        action = rng.randrange(5)
        if action == 0:
            data[at] = rng.randrange(256)
        elif action == 1:
            del data[at : at + rng.randint(1, 40)]
        elif action == 2:
            data[at:at] = rng.choice(NOISE)
        elif action == 3:
            data[at:at] = data[rng.randrange(len(data)) :][: rng.randint(1, 200)]
        else:
            del data[at:]
    return bytes(data)


def _exercise(raw: bytes) -> MessageSummary:
    summary = analyze(raw)
    assert summary.size == len(raw)
    assert MessageSummary.from_json(json.loads(json.dumps(summary.to_json()))) == summary
    whole = get_section(raw, SectionSpec())
    assert len(whole) == len(raw)
    for spec in SPECS:
        assert len(get_section(raw, spec)) <= len(raw) + 4  # at most a line end and a blank line
    for path in [(), (1,), (2,), (1, 2)]:
        size = binary_size(raw, path)
        assert size is None or size >= 0
    body_contains(raw, "zz")
    text_contains(raw, "zz")
    header_contains(raw, "subject", "")
    return summary


@pytest.mark.parametrize("name", corpus.names())
def test_mutated_corpus_messages_never_raise(name: str) -> None:
    rng = random.Random(f"mime-fuzz-{name}")
    original = corpus.load(name)
    for _ in range(60):
        _exercise(_mutate(rng, original))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\r\n",
        b"\n\n\n",
        b"no colon and no line end",
        b" leading continuation\r\nSubject: x\r\n\r\nbody",
        b'Content-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n--\r\n',
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b",
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--",
        b"Content-Type: message/rfc822\r\n\r\n",
        b"Subject: \x00\xff\xfe =?utf-8?q?=FF?=\r\nFrom: <<<@@@>>>,;:\r\n\r\n\x00",
        b"Content-Type: text/plain; charset=idna\r\n\r\n\xff",
        b"Date: Mon, 7 Feb 99999 21:52:25 -0800\r\n\r\n",
        b"x" * 2_000_000,
    ],
)
def test_degenerate_messages_do_not_raise(raw: bytes) -> None:
    _exercise(raw)


def test_deep_nesting_stops_opening_parts_at_the_depth_limit() -> None:
    depth = MAX_DEPTH * 3
    header = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(depth)
    )
    raw = header + b"Content-Type: text/plain\r\n\r\ndeep\r\n"
    summary = _exercise(raw)
    levels, node = 0, parse_message(raw)
    while node.children:
        node, levels = node.children[0], levels + 1
    assert levels == MAX_DEPTH
    assert summary.bodystructure[-5] == "mixed"


def test_deep_message_rfc822_nesting_does_not_overflow_the_stack() -> None:
    raw = b"Content-Type: message/rfc822\r\n\r\n" * (MAX_DEPTH * 5) + b"Subject: x\r\n\r\nbody\r\n"
    _exercise(raw)


def test_the_number_of_parts_is_bounded() -> None:
    parts = b"".join(b"--b\r\n\r\n%d\r\n" % i for i in range(MAX_PARTS + 500))
    raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + parts + b"--b--\r\n"
    root = parse_message(raw)
    assert root.children is not None
    assert MAX_PARTS - 2 <= len(root.children) < MAX_PARTS
