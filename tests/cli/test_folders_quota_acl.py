"""folders, quota and acl: IMAP::Admin's verbs over the API."""

from __future__ import annotations

from imapd.models import Mailbox, Subscription
from tests.cli import acl_urls
from tests.folders_api.conftest import put_messages

ALICE = "alice@example.org"


def names(account) -> set[str]:
    return set(Mailbox.objects.filter(account=account).values_list("name", flat=True))


def test_folders_create_list_rename_subscribe_and_recursive_delete(cli, platform, settings):
    alice = platform.alice
    created = cli.run("folders", ALICE, "create", "Lists/Python", "--special-use", "\\Archive")
    assert created.status == 0, created.stderr
    assert created.stdout.strip() == "Created Lists/Python."
    put_messages(alice, "Lists/Python", count=2)
    listing = cli.run("folders", ALICE, "list")
    header, *rows = listing.stdout.splitlines()
    assert header.split() == ["name", "messages", "unseen", "size", "attributes"]
    python = next(row for row in rows if row.startswith("Lists/Python"))
    assert python.split()[1:3] == ["2", "2"]
    assert python.endswith("\\HasNoChildren \\Archive")
    as_json = cli.run("folders", ALICE, "list", "--json").json()
    assert {f["name"] for f in as_json["folders"]} == names(alice)
    renamed = cli.run("folders", ALICE, "rename", "Lists", "Mailing Lists")
    assert renamed.stdout.strip() == "Renamed Lists to Mailing Lists."
    assert {"Mailing Lists", "Mailing Lists/Python"} <= names(alice)
    assert cli.run("folders", ALICE, "subscribe", "Mailing Lists/Python").status == 0
    assert Subscription.objects.filter(account=alice, name="Mailing Lists/Python").exists()
    assert cli.run("folders", ALICE, "unsubscribe", "Mailing Lists/Python").status == 0
    assert not Subscription.objects.filter(account=alice, name="Mailing Lists/Python").exists()
    deleted = cli.run("folders", ALICE, "delete", "-r", "Mailing Lists")
    assert deleted.status == 0, deleted.stderr
    assert deleted.stdout.strip() == "Deleted Mailing Lists/Python, Mailing Lists."
    assert not {n for n in names(alice) if n.startswith("Mailing Lists")}


def test_a_folder_whose_last_level_is_acl_is_still_a_folder(cli, platform):
    assert cli.run("folders", ALICE, "create", "Team/acl").status == 0
    result = cli.run("folders", ALICE, "delete", "Team/acl")
    assert result.status == 0, result.stderr
    assert "Team/acl" not in names(platform.alice)


def test_folder_refusals_exit_1_with_the_reason(cli, platform):
    inbox = cli.run("folders", ALICE, "delete", "INBOX")
    assert inbox.status == 1
    assert "INBOX cannot be deleted" in inbox.stderr
    exists = cli.run("folders", ALICE, "create", "Sent")
    assert exists.status == 1
    assert "already exists" in exists.stderr


def test_an_account_manages_its_own_folders_but_not_anothers(cli, platform):
    env = {"MAILPLATFORM_ADMIN_TOKEN": platform.token_for(platform.alice)}
    assert cli.run("folders", ALICE, "create", "Private", env=env).status == 0
    for args in (
        ("folders", "bob@example.org", "list"),
        ("folders", "bob@example.org", "create", "Planted"),
        ("folders", "bob@example.org", "delete", "-r", "Sent"),
        ("quota", "bob@example.org", "get"),
    ):
        result = cli.run(*args, env=env)
        assert result.status == 1, args
        assert "No account bob@example.org." in result.stderr
    assert "Planted" not in names(platform.bob)
    assert "Sent" in names(platform.bob)


def test_quota_get_set_and_remove(cli, platform):
    assert cli.run("quota", ALICE, "set", "3145728").status == 0
    platform.alice.refresh_from_db()
    assert platform.alice.quota_bytes == 3 * 1024 * 1024
    put_messages(platform.alice, "INBOX", count=1, size=2000)
    shown = cli.run("quota", ALICE, "get")
    assert shown.status == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == f"root: user/{ALICE}"
    assert lines[1] == "STORAGE: 2 KiB of 3072 KiB"
    assert lines[2] == "MESSAGE: 1 messages of no limit"
    report = cli.run("--json", "quota", ALICE, "get").json()
    assert report["limit_bytes"] == 3 * 1024 * 1024
    removed = cli.run("quota", ALICE, "remove")
    assert removed.stdout.strip() == f"Removed the storage limit of {ALICE}."
    platform.alice.refresh_from_db()
    assert platform.alice.quota_bytes is None


def test_an_account_reads_its_quota_but_may_not_set_it(cli, platform):
    env = {"MAILPLATFORM_ADMIN_TOKEN": platform.token_for(platform.alice)}
    limit = platform.alice.quota_bytes
    assert cli.run("quota", ALICE, "get", env=env).status == 0
    refused = cli.run("quota", ALICE, "set", "1", env=env)
    assert refused.status == 1
    assert "quota failed: You may not change alice@example.org." in refused.stderr
    platform.alice.refresh_from_db()
    assert platform.alice.quota_bytes == limit


def test_acl_verbs_work_against_the_servers_acl_endpoint(cli, platform):
    assert cli.run("acl", ALICE, "set", "INBOX", "bob@example.org", "lrs").status == 0
    shown = cli.run("acl", ALICE, "get", "INBOX")
    assert shown.status == 0, shown.stderr
    assert shown.stdout.splitlines()[1:] == [
        f"{ALICE}  lrswipkxtecda",
        "bob@example.org    lrs",
    ]
    assert cli.run("acl", ALICE, "delete", "INBOX", "bob@example.org").status == 0
    assert "bob@example.org" not in cli.run("acl", ALICE, "get", "INBOX").stdout


def test_acl_verbs_speak_the_acl_endpoint_once_the_server_has_one(cli, settings):
    settings.ROOT_URLCONF = "tests.cli.acl_urls"
    acl_urls.received.clear()
    shown = cli.run("acl", ALICE, "get", "Team/Shared")
    assert shown.status == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        "identifier         rights",
        f"{ALICE}  lrswipkxtecda",
        "bob@example.org    lrs",
    ]
    assert cli.run("acl", ALICE, "set", "Team/Shared", "bob@example.org", "lr").status == 0
    assert cli.run("acl", ALICE, "delete", "Team/Shared", "bob@example.org").status == 0
    assert acl_urls.received == [
        ("GET", "Team/Shared", None),
        ("PUT", "Team/Shared", {"identifier": "bob@example.org", "rights": "lr"}),
        ("DELETE", "Team/Shared", "bob@example.org"),
    ]
    # A missing folder is reported as such, not as "not supported".
    missing = cli.run("acl", ALICE, "get", "Missing")
    assert missing.status == 1
    assert "acl failed: No mailbox Missing." in missing.stderr
