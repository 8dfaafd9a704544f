"""The real IMAP::Admin Perl module (Debian: libimap-admin-perl) against the daemon over TCP
with LOGIN, logged in as an account with the admin role, Separator "/"."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from accounts import services as account_services
from accounts.models import Account
from imapd.models import Mailbox, MailboxAcl
from imapd.tls import certificate_paths
from tests.imapd.server.conftest import OTHER_PASSWORD


def _module_available() -> bool:
    perl = shutil.which("perl")
    if perl is None:
        return False
    return subprocess.run([perl, "-MIMAP::Admin", "-e1"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(
    not _module_available(),
    reason="the IMAP::Admin Perl module is not installed (apt-get install libimap-admin-perl)",
)

A = "user/alice@example.org"

# Each call's result on one line: `name<TAB>value|value...`; the error text after a failure.
SCRIPT = r"""
use strict;
use IMAP::Admin;
my $imap = IMAP::Admin->new(
    'Server' => '127.0.0.1', 'Port' => $ENV{IMAP_PORT},
    'Login' => $ENV{IMAP_LOGIN}, 'Password' => $ENV{IMAP_PASSWORD}, 'Separator' => '/',
);
sub out { my $name = shift; print "$name\t", join('|', map { defined $_ ? $_ : '' } @_), "\n"; }
my $a = 'user/alice@example.org';
out('login', $imap->error);
out('create', $imap->create("$a/Perl"));
out('create_partition', $imap->create("$a/Perl/Part", 'green'));
out('create_user', $imap->create('user/carol@example.org'));
out('subscribe', $imap->subscribe("$a/Perl"));
out('unsubscribe', $imap->unsubscribe("$a/Perl"));
out('rename', $imap->rename("$a/Perl/Part", "$a/Perl/Moved"));
out('rename_partition', $imap->rename("$a/Perl/Moved", "$a/Perl/Kept", 'green'));
out('set_quota', $imap->set_quota($a, 10000));
out('get_quota', $imap->get_quota($a));
out('get_quotaroot', $imap->get_quotaroot("$a/Perl"));
out('set_acl', $imap->set_acl("$a/Perl", 'anyone', 'lrs', 'bob@example.org', 'lrswipcda'));
out('get_acl', $imap->get_acl("$a/Perl"));
out('delete_acl', $imap->delete_acl("$a/Perl", 'anyone'));
out('get_acl_after', $imap->get_acl("$a/Perl"));
out('list', $imap->list("$a/P*"));
out('select', scalar(grep { /EXISTS/ } $imap->select($a)));
out('expunge', $imap->expunge());
out('h_delete', $imap->h_delete("$a/Perl"));
out('list_after', $imap->list("$a/P*"));
out('delete', $imap->delete('user/carol@example.org'));
out('error', $imap->error);
out('close', $imap->close());
"""


def test_imap_admin_module_administers_accounts_folders_quotas_and_acls(daemon, alice, bob):
    account_services.account_update(account=bob, acting_user=None, roles=["admin"])
    env = {
        **os.environ,
        "IMAP_PORT": str(daemon.port("imap")),
        "IMAP_LOGIN": "bob@example.org",
        "IMAP_PASSWORD": OTHER_PASSWORD,
    }
    done = subprocess.run(
        ["perl", "-e", SCRIPT], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    results = dict(line.split("\t", 1) for line in done.stdout.splitlines())
    assert results["login"] == "No Errors"
    for call in (
        "create",
        "create_partition",
        "create_user",
        "subscribe",
        "unsubscribe",
        "rename",
        "rename_partition",
        "set_quota",
        "set_acl",
        "delete_acl",
        "h_delete",
        "delete",
        "close",
    ):
        assert results[call] == "0", (call, results)
    assert results["get_quota"] == f"{A}|0|10000"
    assert results["get_quotaroot"] == f"{A}|0|10000"
    assert results["get_acl"] == (
        "alice@example.org|lrswipkxtecda|anyone|lrs|bob@example.org|lrswipkxtecda"
    )
    assert (
        results["get_acl_after"] == "alice@example.org|lrswipkxtecda|bob@example.org|lrswipkxtecda"
    )
    assert results["list"] == f"{A}/Perl|{A}/Perl/Kept"
    assert results["select"] == "1"
    assert results["expunge"] == ""
    assert results["list_after"] == ""
    assert results["error"] == "No Errors"
    assert not Mailbox.objects.filter(account=alice, name__startswith="Perl").exists()
    assert not MailboxAcl.objects.exists()
    assert not Account.objects.filter(local_part="carol").exists()
    alice.refresh_from_db()
    assert alice.quota_bytes == 10000 * 1024


# The same module over each of the daemon's doors and both of its login methods.
DOOR_SCRIPT = r"""
use strict;
use IMAP::Admin;
my %args = ('Server' => $ENV{IMAP_SERVER}, 'Login' => $ENV{IMAP_LOGIN},
            'Password' => $ENV{IMAP_PASSWORD}, 'Separator' => '/', 'CRAM' => $ENV{IMAP_CRAM});
$args{'Port'} = $ENV{IMAP_PORT} if $ENV{IMAP_PORT};
if ($ENV{IMAP_SSL}) {
    # The module's defaults name certificate files under ./certs; point it at the server's own
    # (self-signed) certificate instead. It does not verify the peer (SSL_verify_mode 0).
    %args = (%args, 'SSL' => 1, 'SSL_ca_file' => $ENV{IMAP_SSL}, 'SSL_ca_path' => '/etc/ssl/certs',
             'SSL_cert_file' => $ENV{IMAP_SSL}, 'SSL_key_file' => $ENV{IMAP_SSL_KEY});
}
my $imap = IMAP::Admin->new(%args);
sub out { my $name = shift; print "$name\t", join('|', map { defined $_ ? $_ : '' } @_), "\n"; }
my $a = 'user/alice@example.org';
out('login', $imap->error);
out('capability', $imap->{'Capability'} =~ /QUOTA/ && $imap->{'Capability'} =~ /ACL/ ? 1 : 0);
out('create', $imap->create("$a/Door"));
out('set_acl', $imap->set_acl("$a/Door", 'bob@example.org', 'lr'));
my %acl = $imap->get_acl("$a/Door");
out('acl_hash', $acl{'bob@example.org'});
out('list', $imap->list("$a/D%"));
out('delete', $imap->delete("$a/Door"));
out('close', $imap->close());
"""


@pytest.mark.parametrize("door", ["tcp", "tls", "unix"])
@pytest.mark.parametrize("cram", [False, True], ids=["login", "cram-md5"])
def test_imap_admin_module_works_over_every_door_with_login_and_cram_md5(
    request, alice, bob, door, cram
):
    account_services.account_update(account=bob, acting_user=None, roles=["admin"])
    if cram:
        # CRAM-MD5 needs the secret itself: an account imported with a {PLAIN} password. The
        # daemon looks for such accounts when it starts (and every few minutes), so start it now.
        Account.objects.filter(pk=bob.pk).update(password="{PLAIN}" + OTHER_PASSWORD)
    daemon = request.getfixturevalue("daemon")
    env = {
        **os.environ,
        "IMAP_LOGIN": "bob@example.org",
        "IMAP_PASSWORD": OTHER_PASSWORD,
        "IMAP_CRAM": "1" if cram else "0",
        "IMAP_SERVER": daemon.options.imap_unix_socket if door == "unix" else "127.0.0.1",
        "IMAP_PORT": ""
        if door == "unix"
        else str(daemon.port("imaps" if door == "tls" else "imap")),
        "IMAP_SSL": str(certificate_paths()[0]) if door == "tls" else "",
        "IMAP_SSL_KEY": str(certificate_paths()[1]),
    }
    done = subprocess.run(
        ["perl", "-e", DOOR_SCRIPT], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    results = dict(line.split("\t", 1) for line in done.stdout.splitlines())
    assert results["login"] == "No Errors", results
    assert results["capability"] == "1"
    for call in ("create", "set_acl", "delete", "close"):
        assert results[call] == "0", (call, results)
    assert results["acl_hash"] == "lr"
    assert "user/alice@example.org/Door" in results["list"].split("|")
    assert not Mailbox.objects.filter(account=alice, name="Door").exists()
