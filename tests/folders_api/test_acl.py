"""/api/v1/accounts/<address>/folders/<name>/acl and `manage.py acl`: RFC 4314 ACLs through
the same store services as IMAP SETACL / DELETEACL / GETACL."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from imapd.models import MailboxAcl

ACL = "/api/v1/accounts/alice@example.org/folders/Sent/acl"
OWNER_ENTRY = {"alice@example.org": "lrswipkxtecda"}


def _stored(account) -> dict[str, str]:
    return dict(
        MailboxAcl.objects.filter(mailbox__account=account, mailbox__name="Sent").values_list(
            "identifier", "rights"
        )
    )


def test_the_account_reads_sets_and_deletes_its_folders_acl(account, account_api):
    assert account_api.get(ACL).json() == {"acl": OWNER_ENTRY}
    put = account_api.put(ACL, {"identifier": "bob@example.net", "rights": "lrsc"}, format="json")
    assert put.status_code == 204
    assert _stored(account) == {"bob@example.net": "lrsk"}
    assert account_api.get(ACL).json() == {"acl": {**OWNER_ENTRY, "bob@example.net": "lrskc"}}
    assert account_api.delete(ACL + "?identifier=bob@example.net").status_code == 204
    assert _stored(account) == {}


def test_bad_rights_and_a_missing_identifier_are_refused(account, account_api):
    bad = account_api.put(ACL, {"identifier": "bob@example.net", "rights": "lz"}, format="json")
    assert bad.status_code == 400
    assert account_api.delete(ACL).status_code == 400
    owner = account_api.put(ACL, {"identifier": "alice@example.org", "rights": "l"}, format="json")
    assert owner.status_code == 400
    assert _stored(account) == {}


def test_a_missing_folder_is_nonexistent(account, account_api):
    response = account_api.get("/api/v1/accounts/alice@example.org/folders/Nowhere/acl")
    assert response.status_code == 404
    assert response.json()["code"] == "NONEXISTENT"


@pytest.mark.parametrize("stranger", ["other_admin", "other_account", "colleague"])
def test_others_cannot_read_or_change_the_acl(account, request, client_for, stranger):
    client = client_for(request.getfixturevalue(stranger))
    assert client.get(ACL).status_code == 404
    body = {"identifier": stranger + "@example.org", "rights": "lrswipkxtea"}
    assert client.put(ACL, body, format="json").status_code == 404
    assert client.delete(ACL + "?identifier=anyone").status_code == 404
    assert _stored(account) == {}


def test_acl_command_gets_sets_and_deletes(account):
    out = StringIO()
    call_command("acl", "alice@example.org", "set", "Sent", "anyone", "lr", stdout=out)
    assert out.getvalue() == "anyone now has lr.\n"
    out = StringIO()
    call_command("acl", "alice@example.org", "get", "Sent", stdout=out)
    assert out.getvalue().splitlines() == ["alice@example.org lrswipkxtecda", "anyone lr"]
    call_command("acl", "alice@example.org", "delete", "Sent", "anyone", stdout=StringIO())
    assert _stored(account) == {}
    with pytest.raises(CommandError, match="No mailbox Nowhere"):
        call_command("acl", "alice@example.org", "get", "Nowhere", stdout=StringIO())
