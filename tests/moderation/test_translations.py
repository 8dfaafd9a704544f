"""French: a complete catalogue, compiled to the .mo that is shipped, used by the pages."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

LOCALE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def _po_entries() -> list[dict[str, str]]:
    """The entries of django.po (header excluded): msgid, msgid_plural, msgstr[...] and flags."""
    entries: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    key = ""
    for line in [*(LOCALE / "django.po").read_text().splitlines(), ""]:
        if not line.strip():
            if current and current.get("msgid"):
                entries.append(current)
            current, key = None, ""
            continue
        current = current if current is not None else {"flags": ""}
        if line.startswith("#,"):
            current["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            current[key] = ast.literal_eval(value)
    return entries


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = _po_entries()
    assert len(entries) > 100
    for entry in entries:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        translations = [v for k, v in entry.items() if k.startswith("msgstr")]
        assert translations, entry["msgid"]
        assert all(translations), entry["msgid"]


def test_translations_keep_every_placeholder():
    for entry in _po_entries():
        wanted = set(PLACEHOLDER.findall(entry["msgid"] + entry.get("msgid_plural", "")))
        for key, value in entry.items():
            if key.startswith("msgstr") and key != "msgstr[0]":
                assert set(PLACEHOLDER.findall(value)) == wanted, (entry["msgid"], value)


def test_the_shipped_mo_is_compiled_from_the_current_po():
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    for entry in _po_entries():
        if "msgid_plural" in entry:
            assert catalog[(entry["msgid"], 0)] == entry["msgstr[0]"]
            assert catalog[(entry["msgid"], 1)] == entry["msgstr[1]"]
        else:
            assert catalog[entry["msgid"]] == entry["msgstr"], entry["msgid"]


def test_the_pages_follow_the_browsers_language(db):
    french = Client(HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    body = french.get("/account/login/").content.decode()
    assert '<html lang="fr">' in body
    assert "Se connecter" in body
    assert "Mot de passe" in body
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "Log in" in english.get("/account/login/").content.decode()


def test_the_language_buttons_switch_the_pages_to_french(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/account/language", {"language": "fr", "next": "/account/login/"})
    assert response.status_code == 302
    assert "Se connecter" in client.get("/account/login/").content.decode()


@pytest.mark.parametrize(("limit", "text"), [(1, "limite de 1 alias."), (3, "limite de 3 alias.")])
def test_the_alias_limit_message_is_french_on_french_pages(
    member, members_mailbox, settings, limit, text
):
    settings.MAX_ALIASES_PER_MAILBOX = limit
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(member)
    page = f"/account/mailboxes/{members_mailbox.address}/"
    for n in range(limit):
        assert client.post(page, {"local_part": f"a{n}"}).status_code == 302
    response = client.post(page, {"local_part": "over"})
    assert f"mina@example.org a atteint sa {text}" in response.content.decode()
