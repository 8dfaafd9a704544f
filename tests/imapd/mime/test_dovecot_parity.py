"""Our analysis of every corpus message equals what Dovecot 2.3 answers for it.

The one answer left out when recording (see corpus.py) is Dovecot's NO [PARSE] for damaged
base64, which we decode leniently instead (see test_binary.py). Bare-LF messages are compared in
their CRLF form, since Dovecot counts and sends a bare LF as CRLF.
"""

from __future__ import annotations

import pytest

from imapd.mime import analyze, get_binary_section, get_section, normalize_line_ends
from tests.imapd.mime import corpus

NAMES = corpus.names()


def _as_dovecot_sees_it(name: str) -> bytes:
    return normalize_line_ends(corpus.load(name))


def test_every_corpus_message_has_recorded_answers() -> None:
    assert set(NAMES) == set(corpus.dovecot_answers())
    assert len(NAMES) >= 20


@pytest.mark.parametrize("name", NAMES)
def test_envelope_equals_dovecots(name: str) -> None:
    expected = corpus.dovecot_answers()[name]["envelope"]
    assert analyze(_as_dovecot_sees_it(name)).envelope == corpus.as_text(expected)


@pytest.mark.parametrize("name", NAMES)
def test_body_equals_dovecots(name: str) -> None:
    expected = corpus.dovecot_answers()[name]["body"]
    assert analyze(_as_dovecot_sees_it(name)).body == corpus.as_text(expected)


@pytest.mark.parametrize("name", NAMES)
def test_bodystructure_equals_dovecots(name: str) -> None:
    expected = corpus.dovecot_answers()[name]["bodystructure"]
    assert analyze(_as_dovecot_sees_it(name)).bodystructure == corpus.as_text(expected)


@pytest.mark.parametrize("name", NAMES)
def test_size_equals_dovecots(name: str) -> None:
    assert analyze(_as_dovecot_sees_it(name)).size == corpus.dovecot_answers()[name]["size"]


@pytest.mark.parametrize("name", NAMES)
def test_every_body_section_equals_dovecots(name: str) -> None:
    raw = _as_dovecot_sees_it(name)
    sections = corpus.dovecot_answers()[name]["sections"]
    assert len(sections) > 100
    mismatches = {}
    for key, expected in sections.items():
        mine = get_section(raw, corpus.section_spec(key))
        if mine != corpus.as_bytes(expected):
            mismatches[key] = mine
    assert mismatches == {}


@pytest.mark.parametrize("name", NAMES)
def test_every_binary_section_equals_dovecots(name: str) -> None:
    raw = _as_dovecot_sees_it(name)
    answers = corpus.dovecot_answers()[name]["binary"]
    mismatches = {}
    for key, expected in answers.items():
        mine = get_binary_section(raw, corpus.binary_path(key))
        if mine != (None if expected is None else corpus.as_bytes(expected)):
            mismatches[key] = mine
    assert mismatches == {}
