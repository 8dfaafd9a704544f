"""The mbox export: mboxrd quoting that reads back exactly, one file per folder, streaming."""

from __future__ import annotations

import io
import mailbox
import zipfile

import pytest

from imapd.store.dto import AppendItem
from imapd.store.selectors import mailbox_get_for_account
from imapd.store.services import mailbox_create, messages_append
from moderation.export import account_export_zip, from_line, mboxrd_body, member_name

from .conftest import put_mail


def test_mboxrd_quotes_from_lines_at_any_depth_and_only_those():
    raw = b"Subject: x\r\n\r\nFrom here\r\n>From there\r\n>>From afar\r\nNot From\r\n"
    assert mboxrd_body(raw) == (
        b"Subject: x\n\n>From here\n>>From there\n>>>From afar\nNot From\n\n"
    )


def test_a_message_without_a_final_line_end_still_gets_its_blank_separator():
    assert mboxrd_body(b"Subject: x\r\n\r\nno newline") == b"Subject: x\n\nno newline\n\n"


def test_the_from_line_carries_the_internal_date_in_utc():
    assert from_line(0) == b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n"


@pytest.mark.parametrize(
    ("folder", "name"),
    [
        ("INBOX", "INBOX.mbox"),
        ("Work/2025", "Work/2025.mbox"),
        ("../etc", "_/etc.mbox"),
        ('Odd:"name"', "Odd__name_.mbox"),
    ],
)
def test_folder_names_become_safe_archive_paths(folder, name):
    assert member_name(folder) == name


def test_the_archive_holds_every_folder_and_python_reads_the_messages_back(
    members_mailbox, tmp_path
):
    put_mail(members_mailbox, subject="One", body="From the top\r\nbye\r\n")
    put_mail(members_mailbox, subject="Two")
    mailbox_create(account=members_mailbox, name="Work/2025")
    messages_append(
        mailbox=mailbox_get_for_account(account=members_mailbox, name="Work/2025"),
        items=[AppendItem(raw=b"Subject: Filed\r\n\r\nbody\r\n")],
    )
    chunks = list(account_export_zip(account=members_mailbox))
    assert len(chunks) > 1  # streamed, not built in one piece
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert {"INBOX.mbox", "Work/2025.mbox", "Sent.mbox"} <= set(archive.namelist())
    path = tmp_path / "INBOX.mbox"
    path.write_bytes(archive.read("INBOX.mbox"))
    messages = list(mailbox.mbox(str(path)))
    assert [m["Subject"] for m in messages] == ["One", "Two"]
    # Python's mbox reader is mboxo: it leaves our added quote; one level was added.
    assert ">From the top" in messages[0].get_payload()
    work = tmp_path / "work.mbox"
    work.write_bytes(archive.read("Work/2025.mbox"))
    assert [m["Subject"] for m in mailbox.mbox(str(work))] == ["Filed"]
