"""Dovecot-compatible password strings: Dovecot's vectors, Dovecot checking ours, rehashing."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, cast

import pytest
from django.conf import settings

from accounts import services
from accounts.models import Account
from accounts.passwords import (
    SCHEMES,
    UnknownScheme,
    hash_password,
    needs_rehash,
    scheme_of,
    verify_password,
)
from accounts.passwords.des_crypt import des_encrypt_block

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "vectors" / "dovecot.json").read_text(encoding="utf-8")
)["vectors"]
GENERATED = [v for v in VECTORS if v["how"].startswith("doveadm pw -s")]
DOVEADM = shutil.which("doveadm") or shutil.which("doveadm", path="/usr/bin")
needs_doveadm = pytest.mark.skipif(
    DOVEADM is None, reason="doveadm (Debian package dovecot-core) is not installed"
)


@pytest.fixture(autouse=True)
def _production_default_scheme(settings: Any) -> None:
    """These tests are about the real default (the suite's settings use a faster one)."""
    settings.PASSWORD_SCHEME = "ARGON2ID"


UNICODE = "pässwörd ünïcödé 日本語 🔑"
LONG = "Long$pass{word}:with.delims/" * 4  # 112 bytes: over bcrypt's 72


def _vector_id(vector: dict[str, Any]) -> str:
    return f"{vector['how']}:{vector['stored'][:40]}"


def dovecot_verifies(stored: str, password: str) -> bool:
    """Dovecot's own checker; `-c /dev/null` so that no configuration or daemon is needed."""
    assert DOVEADM is not None
    result = subprocess.run(
        [DOVEADM, "-c", "/dev/null", "pw", "-t", stored, "-p", password],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result.returncode == 0 and "(verified)" in result.stdout


@functools.cache
def made(scheme: str, password: str) -> str:
    """One string per scheme and password for the whole module: argon2 is slow on purpose."""
    return hash_password(password, scheme)


# --- the scheme list -------------------------------------------------------------------------


def test_generatable_schemes_are_exactly_the_settings_list():
    assert tuple(settings.PASSWORD_SCHEMES) == SCHEMES
    assert settings.PASSWORD_SCHEME in SCHEMES


def test_vectors_cover_every_scheme_we_verify():
    covered = {scheme_of(v["stored"]) for v in GENERATED}
    verify_only = {"CRYPT", "MD5-CRYPT", "PLAIN", "SHA1", "SHA256", "SHA512", "SSHA", "SSHA256"}
    verify_only |= {"SSHA512", "PLAIN-MD5", "LDAP-MD5", "SMD5"}
    assert set(SCHEMES) | verify_only <= covered
    assert any(v["stored"].startswith("{PLAIN-TRUNC}") for v in VECTORS)


# --- Dovecot's strings, our checker ----------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS, ids=_vector_id)
def test_our_verdict_on_dovecot_vector_matches_dovecots(vector):
    assert verify_password(vector["password"], vector["stored"]) is vector["dovecot_verifies"]


@pytest.mark.parametrize("vector", GENERATED, ids=_vector_id)
def test_dovecot_vector_rejects_a_wrong_password(vector):
    assert verify_password("wrong " + vector["password"], vector["stored"]) is False


def test_des_core_matches_the_classic_fips_example():
    # The worked example of DES (key 133457799BBCDFF1), independent of crypt(3)'s salting.
    assert des_encrypt_block(0x0123456789ABCDEF, 0x133457799BBCDFF1) == 0x85E813540F0AB405


# --- our strings, Dovecot's checker ----------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
def test_hash_password_round_trips_and_refuses_other_passwords(scheme):
    stored = made(scheme, UNICODE)
    assert stored.startswith("{" + scheme + "}")
    assert scheme_of(stored) == scheme
    assert verify_password(UNICODE, stored) is True
    assert verify_password(UNICODE[:-1], stored) is False


@needs_doveadm
@pytest.mark.slow
@pytest.mark.parametrize(
    ("scheme", "password"),
    # Long passwords where length matters: bcrypt's 72-byte cut, SHA-crypt's length mixing.
    [pytest.param(scheme, UNICODE, id=f"{scheme}-unicode") for scheme in SCHEMES]
    + [
        pytest.param(scheme, LONG, id=f"{scheme}-long")
        for scheme in ("BLF-CRYPT", "SHA512-CRYPT", "SHA256-CRYPT")
    ],
)
def test_dovecot_verifies_strings_we_generate(scheme, password):
    assert dovecot_verifies(made(scheme, password), password)


@needs_doveadm
@pytest.mark.slow
def test_dovecot_rejects_our_string_with_a_wrong_password():
    assert not dovecot_verifies(made("SHA512-CRYPT", UNICODE), UNICODE + "x")


def test_generated_strings_use_dovecots_formats_and_current_costs():
    assert re.fullmatch(
        r"\{ARGON2ID\}\$argon2id\$v=19\$m=65536,t=3,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}",
        made("ARGON2ID", UNICODE),
    )
    assert made("ARGON2I", UNICODE).startswith("{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$")
    assert re.fullmatch(r"\{BLF-CRYPT\}\$2y\$12\$[./A-Za-z0-9]{53}", made("BLF-CRYPT", UNICODE))
    # 5000 rounds is the default and, as glibc and Dovecot do, is not written.
    assert re.fullmatch(
        r"\{SHA512-CRYPT\}\$6\$[./A-Za-z0-9]{16}\$[./A-Za-z0-9]{86}", made("SHA512-CRYPT", UNICODE)
    )
    assert re.fullmatch(
        r"\{SHA256-CRYPT\}\$5\$[./A-Za-z0-9]{16}\$[./A-Za-z0-9]{43}", made("SHA256-CRYPT", UNICODE)
    )
    assert re.fullmatch(
        r"\{PBKDF2\}\$1\$[./A-Za-z0-9]{16}\$200000\$[0-9a-f]{40}", made("PBKDF2", UNICODE)
    )


def test_each_hash_gets_a_fresh_salt():
    first = hash_password("same password", "SHA256-CRYPT")
    assert hash_password("same password", "SHA256-CRYPT") != first


def test_bcrypt_reads_72_bytes_like_dovecot():
    stored = made("BLF-CRYPT", LONG)
    assert verify_password(LONG[:72] + "different tail", stored) is True
    assert verify_password(LONG[:71], stored) is False


def test_hash_password_defaults_to_the_configured_scheme(settings):
    settings.PASSWORD_SCHEME = "SHA256-CRYPT"
    assert hash_password("pw").startswith("{SHA256-CRYPT}$5$")


def test_hash_password_accepts_any_case_of_a_scheme_name():
    assert hash_password("pw", "sha512-crypt").startswith("{SHA512-CRYPT}$6$")


@pytest.mark.parametrize(
    "scheme", ["PLAIN", "SHA1", "SSHA512", "CRYPT", "MD5-CRYPT", "SHA256.HEX", "NOSUCH", "{PLAIN}"]
)
def test_hash_password_refuses_schemes_it_cannot_generate(scheme):
    with pytest.raises(UnknownScheme, match="Cannot generate"):
        hash_password("pw", scheme)
    assert issubclass(UnknownScheme, ValueError)


# --- scheme names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "scheme"),
    [
        ("{argon2id}$argon2id$...", "ARGON2ID"),
        ("{Sha512-Crypt}$6$...", "SHA512-CRYPT"),
        ("{CLEARTEXT}x", "PLAIN"),
        ("{clear}x", "PLAIN"),
        ("{sha.hex}00", "SHA1"),
        ("{MD5}$1$...", "MD5-CRYPT"),
        ("{DES-CRYPT}ab", "CRYPT"),
        ("{NOSUCH}x", "NOSUCH"),
        ("{SHA256.B65}x", "SHA256.B65"),
    ],
)
def test_scheme_of_gives_the_canonical_upper_case_name(stored, scheme):
    assert scheme_of(stored) == scheme


@pytest.mark.parametrize("stored", ["", "secret", "{", "{}", "{PLAIN", "$6$abc$def", " {PLAIN}x"])
def test_scheme_of_refuses_strings_without_a_prefix(stored):
    with pytest.raises(UnknownScheme):
        scheme_of(stored)


# --- malformed input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "secret",
        "{",
        "{}secret",
        "{PLAIN",
        "{SHA256}!!!!",
        "{SHA256.HEX}zz",
        "{SHA1}é",
        "{SSHA}",
        "{SSHA.HEX}abc",
        "{PLAIN-TRUNC}x-secret",
        "{PLAIN-TRUNC}99999999999999999999-secret",
        "{ARGON2ID}$argon2id$garbage",
        "{ARGON2ID}$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
        "{ARGON2ID}",
        "{BLF-CRYPT}$2y$99$" + "a" * 53,
        "{BLF-CRYPT}$2y$05$short",
        "{BLF-CRYPT}$2y$31$" + "a" * 53,  # 2**31 rounds: refused rather than computed
        "{SHA512-CRYPT}$6$rounds=abc$salt$hash",
        "{SHA512-CRYPT}$6$rounds=999999999$salt$" + "a" * 86,
        "{SHA512-CRYPT}$6$sälz$hash",
        "{PBKDF2}$1$salt$0$" + "0" * 40,
        "{PBKDF2}$1$salt$999999999$" + "0" * 40,
        "{PBKDF2}$1$salt$5000$" + "g" * 40,
        "{CRYPT}!!",
        "{CRYPT}ab",
        "{CRYPT}$y$j9T$salt$hash",
        "{DES-CRYPT}\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
        "{MD5-CRYPT}$1$",
        "{PLAIN.HEX}abc",
        "{PLAIN.B64}@@@@",
    ],
)
def test_malformed_strings_are_false_not_errors(stored):
    assert verify_password("secret", stored) is False


def test_non_string_arguments_are_false_not_errors():
    assert verify_password(cast(Any, None), "{PLAIN}secret") is False
    assert verify_password("secret", cast(Any, b"{PLAIN}secret")) is False
    assert verify_password("\ud800", "{PLAIN}secret") is False  # not encodable as UTF-8


CHEAPEST = {"SHA512-CRYPT": "-r 1000", "PBKDF2": "-r 1"}


@pytest.mark.parametrize(
    "scheme", ["SHA512-CRYPT", "MD5-CRYPT", "DES-CRYPT", "SSHA512", "PBKDF2", "PLAIN-MD5"]
)
def test_every_truncation_of_a_dovecot_string_is_refused(scheme):
    vector = next(
        v
        for v in GENERATED
        # The cheapest vector of each scheme: every truncation is checked.
        if v["scheme"] == scheme and v["how"].endswith(CHEAPEST.get(scheme, scheme))
    )
    stored = vector["stored"]
    for end in range(len(stored)):
        assert verify_password(vector["password"], stored[:end]) is False, stored[:end]


# --- rehashing -------------------------------------------------------------------------------


def _argon2id(time_cost: int, memory_kib: int) -> str:
    """A well-formed string with these costs; needs_rehash reads only the parameters."""
    salt, digest = "c2FsdHNhbHRzYWx0c2FsdA", "A" * 43
    return f"{{ARGON2ID}}$argon2id$v=19$m={memory_kib},t={time_cost},p=1${salt}${digest}"


def test_a_current_default_string_needs_no_rehash():
    assert needs_rehash(made("ARGON2ID", UNICODE)) is False
    assert needs_rehash("{argon2id}" + made("ARGON2ID", UNICODE)[len("{ARGON2ID}") :]) is False


@pytest.mark.parametrize(
    "stored",
    [
        "{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "{SHA512-CRYPT}$6$salt$hash",
        "{PLAIN}secret",
        "{CRYPT}A2SK9c5jE8K.M",
        "no prefix at all",
        "{NOSUCH}x",
    ],
)
def test_strings_in_other_schemes_need_rehash(stored):
    assert needs_rehash(stored) is True


def test_argon2_weaker_than_current_costs_needs_rehash():
    assert needs_rehash(_argon2id(time_cost=3, memory_kib=65536)) is False
    assert needs_rehash(_argon2id(time_cost=2, memory_kib=65536)) is True
    assert needs_rehash(_argon2id(time_cost=3, memory_kib=32768)) is True
    assert needs_rehash(_argon2id(time_cost=4, memory_kib=131072)) is False  # stronger is kept


def test_a_string_whose_content_is_not_its_scheme_needs_rehash():
    argon2i_under_id = "{ARGON2ID}" + made("ARGON2I", UNICODE)[len("{ARGON2I}") :]
    assert verify_password(UNICODE, argon2i_under_id) is True  # as Dovecot accepts it
    assert needs_rehash(argon2i_under_id) is True


@pytest.mark.parametrize(
    ("default", "stored", "expected"),
    [
        ("SHA512-CRYPT", "{SHA512-CRYPT}$6$salt$x", False),
        ("SHA512-CRYPT", "{SHA512-CRYPT}$6$rounds=10000$salt$x", False),
        ("SHA512-CRYPT", "{SHA512-CRYPT}$6$rounds=1000$salt$x", True),
        ("SHA512-CRYPT", "{SHA512-CRYPT}A2SK9c5jE8K.M", True),  # DES under a SHA-crypt name
        ("SHA512-CRYPT", "{SHA512-CRYPT}$5$salt$x", True),  # SHA-256 under the SHA-512 name
        ("SHA256-CRYPT", "{SHA256-CRYPT}$5$salt$x", False),
        ("SHA512-CRYPT", "{SHA512-CRYPT.B64}JDYkc2FsdCR4", True),  # re-encoded form
        ("BLF-CRYPT", "{BLF-CRYPT}$2y$12$" + "a" * 53, False),
        ("BLF-CRYPT", "{BLF-CRYPT}$2y$05$" + "a" * 53, True),  # doveadm's default cost
        ("PBKDF2", "{PBKDF2}$1$salt$200000$" + "0" * 40, False),
        ("PBKDF2", "{PBKDF2}$1$salt$5000$" + "0" * 40, True),  # doveadm's default rounds
    ],
)
def test_needs_rehash_compares_costs_within_the_default_scheme(settings, default, stored, expected):
    settings.PASSWORD_SCHEME = default
    assert needs_rehash(stored) is expected


@pytest.mark.django_db
def test_login_with_an_old_scheme_rehashes_to_the_default(account):
    services.account_set_password(
        account=account, password="imported-pw", acting_user=None, scheme="SHA512-CRYPT"
    )
    assert services.account_authenticate(address=account.address, password="imported-pw")
    stored = Account.objects.get(pk=account.pk).password
    assert scheme_of(stored) == settings.PASSWORD_SCHEME
    assert verify_password("imported-pw", stored) is True


@pytest.mark.django_db
def test_login_with_an_imported_dovecot_string_rehashes_it(account):
    vector = next(v for v in GENERATED if v["scheme"] == "SSHA512")
    Account.objects.filter(pk=account.pk).update(password=vector["stored"])
    assert services.account_authenticate(address=account.address, password=vector["password"])
    stored = Account.objects.get(pk=account.pk).password
    assert stored.startswith("{" + settings.PASSWORD_SCHEME + "}")
    assert verify_password(vector["password"], stored) is True


@pytest.mark.django_db
def test_failed_login_leaves_an_old_scheme_string_alone(account):
    Account.objects.filter(pk=account.pk).update(password="{PLAIN}imported-pw")
    assert services.account_authenticate(address=account.address, password="wrong") is None
    assert Account.objects.get(pk=account.pk).password == "{PLAIN}imported-pw"


@pytest.mark.django_db
def test_login_with_a_current_string_keeps_it(account):
    before = Account.objects.get(pk=account.pk).password
    assert services.account_authenticate(address=account.address, password="alice-pw-1")
    assert Account.objects.get(pk=account.pk).password == before
