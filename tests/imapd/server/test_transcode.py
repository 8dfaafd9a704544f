"""The fast JSON-to-IMAP transcription gives exactly what the generic encoder gives."""

from __future__ import annotations

import json

import pytest

from imapd.imap.responses import encode_value
from imapd.imap.transcode import json_to_imap, structure_parts, structure_to_imap
from imapd.store.summary import content_fields
from tests.imapd.mime import corpus


@pytest.mark.parametrize("name", corpus.names())
def test_corpus_envelopes_and_structures_transcribe_like_the_encoder(name):
    fields = content_fields(corpus.load(name))
    assert json_to_imap(fields.envelope) == encode_value(json.loads(fields.envelope))
    structure = json.loads(fields.structure)
    for key in ("body", "bodystructure"):
        assert structure_to_imap(fields.structure, key) == encode_value(structure[key])


@pytest.mark.parametrize(
    "value",
    [
        ["plain", None, [["a, [b]", None, "c", "d"]]],
        ['quote " and back\\slash', "null inside", "[brackets], commas"],
        ["caf\u00e9", "line\r\nbreak", "tab\there", "nul\x00", "\u2603"],
        [1, [2, [3, []]], None, ""],
    ],
)
def test_tricky_strings(value):
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert json_to_imap(text) == encode_value(value)


def test_structure_key_spelled_inside_a_string_does_not_confuse_the_split():
    value = {"body": ["x", ',"bodystructure":'], "bodystructure": ["y"]}
    text = json.dumps(value, separators=(",", ":"))
    assert structure_parts(text) == ('["x",",\\"bodystructure\\":"]', '["y"]')
    assert structure_to_imap(text, "bodystructure") == b'("y")'
    assert structure_to_imap(text, "body") == encode_value(value["body"])
