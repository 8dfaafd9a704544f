"""The mailadm-style management commands."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from accounts import passwords
from accounts.models import Account
from provisioning import services
from provisioning.models import Token, TokenAccount
from tests.provisioning.conftest import decode_qr


def run(*args: str, stdin: str | None = None) -> str:
    out = io.StringIO()
    if stdin is None:
        call_command(*args, stdout=out)
    else:
        call_command(*args, stdout=out, stdin=io.StringIO(stdin))
    return out.getvalue()


@override_settings(PROVISIONING_WEB_ENDPOINT="https://mail.example.org/new_email")
def test_add_token_prints_fields_url_and_dcaccount_line(domain):
    output = run("add_token", "oneday", "--expiry", "1d", "--prefix", "tmp.")
    token = Token.objects.get(name="oneday")
    url = f"https://mail.example.org/new_email?t={token.secret}&n=oneday"
    assert output.splitlines() == [
        "added token 'oneday'",
        "token:oneday",
        "  domain = example.org",
        "  prefix = tmp.",
        "  expiry = 1d",
        "  maxuse = 50",
        "  usecount = 0",
        "  active = yes",
        f"  token = {token.secret}",
        f"  {url}",
        f"  DCACCOUNT:{url}",
    ]


def test_add_token_with_all_options(domain, other_domain):
    run(
        "add_token",
        "x",
        "--domain",
        "example.net",
        "--expiry",
        "1w",
        "--maxuse",
        "3",
        "--prefix",
        "guest-",
        "--token",
        "A" * 22,
        "--single-use",
        "--inactive",
    )
    token = Token.objects.get(name="x")
    assert (token.domain, token.expiry, token.maxuse, token.prefix, token.secret) == (
        other_domain,
        "1w",
        3,
        "guest-",
        "A" * 22,
    )
    assert token.single_use
    assert not token.is_active


def test_add_token_with_fixed_address_takes_its_domain(domain, other_domain):
    run("add_token", "bob", "--fixed-address", "Bob@example.net")
    token = Token.objects.get(name="bob")
    assert (token.domain, token.fixed_local_part) == (other_domain, "bob")


def test_add_token_needs_a_domain_when_there_are_several(domain, other_domain):
    with pytest.raises(CommandError, match="--domain"):
        run("add_token", "x")


def test_add_token_refusals_are_command_errors(domain):
    with pytest.raises(CommandError, match="not an expiry"):
        run("add_token", "x", "--expiry", "3 days")
    with pytest.raises(CommandError, match="token name"):
        run("add_token", "a/b")
    assert not Token.objects.exists()


def test_mod_token_changes_fields_and_state(token):
    output = run(
        "mod_token",
        "oneday",
        "--expiry",
        "1w",
        "--maxuse",
        "7",
        "--prefix",
        "t-",
        "--no-active",
        "--single-use",
    )
    token.refresh_from_db()
    assert (token.expiry, token.maxuse, token.prefix, token.is_active, token.single_use) == (
        "1w",
        7,
        "t-",
        False,
        True,
    )
    assert "modified token 'oneday'" in output
    assert "  expiry = 1w" in output


def test_mod_token_new_token_replaces_the_secret(token):
    old = token.secret
    run("mod_token", "oneday", "--new-token")
    token.refresh_from_db()
    assert token.secret != old
    assert len(token.secret) == 32


def test_unknown_token_name_is_a_command_error(db):
    for command in ("mod_token", "del_token", "gen_qr"):
        with pytest.raises(CommandError, match="No token nope"):
            run(command, "nope")


def test_del_token(token):
    assert run("del_token", "oneday") == "deleted token 'oneday'\n"
    assert not Token.objects.exists()


def test_list_tokens_shows_every_token(make_token):
    make_token("a")
    make_token("b", maxuse=3)
    output = run("list_tokens")
    assert "token:a" in output
    assert "token:b" in output
    assert output.count("DCACCOUNT:") == 2
    assert "  maxuse = 3" in output


def test_gen_qr_writes_the_tokens_code(token, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    output = run("gen_qr", "oneday")
    path = tmp_path / "dcaccount-example.org-oneday.png"
    assert output == f"{path.name} written for token 'oneday'\n"
    (text,) = decode_qr(path.read_bytes())
    assert text.startswith("DCACCOUNT:")
    assert f"t={token.secret}" in text


def test_gen_qr_output_option(token, tmp_path):
    target = tmp_path / "code.png"
    run("gen_qr", "oneday", "-o", str(target))
    assert decode_qr(target.read_bytes())[0].endswith("&n=oneday")


def test_gen_qr_for_an_address_with_its_password(account, tmp_path):
    target = tmp_path / "login.png"
    run(
        "gen_qr",
        "alice@example.org",
        "-o",
        str(target),
        "--password-file",
        "-",
        stdin="alice-pw-1\n",
    )
    (text,) = decode_qr(target.read_bytes())
    assert text.startswith("dclogin:alice@example.org?")
    assert parse_qs(text.partition("?")[2])["p"] == ["alice-pw-1"]


def test_gen_qr_for_an_address_refuses_a_wrong_password_and_needs_a_choice(account, tmp_path):
    with pytest.raises(CommandError, match="not the password"):
        run(
            "gen_qr",
            "alice@example.org",
            "-o",
            str(tmp_path / "x.png"),
            "--password-file",
            "-",
            stdin="wrong\n",
        )
    with pytest.raises(CommandError, match="--new-password"):
        run("gen_qr", "alice@example.org")
    assert not (tmp_path / "x.png").exists()


def test_gen_qr_new_password_sets_the_one_in_the_code(account, tmp_path):
    target = tmp_path / "login.png"
    run("gen_qr", "alice@example.org", "-o", str(target), "--new-password")
    password = parse_qs(decode_qr(target.read_bytes())[0].partition("?")[2])["p"][0]
    account.refresh_from_db()
    assert passwords.verify_password(password, account.password)


def test_token_add_user_with_token_counts_a_use_and_takes_its_expiry(token):
    output = run("token_add_user", "tmp.12345@example.org", "--token", "oneday")
    assert output.splitlines()[0] == (
        "added addr 'tmp.12345@example.org' with token 'oneday', expiry 1d"
    )
    match = re.search(r"^password = (\S+)$", output, re.M)
    assert match is not None
    password = match[1]
    account = Account.objects.get(local_part="tmp.12345")
    assert passwords.verify_password(password, account.password)
    assert account.expires_at is not None
    assert account.expires_at - timezone.now() > timedelta(hours=23)
    token.refresh_from_db()
    assert token.usecount == 1


def test_token_add_user_with_password_file_prints_no_password(domain):
    output = run(
        "token_add_user", "carol@example.org", "--password-file", "-", stdin="carol-pw-1\n"
    )
    assert "carol-pw-1" not in output
    assert "password" not in output
    account = Account.objects.get(local_part="carol")
    assert passwords.verify_password("carol-pw-1", account.password)
    assert account.expires_at is None  # no token, no --expiry: never
    assert TokenAccount.objects.filter(account=account, token=None).exists()


def test_token_add_user_qr_puts_the_password_only_in_the_code(domain, tmp_path):
    target = tmp_path / "login.png"
    output = run("token_add_user", "dave@example.org", "--expiry", "1h", "--qr", str(target))
    assert "password" not in output
    password = parse_qs(decode_qr(target.read_bytes())[0].partition("?")[2])["p"][0]
    account = Account.objects.get(local_part="dave")
    assert passwords.verify_password(password, account.password)
    assert account.expires_at is not None
    assert account.expires_at - timezone.now() <= timedelta(hours=1)


def test_token_add_user_refuses_an_address_outside_the_tokens_domain(token, other_domain):
    with pytest.raises(CommandError, match=r"creates addresses in example\.org"):
        run("token_add_user", "x@example.net", "--token", "oneday")
    assert not Account.objects.exists()


def test_token_add_user_refuses_a_used_up_token(make_token):
    make_token("once", single_use=True)
    run("token_add_user", "a@example.org", "--token", "once")
    with pytest.raises(CommandError, match="used up"):
        run("token_add_user", "b@example.org", "--token", "once")


def test_token_del_user_deletes_only_temporary_accounts(token, account):
    created = services.token_redeem(secret=token.secret).account
    assert run("token_del_user", created.address) == f"deleted addr '{created.address}'\n"
    assert not Account.objects.filter(pk=created.pk).exists()
    with pytest.raises(CommandError, match="not an account created by a token"):
        run("token_del_user", "alice@example.org")
    assert Account.objects.filter(pk=account.pk).exists()


def test_token_list_users_all_or_of_one_token(make_token):
    a = services.token_redeem(secret=make_token("a").secret).account
    b = services.token_redeem(secret=make_token("b").secret).account
    everything = run("token_list_users")
    assert everything.splitlines()[0].split() == [
        "address",
        "token",
        "created",
        "expires",
        "last",
        "login",
        "warned",
    ]
    assert a.address in everything
    assert b.address in everything
    only_a = run("token_list_users", "--token", "a")
    assert a.address in only_a
    assert b.address not in only_a


def test_prune_command_and_its_dry_run(make_token, monkeypatch):
    now = timezone.now()
    account = services.token_redeem(secret=make_token("hour", expiry="1h").secret, now=now).account
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(hours=2))
    assert run("prune", "--dryrun") == (
        f"would delete {account.address}\n1 expired account(s) would be deleted.\n"
    )
    assert Account.objects.filter(pk=account.pk).exists()
    assert run("prune") == f"deleted {account.address}\n1 expired account(s) deleted.\n"
    assert not Account.objects.filter(pk=account.pk).exists()
    assert run("prune") == "0 expired account(s) deleted.\n"
