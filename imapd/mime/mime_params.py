"""Structured MIME header values: Content-Type and Content-Disposition with their parameters
(RFC 2045 5.1, RFC 2183, RFC 2231 continuations), Content-Language (RFC 3282) and the
Content-Transfer-Encoding token.

What comes out follows Dovecot, because clients compare our BODYSTRUCTURE with what they know:
type, subtype and parameter names keep the case of the message; comments are dropped; RFC 2231
continuations ("name*0", "name*1") are merged into one parameter, listed after the ordinary ones
and named "name*" when any piece is charset-encoded (the value stays percent-encoded); a
parameter with an unterminated quoted string is dropped. Unquoted values are read up to the next
";" or blank, so that the common unquoted boundaries containing "=" or "/" still work.
"""

from __future__ import annotations

import re

Params = list[tuple[str, str]]

_BLANKS_RE = re.compile(r"[ \t\r\n]*")
_TOKEN_RE = re.compile(r'[^()<>@,;:\\"/\[\]?=\s\x00-\x1f\x7f]*')
_BARE_VALUE_RE = re.compile(r'[^;"(\s]*')
_CONTINUATION_RE = re.compile(r"^([^*]*)\*(?:([0-9]{1,4})\*?)?$")


class _Scanner:
    __slots__ = ("pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_cfws(self) -> None:
        while True:
            self.pos = _BLANKS_RE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if not self.text.startswith("(", self.pos):
                return
            self._skip_comment()

    def _skip_comment(self) -> None:
        depth = 0
        text, n = self.text, len(self.text)
        while self.pos < n:
            char = text[self.pos]
            self.pos += 1
            if char == "\\":
                self.pos += 1
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0:
                    return

    def token(self) -> str:
        start = self.pos
        self.pos = _TOKEN_RE.match(self.text, start).end()  # type: ignore[union-attr]
        return self.text[start : self.pos]

    def value(self) -> str | None:
        """A parameter value: a quoted string (None if unterminated) or a lenient bare word."""
        text, n = self.text, len(self.text)
        if self.peek() != '"':
            start = self.pos
            self.pos = _BARE_VALUE_RE.match(text, start).end()  # type: ignore[union-attr]
            return text[start : self.pos]
        self.pos += 1
        out: list[str] = []
        while self.pos < n:
            char = text[self.pos]
            self.pos += 1
            if char == '"':
                return "".join(out)
            if char == "\\" and self.pos < n:
                char = text[self.pos]
                self.pos += 1
            out.append(char)
        return None

    def skip_to(self, char: str) -> None:
        found = self.text.find(char, self.pos)
        self.pos = len(self.text) if found < 0 else found

    def skip_past(self, char: str) -> None:
        self.skip_to(char)
        self.pos = min(self.pos + 1, len(self.text))


def _parameters(scanner: _Scanner) -> Params:
    found: Params = []
    while True:
        scanner.skip_cfws()
        if scanner.at_end():
            break
        if scanner.peek() != ";":
            scanner.skip_to(";")  # junk before the next parameter
            continue
        scanner.pos += 1
        scanner.skip_cfws()
        name = scanner.token()  # may be empty: Dovecot reports "=v" as ("", "v")
        scanner.skip_cfws()
        if scanner.peek() != "=":
            continue
        scanner.pos += 1
        scanner.skip_cfws()
        value = scanner.value()
        if value is None:
            break
        found.append((name, value))
    return _merge_continuations(found)


def _merge_continuations(found: Params) -> Params:
    plain: Params = []
    pieces: list[tuple[str, int, str, bool, str]] = []  # (sort key, index, base, encoded, value)
    for name, value in found:
        match = _CONTINUATION_RE.match(name) if "*" in name else None
        if match is None or not match.group(1):
            plain.append((name, value))
            continue
        base, index = match.group(1), match.group(2)
        pieces.append((base.lower(), int(index or 0), base, name.endswith("*"), value))
    if not pieces:
        return plain
    pieces.sort(key=lambda piece: (piece[0], piece[1]))
    merged: list[tuple[str, bool, list[str]]] = []
    last_key = None
    for key, _index, base, encoded, value in pieces:
        if key != last_key:
            merged.append((base, encoded, [value]))
            last_key = key
        else:
            name, was_encoded, values = merged[-1]
            values.append(value)
            merged[-1] = (name, was_encoded or encoded, values)
    return plain + [(base + ("*" if enc else ""), "".join(parts)) for base, enc, parts in merged]


def parse_content_type(text: str) -> tuple[str, str, Params] | None:
    """(type, subtype, params) as written; None when there is no type (the default applies)."""
    scanner = _Scanner(text)
    scanner.skip_cfws()
    main = scanner.token()
    if not main:
        return None
    scanner.skip_cfws()
    sub = ""
    if scanner.peek() == "/":
        scanner.pos += 1
        scanner.skip_cfws()
        sub = scanner.token()
    return main, sub, _parameters(scanner)


def parse_disposition(text: str) -> tuple[str, Params] | None:
    scanner = _Scanner(text)
    scanner.skip_cfws()
    kind = scanner.token()
    if not kind:
        return None
    return kind, _parameters(scanner)


def parse_language(text: str) -> list[str] | None:
    tags: list[str] = []
    scanner = _Scanner(text)
    while not scanner.at_end():
        scanner.skip_cfws()
        tag = scanner.token()
        if tag:
            tags.append(tag)
        scanner.skip_cfws()
        if not tag or scanner.peek() == ",":
            scanner.skip_past(",")
    return tags or None


def parse_token(text: str) -> str:
    scanner = _Scanner(text)
    scanner.skip_cfws()
    return scanner.token()
