"""Regenerate dovecot.json: password strings made, and verdicts given, by Dovecot itself.

Run from the repository root on a machine with dovecot-core installed:
    .venv/bin/python tests/accounts/vectors/make_dovecot_vectors.py

Two kinds of vector, both checked by tests/accounts/test_passwords.py:
- "doveadm pw -s": a string Dovecot generated for the password (so it verifies);
- "doveadm pw -t": a string written by hand (a case, encoding or format variant, often of a
  generated one) with Dovecot's own verdict on it, true or false.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

DOVEADM = ["doveadm", "-c", "/dev/null", "pw"]  # no config: nothing to load, no daemon needed
OUT = Path(__file__).with_name("dovecot.json")

SHORT = "secret"
PHRASE = "correct horse battery staple"
UNICODE = "pässwörd ünïcödé 日本語 🔑"
# Over 72 bytes (bcrypt's limit) and with the characters that delimit stored strings.
LONG = "Long$pass{word}:with.delims/" * 4
PASSWORDS = (SHORT, PHRASE, UNICODE, LONG)

GENERATED: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    # (scheme, extra doveadm arguments, passwords)
    # Few argon2 vectors: each check costs about half a second.
    ("ARGON2ID", (), (SHORT, UNICODE)),
    ("ARGON2I", (), (SHORT,)),
    ("BLF-CRYPT", (), PASSWORDS),
    ("BLF-CRYPT", ("-r", "8"), (PHRASE,)),
    ("SHA512-CRYPT", (), PASSWORDS),
    ("SHA512-CRYPT", ("-r", "1000"), (SHORT, UNICODE)),
    ("SHA512-CRYPT", ("-r", "12345"), (PHRASE,)),
    ("SHA256-CRYPT", (), PASSWORDS),
    ("SHA256-CRYPT", ("-r", "10000"), (UNICODE,)),
    ("PBKDF2", (), PASSWORDS),
    ("PBKDF2", ("-r", "1"), (SHORT,)),
    ("PBKDF2", ("-r", "20000"), (UNICODE,)),
    ("CRYPT", (), (SHORT, UNICODE)),
    ("DES-CRYPT", (), PASSWORDS),
    ("MD5-CRYPT", (), PASSWORDS),
    ("MD5", (), (SHORT, UNICODE)),
    ("PLAIN", (), PASSWORDS),
    ("CLEAR", (), (SHORT,)),
    ("CLEARTEXT", (), (UNICODE,)),
    ("SHA", (), (SHORT,)),
    ("SHA1", (), PASSWORDS),
    ("SHA256", (), PASSWORDS),
    ("SHA512", (), PASSWORDS),
    ("SSHA", (), PASSWORDS),
    ("SSHA256", (), PASSWORDS),
    ("SSHA512", (), PASSWORDS),
    ("PLAIN-MD5", (), PASSWORDS),
    ("LDAP-MD5", (), PASSWORDS),
    ("SMD5", (), PASSWORDS),
    ("SHA256.HEX", (), (SHORT, UNICODE)),
    ("SSHA.HEX", (), (SHORT, LONG)),
    ("SSHA512.B64", (), (PHRASE,)),
    ("SHA512-CRYPT.B64", (), (SHORT,)),
    ("SHA256-CRYPT.HEX", (), (UNICODE,)),
    ("PLAIN.B64", (), (SHORT, UNICODE)),
    ("PLAIN.HEX", (), (PHRASE,)),
)


def generate(scheme: str, extra: tuple[str, ...], password: str) -> str:
    argv = [*DOVEADM, "-s", scheme, *extra, "-p", password]
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()


def dovecot_verifies(stored: str, password: str) -> bool:
    argv = [*DOVEADM, "-t", stored, "-p", password]
    result = subprocess.run(argv, check=False, capture_output=True, text=True)
    return result.returncode == 0 and "(verified)" in result.stdout


def body(stored: str) -> str:
    return stored[stored.index("}") + 1 :]


def variants(made: dict[str, str]) -> list[tuple[str, str, str]]:
    """(stored, password, what it probes): hand-made strings for Dovecot to judge."""
    sha1 = body(made["SHA1"])
    sha256 = body(made["SHA256"])
    ssha_b64 = body(made["SSHA"])
    md5_hex = body(made["PLAIN-MD5"])
    ldap_md5 = body(made["LDAP-MD5"])
    des = body(made["DES-CRYPT"])
    md5crypt = body(made["MD5-CRYPT"])
    sha512crypt = body(made["SHA512-CRYPT"])
    sha256crypt = body(made["SHA256-CRYPT"])
    bcrypt = body(made["BLF-CRYPT"])
    argon2id = body(made["ARGON2ID"])
    pbkdf2 = body(made["PBKDF2"])
    return [
        # Scheme names are case-insensitive, suffixes too.
        ("{sha512-crypt}" + sha512crypt, SHORT, "lower-case name"),
        ("{Blf-Crypt}" + bcrypt, SHORT, "mixed-case name"),
        ("{argon2id}" + argon2id, SHORT, "lower-case name"),
        ("{plain}" + SHORT, SHORT, "lower-case name"),
        ("{SHA256.hex}" + _hex_of(sha256), SHORT, "lower-case suffix"),
        ("{SHA1.base64}" + sha1, SHORT, "long suffix name"),
        # Fixed-size digests without a suffix: hex or base64, whichever the length says.
        ("{SHA}" + _hex_of(sha1), SHORT, "hex without suffix"),
        ("{SHA256}" + _hex_of(sha256), SHORT, "hex without suffix"),
        ("{SHA256}" + _hex_of(sha256).upper(), SHORT, "upper-case hex"),
        ("{PLAIN-MD5}" + _b64_of(md5_hex), SHORT, "base64 where hex is the default"),
        ("{LDAP-MD5}" + _hex_of(ldap_md5), SHORT, "hex where base64 is the default"),
        # An explicit suffix is binding; salted digests have no length to guess from.
        ("{SHA1.HEX}" + sha1, SHORT, "base64 under a .HEX suffix"),
        ("{SSHA}" + _hex_of(ssha_b64), SHORT, "hex salted digest without suffix"),
        ("{SHA256}" + sha256.rstrip("="), SHORT, "base64 without padding"),
        ("{SSHA}" + _b64_of(_hex_of(ssha_b64)[:40]), SHORT, "salted digest without salt"),
        # PLAIN-TRUNC: `N-text`, text is the password cut to N bytes when exactly N long.
        ("{PLAIN-TRUNC}3-sec", "sec", "exact"),
        ("{PLAIN-TRUNC}3-sec", SHORT, "truncated"),
        ("{PLAIN-TRUNC}3-sec", "se", "too short"),
        ("{PLAIN-TRUNC}6-sec", "sec", "shorter than N: whole"),
        ("{PLAIN-TRUNC}6-sec", SHORT, "shorter than N: whole"),
        ("{PLAIN-TRUNC}2-sec", "sec", "longer than N: whole"),
        ("{PLAIN-TRUNC}3-aé", "aéz", "N counts bytes"),
        ("{PLAIN-TRUNC}2-aé", "aéz", "N counts bytes"),
        ("{PLAIN-TRUNC}" + SHORT, SHORT, "no length prefix"),
        # {CRYPT} is crypt(3): any format the system knows.
        ("{CRYPT}" + des, SHORT, "DES under CRYPT"),
        ("{CRYPT}" + md5crypt, SHORT, "MD5-crypt under CRYPT"),
        ("{CRYPT}" + sha256crypt, SHORT, "SHA256-crypt under CRYPT"),
        ("{CRYPT}" + sha512crypt, SHORT, "SHA512-crypt under CRYPT"),
        ("{DES-CRYPT}" + sha512crypt, SHORT, "SHA512-crypt under DES-CRYPT"),
        ("{CRYPT}" + bcrypt, SHORT, "bcrypt under CRYPT"),
        ("{SHA512-CRYPT}" + des, SHORT, "SHA-crypt schemes also use crypt(3)"),
        ("{SHA256-CRYPT}" + sha512crypt, SHORT, "SHA-crypt schemes also use crypt(3)"),
        ("{BLF-CRYPT}" + sha512crypt, SHORT, "BLF-CRYPT is bcrypt only"),
        ("{MD5-CRYPT}" + des, SHORT, "MD5-CRYPT is $1$ only"),
        ("{MD5}" + des, SHORT, "MD5 is MD5-crypt"),
        # DES uses the first 8 bytes only, 7 bits of each.
        ("{DES-CRYPT}" + body(made["DES-CRYPT:phrase"]), PHRASE[:8] + "X", "9th byte ignored"),
        # bcrypt's $2a$/$2b$/$2y$ are one algorithm for passwords under 255 bytes.
        ("{BLF-CRYPT}$2a$" + bcrypt[4:], SHORT, "$2a$ prefix"),
        ("{BLF-CRYPT}$2b$" + bcrypt[4:], SHORT, "$2b$ prefix"),
        ("{BLF-CRYPT}" + body(made["BLF-CRYPT:long"]), LONG[:72] + "tail", "72 bytes count"),
        # The argon2 type is read from the string.
        ("{ARGON2I}" + argon2id, SHORT, "argon2id string under ARGON2I"),
        ("{ARGON2ID}" + argon2id.replace("argon2id", "argon2d"), SHORT, "argon2d"),
        # PBKDF2's hex is case-insensitive and must be complete.
        ("{PBKDF2}" + pbkdf2[:-40] + pbkdf2[-40:].upper(), SHORT, "upper-case hex"),
        ("{PBKDF2}" + pbkdf2[:-2], SHORT, "truncated digest"),
        # Malformed or unknown.
        ("{SHA512-CRYPT}" + sha512crypt[:-1], SHORT, "truncated crypt string"),
        ("{SHA512-CRYPT}" + sha512crypt.replace("$6$", "$6$rounds=999$"), SHORT, "low rounds"),
        ("{NOSUCH}" + SHORT, SHORT, "unknown scheme"),
        ("{SHA256.B65}" + sha256, SHORT, "unknown suffix"),
    ]


def _hex_of(b64: str) -> str:
    return base64.b64decode(b64).hex()


def _b64_of(hex_text: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_text)).decode()


def main() -> None:
    vectors: list[dict[str, Any]] = []
    made: dict[str, str] = {}
    for scheme, extra, passwords in GENERATED:
        for password in passwords:
            stored = generate(scheme, extra, password)
            # Dovecot's own generator must agree with its own checker.
            assert dovecot_verifies(stored, password), stored
            vectors.append(
                {
                    "scheme": scheme,
                    "password": password,
                    "stored": stored,
                    "how": " ".join(["doveadm pw -s", scheme, *extra]),
                    "dovecot_verifies": True,
                }
            )
            if not extra:
                key = {SHORT: scheme, PHRASE: f"{scheme}:phrase", LONG: f"{scheme}:long"}
                if password in key:
                    made.setdefault(key[password], stored)
    for stored, password, probe in variants(made):
        vectors.append(
            {
                "scheme": stored[1 : stored.index("}")],
                "password": password,
                "stored": stored,
                "how": f"doveadm pw -t ({probe})",
                "dovecot_verifies": dovecot_verifies(stored, password),
            }
        )
    version = subprocess.run(
        ["dovecot", "--version"], check=False, capture_output=True, text=True
    ).stdout.strip()
    document = {"dovecot_version": version, "vectors": vectors}
    OUT.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(vectors)} vectors written to {OUT}")


if __name__ == "__main__":
    main()
