"""QR codes decoded back from their PNGs, dclogin: codes, and the autoconfig document."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree import ElementTree as ET

import pytest
from django.test import override_settings

from accounts import passwords
from mailplatform.errors import NotPermitted, ValidationFailed
from provisioning import services
from provisioning.mailservers import dclogin_url
from provisioning.qr import login_qr_png, token_label_lines, token_qr_png
from tests.provisioning.conftest import decode_qr


@override_settings(PROVISIONING_WEB_ENDPOINT="https://mail.example.org/new_email")
def test_token_qr_code_holds_the_dcaccount_url(token):
    assert decode_qr(token_qr_png(token)) == [
        f"DCACCOUNT:https://mail.example.org/new_email?t={token.secret}&n=oneday"
    ]


def test_token_name_is_escaped_in_the_url(make_token):
    token = make_token("ä&b")
    (text,) = decode_qr(token_qr_png(token))
    assert parse_qs(urlsplit(text.removeprefix("DCACCOUNT:")).query)["n"] == ["ä&b"]


def test_label_shows_the_address_pattern_and_expiry_but_not_the_secret(make_token):
    token = make_token("week", prefix="guest-", expiry="1w")
    lines = token_label_lines(token)
    assert lines[0] == "guest-******@example.org  1w"
    assert "Delta Chat" in lines[1]
    assert all(token.secret not in line for line in lines)


def test_fixed_address_label_names_the_address(make_token):
    token = make_token("carol", fixed_local_part="carol")
    assert token_label_lines(token)[0].startswith("carol@example.org")


@override_settings(
    MAIL_HOSTNAME="mail.example.org",
    IMAPS_PORT=993,
    IMAP_PORT=143,
    SUBMISSIONS_PORT=465,
    SUBMISSION_PORT=587,
)
def test_dclogin_code_carries_address_password_and_preferred_servers():
    png = login_qr_png(
        url=dclogin_url(address="alice@example.org", password="p&ss w?rd"),
        address="alice@example.org",
    )
    (text,) = decode_qr(png)
    assert text.startswith("dclogin:alice@example.org?")
    query = parse_qs(text.partition("?")[2])
    assert query == {
        "p": ["p&ss w?rd"],
        "v": ["1"],
        "ih": ["mail.example.org"],
        "ip": ["993"],
        "is": ["ssl"],
        "sh": ["mail.example.org"],
        "sp": ["465"],
        "ss": ["ssl"],
    }


@override_settings(
    MAIL_HOSTNAME="mx.example.org",
    IMAPS_PORT=0,
    IMAP_PORT=143,
    SUBMISSIONS_PORT=0,
    SUBMISSION_PORT=587,
)
def test_dclogin_falls_back_to_starttls_when_implicit_tls_is_off():
    query = parse_qs(dclogin_url(address="a@example.org", password="x").partition("?")[2])
    assert (query["ip"], query["is"], query["sp"], query["ss"]) == (
        ["143"],
        ["starttls"],
        ["587"],
        ["starttls"],
    )


def test_login_code_without_password_sets_a_new_one_that_works(account):
    url = services.account_login_code(account=account, acting_user=None)
    password = parse_qs(url.partition("?")[2])["p"][0]
    account.refresh_from_db()
    assert passwords.verify_password(password, account.password)
    assert not passwords.verify_password("alice-pw-1", account.password)
    assert unquote(url.partition("?")[0]) == "dclogin:alice@example.org"


def test_login_code_with_the_current_password_keeps_it(account):
    url = services.account_login_code(account=account, acting_user=None, password="alice-pw-1")
    assert parse_qs(url.partition("?")[2])["p"] == ["alice-pw-1"]
    with pytest.raises(ValidationFailed):
        services.account_login_code(account=account, acting_user=None, password="wrong")


def test_login_code_needs_admin_rights_over_the_account(account, owner):
    with pytest.raises(NotPermitted):
        services.account_login_code(account=account, acting_user=owner)


# --- autoconfig ------------------------------------------------------------------------------

AUTOCONFIG_SETTINGS = dict(
    MAIL_HOSTNAME="mail.example.org",
    IMAPS_PORT=993,
    IMAP_PORT=143,
    SUBMISSIONS_PORT=465,
    SUBMISSION_PORT=587,
    ALLOWED_HOSTS=["*"],
)


def _parse(response) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 (the platform's own answer)


def _servers(response, tag):
    root = _parse(response)
    assert root.tag == "clientConfig"
    assert root.get("version") == "1.1"
    return [
        (
            s.get("type"),
            s.findtext("hostname"),
            s.findtext("port"),
            s.findtext("socketType"),
            s.findtext("authentication"),
            s.findtext("username"),
        )
        for s in root.iter(tag)
    ]


@override_settings(**AUTOCONFIG_SETTINGS)
@pytest.mark.parametrize(
    "path", ["/.well-known/autoconfig/mail/config-v1.1.xml", "/mail/config-v1.1.xml"]
)
def test_autoconfig_describes_the_platforms_servers(client, domain, path):
    response = client.get(path, {"emailaddress": "someone@example.org"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    provider = _parse(response).find("emailProvider")
    assert provider is not None
    assert provider.get("id") == "example.org"
    assert provider.findtext("domain") == "example.org"
    assert _servers(response, "incomingServer") == [
        ("imap", "mail.example.org", "993", "SSL", "password-cleartext", "%EMAILADDRESS%"),
        ("imap", "mail.example.org", "143", "STARTTLS", "password-cleartext", "%EMAILADDRESS%"),
    ]
    assert _servers(response, "outgoingServer") == [
        ("smtp", "mail.example.org", "465", "SSL", "password-cleartext", "%EMAILADDRESS%"),
        ("smtp", "mail.example.org", "587", "STARTTLS", "password-cleartext", "%EMAILADDRESS%"),
    ]


@override_settings(**AUTOCONFIG_SETTINGS)
def test_autoconfig_host_names_the_domain(client, domain):
    response = client.get("/mail/config-v1.1.xml", HTTP_HOST="autoconfig.example.org")
    assert response.status_code == 200
    provider = _parse(response).find("emailProvider")
    assert provider is not None
    assert provider.get("id") == "example.org"


@override_settings(**AUTOCONFIG_SETTINGS)
def test_autoconfig_for_a_foreign_or_disabled_domain_is_404(client, domain, other_domain):
    assert (
        client.get("/mail/config-v1.1.xml", {"emailaddress": "x@elsewhere.test"}).status_code == 404
    )
    other_domain.is_active = False
    other_domain.save()
    assert client.get("/mail/config-v1.1.xml", {"emailaddress": "x@example.net"}).status_code == 404
