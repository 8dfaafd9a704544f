"""RFC 5322 address lists turned into RFC 3501 ENVELOPE address structures.

An address is [name, adl, mailbox, host]; a group opens with [NIL, NIL, group-name, NIL] and
closes with [NIL, NIL, NIL, NIL] (RFC 3501 7.4.2). Names stay as written (encoded-words are not
decoded, quoted strings are unquoted, runs of blanks become one space), as Dovecot does.

Damaged addresses follow Dovecot too: a missing local part or domain is reported as
"MISSING_MAILBOX" / "MISSING_DOMAIN", an unterminated "<..." gets the host "SYNTAX_ERROR",
and a comment after a bare addr-spec ("a@b (Name)") becomes the name. Unlike Dovecot, empty list
elements (",,") are skipped instead of producing invalid addresses.
"""

from __future__ import annotations

import re
from typing import NamedTuple

MISSING_MAILBOX = "MISSING_MAILBOX"
MISSING_DOMAIN = "MISSING_DOMAIN"
SYNTAX_ERROR = "SYNTAX_ERROR"

Address = list[str | None]

_WORDS = frozenset({"atom", "quoted"})
_LEXEME_RE = re.compile(  # the most frequent lexemes first: it matters for speed
    r"""(?P<atom>[^<>@,;:.\s("\[]+)
      | (?P<blank>[ \t\r\n]+)
      | (?P<special>[<>@,;:.])
      | (?P<quoted>"[^"\\]*(?:\\.[^"\\]*)*"?)
      | (?P<literal>\[[^\]]*\]?)
      | (?P<comment>\()""",
    re.VERBOSE | re.DOTALL,
)
_QUOTED_PAIR_RE = re.compile(r"\\(.)", re.DOTALL)


class _Token(NamedTuple):
    kind: str  # "atom", "quoted", "comment", "literal", or the special character itself
    text: str
    spaced: bool  # blank or comment before it


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos, spaced, resume = 0, False, True
    while resume:
        resume = False
        for match in _LEXEME_RE.finditer(text, pos):
            kind, lexeme = match.lastgroup or "atom", match.group()
            if kind == "blank":
                spaced = True
                continue
            if kind == "comment":  # comments nest, so they are read by hand; then resume
                pos, lexeme = _comment(text, match.start())
                tokens.append(_Token("comment", lexeme, spaced))
                spaced = resume = True
                break
            if kind == "quoted":
                body = lexeme[1:-1] if len(lexeme) > 1 and lexeme.endswith('"') else lexeme[1:]
                lexeme = _QUOTED_PAIR_RE.sub(r"\1", body) if "\\" in body else body
            elif kind == "special":
                kind = lexeme
            tokens.append(_Token(kind, lexeme, spaced))
            spaced = False
    return tokens


def _comment(text: str, i: int) -> tuple[int, str]:
    depth, out, n = 0, [], len(text)
    while i < n:
        char = text[i]
        i += 1
        if char == "\\" and i < n:
            out.append(text[i])
            i += 1
            continue
        if char == "(":
            depth += 1
            if depth == 1:
                continue
        elif char == ")":
            depth -= 1
            if depth == 0:
                break
        out.append(char)
    return i, "".join(out)


def _phrase(tokens: list[_Token]) -> str:
    out: list[str] = []
    pending_space = False
    for token in tokens:
        if token.kind == "comment":
            pending_space = True
            continue
        if out and (token.spaced or pending_space):
            out.append(" ")
        out.append(token.text)
        pending_space = False
    return "".join(out)


def _joined(tokens: list[_Token]) -> str:
    return "".join(t.text for t in tokens if t.kind in _WORDS or t.kind in (".", "literal"))


def _addr_spec(tokens: list[_Token]) -> tuple[str | None, str | None]:
    at = next((i for i, t in enumerate(tokens) if t.kind == "@"), -1)
    if at < 0:
        return _joined(tokens) or None, None
    return _joined(tokens[:at]) or None, _joined(tokens[at + 1 :]) or None


def _route(tokens: list[_Token]) -> str | None:
    route = "".join(t.text for t in tokens if t.kind != "comment")
    return route or None


def _name_addr(tokens: list[_Token], lt: int) -> Address:
    name = _phrase(tokens[:lt]) or None
    gt = next((i for i in range(lt + 1, len(tokens)) if tokens[i].kind == ">"), -1)
    inner = tokens[lt + 1 : gt if gt >= 0 else len(tokens)]
    adl = None
    colon = next((i for i, t in enumerate(inner) if t.kind == ":"), -1)
    if colon >= 0 and any(t.kind == "@" for t in inner[:colon]):
        adl, inner = _route(inner[:colon]), inner[colon + 1 :]
    mailbox, host = _addr_spec(inner)
    if gt < 0:
        host = SYNTAX_ERROR
    return [name, adl, mailbox or MISSING_MAILBOX, host or MISSING_DOMAIN]


def _mailbox(tokens: list[_Token]) -> Address | None:
    meaningful = [i for i, t in enumerate(tokens) if t.kind != "comment"]
    if not meaningful:
        return None
    lt = next((i for i, t in enumerate(tokens) if t.kind == "<"), -1)
    if lt >= 0:
        return _name_addr(tokens, lt)
    if any(t.kind == "@" for t in tokens):
        mailbox, host = _addr_spec(tokens)
        comments = [t.text for t in tokens[meaningful[0] :] if t.kind == "comment"]
        name = comments[-1] if comments else None
        return [name, None, mailbox or MISSING_MAILBOX, host or MISSING_DOMAIN]
    words = [tokens[i] for i in meaningful]
    if all(not t.spaced for t in words[1:]):  # one word such as "user" or "first.last"
        return [None, None, _joined(words) or MISSING_MAILBOX, MISSING_DOMAIN]
    return [_phrase(tokens), None, MISSING_MAILBOX, MISSING_DOMAIN]


def parse_address_list(text: str) -> list[Address] | None:
    """The ENVELOPE address list for a header value, or None (NIL) when it has no address."""
    tokens = _tokenize(text)
    found: list[Address] = []
    i, n, in_group = 0, len(tokens), False
    while i < n:
        kind = tokens[i].kind
        if kind == ",":
            i += 1
            continue
        if kind == ";":
            if in_group:
                found.append([None, None, None, None])
                in_group = False
            i += 1
            continue
        j, depth, colon = i, 0, -1
        while j < n:
            kind = tokens[j].kind
            if kind == "<":
                depth += 1
            elif kind == ">":
                depth = max(0, depth - 1)
            elif depth == 0 and kind in (",", ";"):
                break
            elif depth == 0 and kind == ":" and not in_group:
                colon = j
                break
            j += 1
        if colon >= 0:
            found.append([None, None, _phrase(tokens[i:colon]), None])
            in_group = True
            i = colon + 1
            continue
        address = _mailbox(tokens[i:j])
        if address is not None:
            found.append(address)
        i = j
    if in_group:
        found.append([None, None, None, None])
    return found or None
