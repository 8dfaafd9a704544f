"""RFC 4314 rights arithmetic: the obsolete RFC 2086 rights, negative entries, identifiers."""

from __future__ import annotations

import pytest

from imapd.store.acl import identifier_normalize, rights_display, rights_from, rights_normalize
from mailplatform.errors import ValidationFailed


def test_rfc2086_c_and_d_stand_for_k_and_xte():
    assert rights_normalize("lrswipcda") == "lrswipkxtea"
    assert rights_normalize("ddl") == "lxte"


def test_unknown_rights_are_refused():
    with pytest.raises(ValidationFailed):
        rights_normalize("lrz")


def test_c_and_d_are_shown_only_when_all_they_stand_for_is_held():
    assert rights_display("lrk") == "lrkc"
    assert rights_display("lrxt") == "lrxt"
    assert rights_display("lrswipkxtea") == "lrswipkxtecda"


def test_negative_entries_take_away_from_anyone_and_from_the_address():
    entries = {"anyone": "lrs", "bob@example.org": "w", "-bob@example.org": "s", "-anyone": "r"}
    assert rights_from(entries, "bob@example.org") == "lw"
    assert rights_from(entries, "carol@example.org") == "ls"


def test_identifiers_are_anyone_or_addresses_with_an_optional_minus():
    assert identifier_normalize("ANYONE") == "anyone"
    assert identifier_normalize("-Bob@Example.ORG") == "-bob@example.org"
    with pytest.raises(ValidationFailed):
        identifier_normalize("not an address")
