"""The management commands: thin wrappers that act as the local operator through the services."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

import mailplatform
from accounts import passwords, services
from accounts.models import Account, Alias, ApiToken, AuditEvent, Domain, User
from accounts.operator import OPERATOR_USERNAME, ensure_operator_token


def run(*args: str, stdin: str | None = None, **options: Any) -> str:
    out = io.StringIO()
    if stdin is not None:
        options["stdin"] = io.StringIO(stdin)
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


# --- set_user ------------------------------------------------------------------------------


def test_set_user_creates_an_account_with_the_password_from_stdin(domain: Domain) -> None:
    output = run("set_user", "Carol@Example.org", "--password-file", "-", stdin="s3cret pw\n")

    account = services.account_get(address="carol@example.org")
    assert passwords.verify_password("s3cret pw", account.password)  # newline stripped, space kept
    assert account.created_via == "cli"
    assert AuditEvent.objects.get(action="account.create").actor == "system"
    assert output.strip() == "Created carol@example.org."


def test_set_user_reads_a_password_file_and_never_prints_it(domain: Domain, tmp_path: Path) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_text("from-a-file\n")

    output = run("set_user", "carol@example.org", "--password-file", str(secret_file))

    account = services.account_get(address="carol@example.org")
    assert passwords.verify_password("from-a-file", account.password)
    assert "from-a-file" not in output


def test_set_user_prompts_twice_on_a_terminal(
    domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["typed-pw", "typed-pw"])
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    call_command("set_user", "carol@example.org", stdin=FakeTerminal(), stdout=io.StringIO())

    assert len(prompts) == 2
    account = services.account_get(address="carol@example.org")
    assert passwords.verify_password("typed-pw", account.password)


def test_set_user_refuses_when_the_typed_passwords_differ(
    domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["first-pw", "second-pw"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))

    with pytest.raises(CommandError, match="do not match"):
        call_command("set_user", "carol@example.org", stdin=FakeTerminal())
    assert not Account.objects.exists()


def test_set_user_without_a_terminal_needs_a_password_source(domain: Domain) -> None:
    with pytest.raises(CommandError, match="--password-file"):
        run("set_user", "carol@example.org", stdin="")
    assert not Account.objects.exists()


def test_set_user_no_password_creates_an_account_that_cannot_log_in(domain: Domain) -> None:
    run("set_user", "carol@example.org", "--no-password")

    account = services.account_get(address="carol@example.org")
    assert account.password == ""
    assert account.login_refusal(account.created_at) == "no password set"


def test_set_user_with_roles_and_params(domain: Domain) -> None:
    run(
        "set_user",
        "carol@example.org",
        "--no-password",
        "--role",
        "admin",
        "--param",
        "lang=fr",
        "--param",
        "note=a=b",
    )

    account = services.account_get(address="carol@example.org")
    assert account.roles == ["admin"]
    assert account.params == {"lang": "fr", "note": "a=b"}


def test_set_user_no_overwrite_refuses_an_existing_account(account: Account) -> None:
    old = account.password

    with pytest.raises(CommandError, match="already exists"):
        run("set_user", "alice@example.org", "--no-overwrite", "--password-file", "-", stdin="x")

    account.refresh_from_db()
    assert account.password == old


def test_set_user_overwrites_password_roles_and_params_of_an_existing_account(
    account: Account,
) -> None:
    services.account_update(account=account, roles=["admin"], params={"a": "1"}, acting_user=None)

    output = run(
        "set_user", "alice@example.org", "--password-file", "-", "--param", "b=2", stdin="new-pw"
    )

    account.refresh_from_db()
    assert passwords.verify_password("new-pw", account.password)
    assert account.roles == []
    assert account.params == {"b": "2"}
    assert output.strip() == "Updated alice@example.org."


def test_set_user_no_password_clears_an_existing_password(account: Account) -> None:
    run("set_user", "alice@example.org", "--no-password")

    account.refresh_from_db()
    assert account.password == ""


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["nobody@unknown.example", "--no-password"], "No domain unknown.example"),
        (["not-an-address", "--no-password"], "not an e-mail address"),
        (["carol@example.org", "--no-password", "--role", "wizard"], "Unknown role"),
        (["carol@example.org", "--no-password", "--param", "novalue"], "KEY=VALUE"),
        (["carol@example.org", "--password-file", "-", "--no-password"], "not allowed with"),
    ],
)
def test_set_user_refusals(domain: Domain, args: list[str], reason: str) -> None:
    with pytest.raises(CommandError, match=reason):
        run("set_user", *args, stdin="pw")
    assert not Account.objects.exists()


def test_set_user_refuses_a_multi_line_password_file(domain: Domain) -> None:
    with pytest.raises(CommandError, match="single line"):
        run("set_user", "carol@example.org", "--password-file", "-", stdin="one\ntwo\n")


# --- get_user, change_password, delete_user ------------------------------------------------


def test_get_user_shows_metadata_and_the_hashed_password_string(account: Account) -> None:
    output = run("get_user", "alice@example.org")

    lines = dict(line.split(": ", 1) for line in output.splitlines())
    assert lines["address"] == "alice@example.org"
    assert lines["active"] == "yes"
    assert lines["password"] == account.password
    assert lines["password"].startswith("{SHA512-CRYPT}$6$")  # the test settings' scheme
    assert lines["last_login_at"] == "-"
    assert lines["created_via"] == "admin"


def test_get_user_json(account: Account) -> None:
    data = json.loads(run("get_user", "alice@example.org", "--json"))

    assert data["address"] == "alice@example.org"
    assert data["password"] == account.password
    assert data["roles"] == []
    assert data["owner"] == "owner"


def test_get_user_of_an_unknown_account_fails(domain: Domain) -> None:
    with pytest.raises(CommandError, match=r"No account nobody@example\.org"):
        run("get_user", "nobody@example.org")


def test_a_refusal_exits_with_status_1(domain: Domain, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "get_user", "nobody@example.org"]).execute()

    assert exit_info.value.code == 1
    assert "No account nobody@example.org" in capsys.readouterr().err


def test_change_password_from_stdin(account: Account) -> None:
    output = run("change_password", "alice@example.org", "--password-file", "-", stdin="fresh-pw\n")

    account.refresh_from_db()
    assert passwords.verify_password("fresh-pw", account.password)
    assert "fresh-pw" not in output
    assert AuditEvent.objects.filter(action="account.set_password", actor="system").exists()


def test_change_password_refuses_an_unknown_scheme(account: Account) -> None:
    old = account.password

    with pytest.raises(CommandError, match="invalid choice"):
        run("change_password", "alice@example.org", "--password-file", "-", "--scheme", "MD5")

    account.refresh_from_db()
    assert account.password == old


def test_change_password_of_an_unknown_account_fails(domain: Domain) -> None:
    with pytest.raises(CommandError, match="No account"):
        run("change_password", "nobody@example.org", "--password-file", "-", stdin="pw")


def test_delete_user(account: Account) -> None:
    output = run("delete_user", "alice@example.org")

    assert not Account.objects.exists()
    assert output.strip() == "Deleted alice@example.org."
    assert AuditEvent.objects.filter(action="account.delete", actor="system").exists()


def test_delete_user_of_an_unknown_account_fails(domain: Domain) -> None:
    with pytest.raises(CommandError, match="No account"):
        run("delete_user", "nobody@example.org")


def test_list_users_filters_by_domain(account: Account, other_domain: Domain) -> None:
    services.account_create(domain=other_domain, local_part="bob", password=None, acting_user=None)

    everyone = run("list_users")
    only_org = run("list_users", "--domain", "example.org")

    assert "alice@example.org" in everyone
    assert "bob@example.net" in everyone
    assert "alice@example.org" in only_org
    assert "bob@example.net" not in only_org
    with pytest.raises(CommandError, match="No domain"):
        run("list_users", "--domain", "unknown.example")


# --- ping ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ping_reports_version_database_and_broker() -> None:
    lines = run("ping").splitlines()

    assert lines == [f"version: {mailplatform.__version__}", "database: ok", "broker: ok"]


@pytest.mark.django_db
def test_ping_fails_when_the_broker_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mailplatform.health.check_broker", lambda: "OperationalError")
    out = io.StringIO()

    with pytest.raises(CommandError, match="Unavailable: broker"):
        call_command("ping", stdout=out)
    assert "broker: error (OperationalError)" in out.getvalue()


# --- domains -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_domain_with_limits() -> None:
    output = run("add_domain", "Mail.Example.com", "--max-accounts", "5", "--quota", "1000")

    domain = Domain.objects.get()
    assert (domain.name, domain.max_accounts, domain.default_quota_bytes) == (
        "mail.example.com",
        5,
        1000,
    )
    assert output.strip() == "Created domain mail.example.com."


@pytest.mark.parametrize(
    ("name", "reason"), [("example.org", "already exists"), ("not a domain", "not a valid")]
)
def test_add_domain_refusals(domain: Domain, name: str, reason: str) -> None:
    with pytest.raises(CommandError, match=reason):
        run("add_domain", name)
    assert Domain.objects.count() == 1


def test_del_domain_refuses_a_domain_with_accounts_unless_forced(account: Account) -> None:
    with pytest.raises(CommandError, match="still has 1 account"):
        run("del_domain", "example.org")
    assert Domain.objects.exists()

    run("del_domain", "example.org", "--force")
    assert not Domain.objects.exists()
    assert not Account.objects.exists()


@pytest.mark.django_db
def test_del_domain_of_an_unknown_domain_fails() -> None:
    with pytest.raises(CommandError, match="No domain"):
        run("del_domain", "unknown.example")


def test_list_domains_shows_counts_and_limits(account: Account, other_domain: Domain) -> None:
    services.domain_update(domain=other_domain, max_accounts=7, acting_user=None)

    lines = run("list_domains").splitlines()

    assert lines[0].split()[:3] == ["name", "active", "accounts"]
    assert lines[1].split()[:4] == ["example.net", "yes", "0", "7"]
    assert lines[2].split()[:4] == ["example.org", "yes", "1", "-"]


# --- aliases -------------------------------------------------------------------------------


def test_add_alias_to_an_account_and_an_external_address(account: Account) -> None:
    output = run("add_alias", "info@example.org", "alice@example.org", "someone@elsewhere.example")

    alias = services.alias_get(address="info@example.org")
    assert sorted(str(t) for t in alias.targets.all()) == [
        "alice@example.org",
        "someone@elsewhere.example",
    ]
    assert output.startswith("Created alias info@example.org -> ")


def test_add_alias_catch_all(account: Account) -> None:
    run("add_alias", "@example.org", "alice@example.org")

    alias = Alias.objects.get()
    assert (alias.local_part, alias.address) == ("", "@example.org")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["info@example.org", "ghost@example.org"], "not an account on this platform"),
        (["alice@example.org", "someone@elsewhere.example"], "already an account"),
        (["info@unknown.example", "alice@example.org"], "No domain"),
        (["no-at-sign", "alice@example.org"], "@domain"),
    ],
)
def test_add_alias_refusals(account: Account, args: list[str], reason: str) -> None:
    with pytest.raises(CommandError, match=reason):
        run("add_alias", *args)
    assert not Alias.objects.exists()


def test_del_alias_and_list_aliases(account: Account, other_domain: Domain) -> None:
    run("add_alias", "@example.org", "alice@example.org")
    run("add_alias", "sales@example.net", "alice@example.org")

    listed = run("list_aliases", "--domain", "example.org")
    assert "@example.org" in listed
    assert "sales@example.net" not in listed
    assert "alice@example.org" in listed

    run("del_alias", "@example.org")
    assert [a.address for a in Alias.objects.all()] == ["sales@example.net"]
    with pytest.raises(CommandError, match="No alias"):
        run("del_alias", "@example.org")


# --- the operator's admin token --------------------------------------------------------------


@pytest.fixture
def token_path(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "secrets" / "admin-token"
    settings.ADMIN_TOKEN_FILE = path
    return path


def _operator_token_for(secret: str) -> ApiToken:
    return ApiToken.objects.select_related("user").get(digest=services.token_digest(secret))


@pytest.mark.django_db
def test_admin_token_is_written_0600_and_printed_once(token_path: Path) -> None:
    first = run("admin_token").splitlines()
    second = run("admin_token")

    secret = token_path.read_text().strip()
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
    assert first == [f"Wrote a new admin token to {token_path} (mode 0600):", secret]
    assert secret not in second
    assert str(token_path) in second
    token = _operator_token_for(secret)
    assert token.user is not None
    assert token.user.username == OPERATOR_USERNAME
    assert token.user.is_superuser
    assert not token.user.has_usable_password()


@pytest.mark.django_db
def test_admin_token_rotate_revokes_the_old_token(token_path: Path) -> None:
    run("admin_token")
    old = token_path.read_text().strip()

    output = run("admin_token", "--rotate")

    new = token_path.read_text().strip()
    assert new != old
    assert new in output
    assert not ApiToken.objects.filter(digest=services.token_digest(old)).exists()
    assert _operator_token_for(new).user is not None
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600


@pytest.mark.django_db
def test_ensure_operator_token_replaces_a_file_whose_token_was_revoked(token_path: Path) -> None:
    first = ensure_operator_token()
    assert first is not None
    assert ensure_operator_token() is None
    services.api_token_revoke(token=_operator_token_for(first), acting_user=None)

    second = ensure_operator_token()

    assert second is not None
    assert second != first
    assert token_path.read_text().strip() == second
    assert User.objects.filter(username=OPERATOR_USERNAME).count() == 1


@pytest.mark.django_db
def test_admin_token_refuses_to_adopt_an_ordinary_user_named_operator(token_path: Path) -> None:
    User.objects.create_user(OPERATOR_USERNAME, password="someone-else-1")

    with pytest.raises(CommandError, match="not an active superuser"):
        run("admin_token")

    assert not token_path.exists()
    assert not ApiToken.objects.exists()
    assert not User.objects.get(username=OPERATOR_USERNAME).is_superuser
