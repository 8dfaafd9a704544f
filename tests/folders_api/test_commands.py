"""`manage.py folders ADDRESS ...` and `manage.py quota ADDRESS ...`, as the local operator."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from imapd.models import Mailbox, Subscription
from tests.folders_api.conftest import put_messages

ALICE = "alice@example.org"


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def names(account) -> set[str]:
    return set(Mailbox.objects.filter(account=account).values_list("name", flat=True))


def test_folders_list_prints_a_table_and_json(account):
    put_messages(account, "INBOX", count=2)
    text = run("folders", ALICE, "list")
    header, *lines = text.splitlines()
    assert header.split() == ["name", "messages", "unseen", "size", "attributes"]
    inbox = next(line for line in lines if line.startswith("INBOX"))
    assert inbox.split()[1:3] == ["2", "2"]
    assert any("\\Sent" in line for line in lines)
    body = json.loads(run("folders", ALICE, "list", "--json"))
    assert {f["name"] for f in body["folders"]} == names(account)


def test_folders_create_rename_subscribe_and_recursive_delete(account):
    assert run("folders", ALICE, "create", "Lists/Django", "--special-use", "\\Archive") == (
        "Created Lists/Django.\n"
    )
    assert Mailbox.objects.get(account=account, name="Lists/Django").special_use == "\\Archive"
    assert run("folders", ALICE, "rename", "Lists", "Mailing") == "Renamed Lists to Mailing.\n"
    run("folders", ALICE, "subscribe", "Mailing/Django")
    assert Subscription.objects.filter(account=account, name="Mailing/Django").exists()
    run("folders", ALICE, "unsubscribe", "Mailing/Django")
    assert not Subscription.objects.filter(account=account, name="Mailing/Django").exists()
    put_messages(account, "Mailing/Django")
    assert run("folders", ALICE, "delete", "-r", "Mailing") == (
        "Deleted Mailing/Django, Mailing.\n"
    )
    assert not {n for n in names(account) if n.startswith("Mailing")}


def test_folders_refusals_are_command_errors(account):
    with pytest.raises(CommandError, match="INBOX cannot be deleted"):
        run("folders", ALICE, "delete", "INBOX")
    with pytest.raises(CommandError, match=r"No account nobody@example\.org"):
        run("folders", "nobody@example.org", "list")
    with pytest.raises(CommandError, match="already exists"):
        run("folders", ALICE, "create", "Sent")


def test_quota_get_set_and_remove(account):
    assert (
        run("quota", ALICE, "set", "2048") == f"Set the storage limit of {ALICE} to 2048 bytes.\n"
    )
    account.refresh_from_db()
    assert account.quota_bytes == 2048
    text = run("quota", ALICE, "get")
    assert text.splitlines() == [
        f"root: user/{ALICE}",
        "STORAGE: 0 KiB of 2 KiB",
        "MESSAGE: 0 messages of no limit",
        "bytes: 0 of 2048 bytes",
    ]
    assert json.loads(run("quota", ALICE, "get", "--json"))["limit_bytes"] == 2048
    run("quota", ALICE, "remove")
    account.refresh_from_db()
    assert account.quota_bytes is None


def test_quota_refuses_a_negative_limit(account):
    with pytest.raises(CommandError, match="cannot be negative"):
        run("quota", ALICE, "set", "-5")
