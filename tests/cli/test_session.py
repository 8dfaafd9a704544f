"""ping, login, save-args, and how the command finds its server and its token."""

from __future__ import annotations

import stat

from tests.cli.conftest import closed_port

ALICE = "alice@example.org"


def test_ping_reports_both_versions_without_a_token(cli, tmp_path):
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    result = cli.run("ping", cwd=elsewhere)
    assert result.status == 0, result.stderr
    assert result.stdout.splitlines() == [
        "mailplatform_version: 0.1.0",
        "mailplatform_admin_version: 0.1.0",
    ]
    assert cli.run("--json", "ping").json() == {
        "mailplatform_version": "0.1.0",
        "mailplatform_admin_version": "0.1.0",
    }


def test_ping_of_a_stopped_server_is_a_temporary_failure(cli):
    result = cli.run("--url", f"http://127.0.0.1:{closed_port()}", "ping")
    assert result.status == 75
    assert "No answer from" in result.stderr


def test_login_prints_a_token_that_works(cli, tmp_path):
    result = cli.run("login", "-i", ALICE, stdin="alice-pw-1\n")
    assert result.status == 0, result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines["principal"] == f"account {ALICE}"
    assert lines["expires_at"] == "never"
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    as_alice = cli.run(
        "get-user", ALICE, env={"MAILPLATFORM_ADMIN_TOKEN": lines["bearer_token"]}, cwd=elsewhere
    )
    assert as_alice.status == 0, as_alice.stderr
    assert f"address: {ALICE}" in as_alice.stdout


def test_login_save_writes_a_private_token_that_later_commands_use(cli, tmp_path):
    password_file = tmp_path / "pw"
    password_file.write_text("alice-pw-1\n")
    result = cli.run(
        "login", "-s", "--password-file", str(password_file), "--expires-in", "3600", ALICE
    )
    assert result.status == 0, result.stderr
    saved = cli.home / ".config" / "mailplatform-admin" / "token"
    assert result.stdout.strip() == f"Saved the token to {saved}."
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert saved.read_text().strip() not in result.stdout  # saved, not shown
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    # alice's saved token, not the operator's: she may not see bob.
    assert cli.run("get-user", ALICE, cwd=elsewhere).status == 0
    refused = cli.run("get-user", "bob@example.org", cwd=elsewhere)
    assert refused.status == 1
    assert "No account bob@example.org" in refused.stderr


def test_login_with_a_wrong_password_is_refused(cli):
    result = cli.run("login", "-i", ALICE, stdin="wrong\n")
    assert result.status == 1
    assert "Invalid username or password" in result.stderr
    assert not (cli.home / ".config").exists()


def test_save_args_writes_the_given_flags_where_xdg_says_and_later_runs_use_them(cli, tmp_path):
    xdg = tmp_path / "xdg"
    saved = cli.run(
        "--url", cli.url, "--timeout", "30", "save-args", env={"XDG_CONFIG_HOME": str(xdg)}
    )
    config = xdg / "mailplatform-admin" / "mailplatform-admin.conf"
    assert saved.status == 0, saved.stderr
    assert saved.stdout.strip() == f"Config file written: {config}"
    assert f"url = {cli.url}" in config.read_text()
    assert "token" not in config.read_text()  # only what was given
    # No URL in the environment now: the saved one is used.
    again = cli.run("ping", env={"XDG_CONFIG_HOME": str(xdg), "MAILPLATFORM_ADMIN_URL": None})
    assert again.status == 0, again.stderr
    assert not (cli.home / ".config").exists()  # XDG_CONFIG_HOME replaced ~/.config


def test_save_args_defaults_to_home_config_and_keeps_token_files_absolute(cli, platform, tmp_path):
    (tmp_path / "tokens").mkdir()
    (tmp_path / "tokens" / "alice").write_text(platform.token_for(platform.alice) + "\n")
    saved = cli.run("--token-file", "alice", "save-args", cwd=tmp_path / "tokens")
    config = cli.home / ".config" / "mailplatform-admin" / "mailplatform-admin.conf"
    assert saved.stdout.strip() == f"Config file written: {config}"
    assert f"token_file = {tmp_path / 'tokens' / 'alice'}" in config.read_text()
    # From the home directory, whose var/admin-token is the operator's: the saved file wins.
    assert cli.run("get-user", "bob@example.org").status == 1
    assert cli.run("get-user", ALICE).status == 0


def test_flag_beats_environment_beats_config_file(cli):
    dead = f"http://127.0.0.1:{closed_port()}"
    assert cli.run("--url", dead, "save-args").status == 0
    assert cli.run("ping").status == 0  # $MAILPLATFORM_ADMIN_URL over the config file
    assert cli.run("ping", env={"MAILPLATFORM_ADMIN_URL": None}).status == 75
    assert cli.run("--url", dead, "ping").status == 75  # the flag over the environment


def test_token_precedence_flag_then_env_token_then_env_file_then_local_admin_token(
    cli, platform, tmp_path
):
    alice_file = tmp_path / "alice-token"
    alice_file.write_text(platform.token_for(platform.alice))
    operator_file = tmp_path / "operator-token"
    operator_file.write_text(platform.operator_token)
    bob = "bob@example.org"
    # The home's var/admin-token (the operator's) is used when nothing else is configured.
    assert cli.run("get-user", bob).status == 0
    # $MAILPLATFORM_ADMIN_TOKEN_FILE over the local admin token.
    assert (
        cli.run("get-user", bob, env={"MAILPLATFORM_ADMIN_TOKEN_FILE": str(alice_file)}).status == 1
    )
    # $MAILPLATFORM_ADMIN_TOKEN over $MAILPLATFORM_ADMIN_TOKEN_FILE.
    env_token = {
        "MAILPLATFORM_ADMIN_TOKEN": platform.operator_token,
        "MAILPLATFORM_ADMIN_TOKEN_FILE": str(alice_file),
    }
    assert cli.run("get-user", bob, env=env_token).status == 0
    # --token-file over both.
    assert cli.run("--token-file", str(alice_file), "get-user", bob, env=env_token).status == 1


def test_the_admin_token_is_found_through_the_data_dir_variables(cli, platform, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "admin-token").write_text(platform.operator_token + "\n")
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    for variable in ("MAILPLATFORM_DATA_DIR", "DATA_DIR"):
        result = cli.run(
            "get-user", "bob@example.org", env={variable: str(data_dir)}, cwd=elsewhere
        )
        assert result.status == 0, result.stderr
    assert cli.run("get-user", "bob@example.org", cwd=elsewhere).status == 1


def test_the_local_admin_token_is_not_offered_to_another_machine(cli):
    # 0.0.0.0 reaches this machine but is not a loopback name; the refusal comes first anyway.
    result = cli.run("--url", f"http://0.0.0.0:{closed_port()}", "get-user", "bob@example.org")
    assert result.status == 1
    assert "No token" in result.stderr


def test_an_unreadable_token_file_named_explicitly_is_an_error_not_a_fallback(cli, tmp_path):
    result = cli.run("--token-file", str(tmp_path / "missing"), "get-user", ALICE)
    assert result.status == 1
    assert "Cannot read the token file" in result.stderr


def test_a_refused_token_says_where_it_came_from(cli):
    result = cli.run("get-user", ALICE, env={"MAILPLATFORM_ADMIN_TOKEN": "not-a-token"})
    assert result.status == 1
    assert "$MAILPLATFORM_ADMIN_TOKEN was refused" in result.stderr
    assert "login -s" in result.stderr


def test_usage_errors_exit_2(cli):
    assert cli.run("folders").status == 2
    assert cli.run("quota", ALICE, "set", "-5").status == 2
    assert cli.run("--url", "ftp://example.org", "ping").status == 2
