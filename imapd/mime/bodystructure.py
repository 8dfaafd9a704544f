"""BODY and BODYSTRUCTURE (RFC 3501 7.4.2 and the body grammar of section 9).

A non-multipart part is [type, subtype, params, id, description, encoding, size], followed by
lines for text/*, by envelope, body and lines for message/rfc822, and in BODYSTRUCTURE by the
extension data md5, disposition, language, location. A multipart is [part, ..., subtype] plus,
in BODYSTRUCTURE, params, disposition, language, location.

Values follow Dovecot 2.3 (compared field by field in the tests): type, subtype, parameter
names, disposition and encoding keep the case of the message; a part without Content-Type is
"text" "plain" ("charset" "us-ascii") "7bit"; a text part without charset gets
("charset" "us-ascii"); size counts the octets of the body as stored; lines counts LF
characters; a language is always a list; a multipart whose parts cannot be found reports one
empty text/plain part, because the grammar needs at least one. (Dovecot's answers from its
cache spell an exact "text/plain; charset=us-ascii" in lower case; its first answer keeps the
case of the message, as we always do.)
"""

from __future__ import annotations

from imapd.mime.envelope import build_envelope, empty_envelope
from imapd.mime.headers import first_field
from imapd.mime.mime_params import Params, parse_disposition, parse_language
from imapd.mime.structure import Part

Body = list[object]


def build_structures(raw: bytes, part: Part) -> tuple[Body, Body]:
    """(BODY, BODYSTRUCTURE) of `part`; the root part gives those of the message."""
    if part.children is not None:
        return _multipart(raw, part)
    content = part.content
    basic: Body = [
        content.type,
        content.subtype,
        _param_list(content.params),
        _field_value(part, "content-id"),
        _field_value(part, "content-description"),
        content.encoding,
        part.size,
    ]
    body, structure = basic, list(basic)
    if content.is_message:
        message = part.message
        if message is not None:
            envelope = build_envelope(message.fields)
            inner_body, inner_structure = build_structures(raw, message)
        else:  # not opened: beyond the nesting limits of structure.py
            envelope, inner_body, inner_structure = empty_envelope(), _empty(), _empty(True)
        lines = raw.count(b"\n", part.body_start, part.body_end)
        body = [*basic, envelope, inner_body, lines]
        structure = [*basic, envelope, inner_structure, lines]
    elif content.is_text:
        lines = raw.count(b"\n", part.body_start, part.body_end)
        body, structure = [*basic, lines], [*basic, lines]
    structure += [_field_value(part, "content-md5"), *_extension(part)]
    return body, structure


def _multipart(raw: bytes, part: Part) -> tuple[Body, Body]:
    children = part.children or []
    bodies: Body = []
    structures: Body = []
    for child in children:
        body, structure = build_structures(raw, child)
        bodies.append(body)
        structures.append(structure)
    if not children:
        bodies.append(_empty())
        structures.append(_empty(True))
    subtype = part.content.subtype
    return [*bodies, subtype], [
        *structures,
        subtype,
        _param_list(part.content.params),
        *_extension(part),
    ]


def _empty(extended: bool = False) -> Body:
    body: Body = ["text", "plain", ["charset", "us-ascii"], None, None, "7bit", 0, 0]
    return [*body, None, None, None, None] if extended else body


def _param_list(params: Params) -> list[str] | None:
    if not params:
        return None
    flat: list[str] = []
    for key, value in params:
        flat += (key, value)
    return flat


def _field_value(part: Part, key: str) -> str | None:
    found = first_field(part.fields, key)
    return found.value() if found is not None else None


def _extension(part: Part) -> Body:
    """disposition, language, location (RFC 2183, RFC 3282, RFC 2557)."""
    disposition: list[object] | None = None
    found = first_field(part.fields, "content-disposition")
    if found is not None:
        parsed = parse_disposition(found.value())
        if parsed is not None:
            disposition = [parsed[0], _param_list(parsed[1])]
    found = first_field(part.fields, "content-language")
    language = parse_language(found.value()) if found is not None else None
    return [disposition, language, _field_value(part, "content-location")]
