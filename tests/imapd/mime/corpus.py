"""The test message corpus and Dovecot's recorded answers about it.

The .eml files are written with LF line ends to stay readable and are loaded as CRLF, as the
store keeps them; files named *.lf.eml are loaded as they are, to exercise bare-LF input.

messages/dovecot-answers.json holds what Dovecot 2.3.19.1 answered for every corpus message
(ENVELOPE, BODY, BODYSTRUCTURE, RFC822.SIZE, BODY[section] and BINARY[part] for many sections),
recorded by running its imap binary in preauth mode on a private maildir. Strings there are the
octets Dovecot sent, read as ISO-8859-1; a BINARY answer of null is NO [UNKNOWN-CTE]. Dovecot
treats bare LF as CRLF, so the *.lf.eml answers are those for the CRLF-normalised message.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from imapd.mime import SectionSpec
from imapd.mime.headers import header_text

MESSAGES = Path(__file__).parent / "messages"


def load(name: str) -> bytes:
    data = (MESSAGES / name).read_bytes()
    return data if name.endswith(".lf.eml") else data.replace(b"\n", b"\r\n")


def names() -> list[str]:
    return sorted(path.name for path in MESSAGES.glob("*.eml"))


@cache
def dovecot_answers() -> dict[str, Any]:
    answers: dict[str, Any] = json.loads((MESSAGES / "dovecot-answers.json").read_text())
    return answers["messages"]


def as_text(tree: Any) -> Any:
    """Dovecot's octets (latin-1 view) decoded the way our trees hold header text."""
    if isinstance(tree, list):
        return [as_text(item) for item in tree]
    if isinstance(tree, str):
        return header_text(tree.encode("latin-1"))
    return tree


def as_bytes(text: str) -> bytes:
    return text.encode("latin-1")


def section_spec(key: str) -> SectionSpec:
    """Parse a recorded section key such as "2.1.HEADER.FIELDS (Subject From)"."""
    spec, _, names_part = key.partition(" (")
    field_names = tuple(names_part.rstrip(")").split()) if names_part else ()
    numbers: list[int] = []
    words = spec.split(".") if spec else []
    while words and words[0].isdigit():
        numbers.append(int(words.pop(0)))
    return SectionSpec(tuple(numbers), ".".join(words) or None, field_names)


def binary_path(key: str) -> tuple[int, ...]:
    return tuple(int(number) for number in key.split(".") if number)
