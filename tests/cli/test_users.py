"""set-user, get-user, change-password, delete-user, list-users over the API."""

from __future__ import annotations

from accounts import services
from accounts.models import Account

ALICE = "alice@example.org"
BOB = "bob@example.org"


def can_log_in(address: str, password: str) -> bool:
    return services.account_authenticate(address=address, password=password) is not None


def as_account(cli, platform, account: Account) -> dict[str, str]:
    return {"MAILPLATFORM_ADMIN_TOKEN": platform.token_for(account)}


def test_set_user_creates_an_account_with_roles_and_params(cli, tmp_path):
    password_file = tmp_path / "pw"
    password_file.write_text("carol-pw-1\n")
    result = cli.run(
        "set-user",
        "--password-file",
        str(password_file),
        "--role",
        "admin",
        "--param",
        "lang=fr",
        "carol@example.org",
    )
    assert result.status == 0, result.stderr
    assert result.stdout.strip() == "Created carol@example.org."
    carol = Account.objects.get(local_part="carol")
    assert carol.roles == ["admin"]
    assert carol.params == {"lang": "fr"}
    assert can_log_in("carol@example.org", "carol-pw-1")
    shown = cli.run("--json", "get-user", "carol@example.org").json()
    assert shown["roles"] == ["admin"]
    assert shown["has_password"] is True


def test_set_user_without_password_and_no_overwrite(cli):
    created = cli.run("set-user", "--no-password", "dave@example.org")
    assert created.status == 0, created.stderr
    assert Account.objects.get(local_part="dave").password == ""
    again = cli.run("set-user", "--no-overwrite", "--no-password", "dave@example.org")
    assert again.status == 1
    assert "already exists" in again.stderr


def test_set_user_overwrites_password_roles_and_params_of_an_existing_account(cli, platform):
    result = cli.run("set-user", "-i", "--param", "plan=gold", BOB, stdin="bob-new-pw-2\n")
    assert result.status == 0, result.stderr
    assert result.stdout.strip() == f"Updated {BOB}."
    platform.bob.refresh_from_db()
    assert platform.bob.params == {"plan": "gold"}
    assert can_log_in(BOB, "bob-new-pw-2")
    assert not can_log_in(BOB, "bob-pw-1")
    # Roles not given are removed, as pymap-admin's set-user does.
    demoted = cli.run("set-user", "--no-password", "postmaster@example.org")
    assert demoted.status == 0, demoted.stderr
    platform.postmaster.refresh_from_db()
    assert platform.postmaster.roles == []
    assert can_log_in("postmaster@example.org", "postmaster-pw-1")  # --no-password kept it


def test_an_account_without_the_admin_role_may_only_change_its_own_password(cli, platform):
    env = as_account(cli, platform, platform.alice)
    own = cli.run("change-password", "-i", ALICE, stdin="alice-new-pw-2\n", env=env)
    assert own.status == 0, own.stderr
    assert own.stdout.strip() == f"Changed the password of {ALICE}."
    assert can_log_in(ALICE, "alice-new-pw-2")
    # set-user on itself is a password change too; asking for a role is refused.
    assert cli.run("set-user", "-i", ALICE, stdin="alice-new-pw-3\n", env=env).status == 0
    assert can_log_in(ALICE, "alice-new-pw-3")
    promote = cli.run("set-user", "--no-password", "--role", "admin", ALICE, env=env)
    assert promote.status == 1
    assert f"set-user failed: You may not change {ALICE}." in promote.stderr
    platform.alice.refresh_from_db()
    assert platform.alice.roles == []
    # Another account is out of reach, and said so.
    other = cli.run("change-password", "-i", BOB, stdin="stolen-pw-1\n", env=env)
    assert other.status == 1
    assert f"No account {BOB}." in other.stderr
    assert "may not manage it" in other.stderr
    assert can_log_in(BOB, "bob-pw-1")
    assert cli.run("delete-user", BOB, env=env).status == 1
    assert Account.objects.filter(local_part="bob").exists()


def test_an_account_with_the_admin_role_manages_others(cli, platform):
    env = as_account(cli, platform, platform.postmaster)
    result = cli.run("change-password", "-i", BOB, stdin="bob-reset-pw-3\n", env=env)
    assert result.status == 0, result.stderr
    assert can_log_in(BOB, "bob-reset-pw-3")


def test_get_user_shows_key_value_lines(cli):
    result = cli.run("get-user", "ALICE@Example.org")
    assert result.status == 0, result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines["address"] == ALICE
    assert lines["roles"] == "-"
    assert lines["has_password"] == "yes"


def test_get_user_of_an_unknown_account_is_refused(cli):
    result = cli.run("get-user", "nobody@example.org")
    assert result.status == 1
    assert "get-user failed: No account nobody@example.org." in result.stderr


def test_delete_user(cli):
    result = cli.run("delete-user", BOB)
    assert result.status == 0, result.stderr
    assert result.stdout.strip() == f"Deleted {BOB}."
    assert not Account.objects.filter(local_part="bob").exists()


def test_list_users_as_a_table_as_json_and_by_domain(cli, platform):
    other = services.domain_create(name="example.net", acting_user=None)
    services.account_create(domain=other, local_part="erin", password=None, acting_user=None)
    table = cli.run("list-users")
    assert table.status == 0, table.stderr
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["address", "active", "quota", "roles", "expires"]
    assert [row.split()[0] for row in rows] == [
        "erin@example.net",
        ALICE,
        BOB,
        "postmaster@example.org",
    ]
    listed = cli.run("--json", "list-users", "--domain", "example.net").json()
    assert [a["address"] for a in listed] == ["erin@example.net"]
    own = cli.run("list-users", "--json", env=as_account(cli, platform, platform.alice)).json()
    assert [a["address"] for a in own] == [ALICE]


def test_errors_are_json_on_stderr_with_json(cli):
    result = cli.run("--json", "get-user", "nobody@example.org")
    assert result.status == 1
    assert '"status_code": 404' in result.stderr
    assert result.stdout == ""
