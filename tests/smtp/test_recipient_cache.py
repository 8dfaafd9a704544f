"""The daemon's recipient cache: what it keeps, for how long, and that every change to where an
address leads, or to whether its account takes mail, is seen at once."""

from __future__ import annotations

import threading

import pytest

from accounts import services as account_services
from accounts.models import Account, Alias
from imapd.smtp import recipient_cache, replies
from imapd.smtp.delivery import RecipientCheck
from imapd.smtp.recipient_cache import RecipientCache, recipients
from imapd.store import notifier
from imapd.store.notifier import DirectoryChange
from moderation.services.pending_actions import deletion_request
from tests.imapd.store.test_notifier import _redis_available, redis_hubs
from tests.smtp.conftest import inbox_messages, message
from tests.smtp.test_lmtp import lmtp, transaction


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def accepted(address: str, *account_ids: int) -> RecipientCheck:
    return RecipientCheck(address, replies.RECIPIENT_OK, account_ids=account_ids)


# --- the cache on its own ---------------------------------------------------------------------


def test_an_acceptance_is_kept_for_the_configured_seconds(settings):
    settings.RECIPIENT_CACHE_SECONDS = 10
    clock = Clock()
    cache = RecipientCache(clock=clock)
    cache.put(accepted("alice@example.org", 1), generation=cache.generation)
    assert cache.get("alice@example.org") == accepted("alice@example.org", 1)
    clock.now += 9.9
    assert cache.get("alice@example.org") is not None
    clock.now += 0.1
    assert cache.get("alice@example.org") is None
    assert len(cache) == 0


def test_a_hit_answers_with_the_address_as_given_in_any_case(settings):
    cache = RecipientCache()
    cache.put(accepted("alice+news@example.org", 1), generation=cache.generation)
    hit = cache.get("  Alice+News@EXAMPLE.org")
    assert hit is not None
    assert hit.address == "  Alice+News@EXAMPLE.org"  # it becomes the copy's Delivered-To
    assert hit.account_ids == (1,)
    assert cache.get("alice@example.org") is None  # another address, another lookup


@pytest.mark.parametrize(
    "check",
    [
        RecipientCheck("nobody@example.org", replies.UNKNOWN_USER),
        RecipientCheck("carol@example.org", replies.MAILBOX_DISABLED),
        RecipientCheck("x@example.com", replies.UNKNOWN_USER, is_local_domain=False),
        RecipientCheck.remote("x@example.com"),
    ],
    ids=["unknown", "disabled", "other-domain", "relayed"],
)
def test_refusals_and_other_domains_are_not_kept(check):
    cache = RecipientCache()
    cache.put(check, generation=cache.generation)
    assert cache.get(check.address) is None


def test_nothing_is_kept_when_the_setting_is_zero(settings):
    settings.RECIPIENT_CACHE_SECONDS = 0
    cache = RecipientCache()
    cache.put(accepted("alice@example.org", 1), generation=cache.generation)
    assert cache.get("alice@example.org") is None


def test_a_lookup_that_began_before_a_change_is_not_kept():
    cache = RecipientCache()
    before = cache.generation
    cache.clear()  # the directory changed while the lookup ran: its answer may be the old one
    cache.put(accepted("alice@example.org", 1), generation=before)
    assert cache.get("alice@example.org") is None


def test_the_oldest_answer_makes_room():
    cache = RecipientCache(max_entries=2)
    for n in range(3):
        cache.put(accepted(f"u{n}@example.org", n), generation=cache.generation)
    assert len(cache) == 2
    assert cache.get("u0@example.org") is None
    assert cache.get("u2@example.org") is not None


@pytest.mark.skipif(not _redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_a_change_in_another_process_empties_the_cache_through_redis():
    with redis_hubs() as (ours, theirs):
        previous = notifier.hub_replace(ours)
        try:
            cache = RecipientCache()
            cache.listen()
            cache.put(accepted("alice@example.org", 1), generation=cache.generation)
            emptied = threading.Event()
            ours.subscribe_directory(emptied.set)
            theirs.publish(DirectoryChange())
            assert emptied.wait(10)
            assert cache.get("alice@example.org") is None
        finally:
            notifier.hub_replace(previous)


# --- through LMTP -----------------------------------------------------------------------------


@pytest.fixture
def lookups(monkeypatch) -> list[str]:
    """The addresses looked up in the database, in order."""
    seen: list[str] = []
    real = recipient_cache.recipient_check

    def counting(address: str) -> RecipientCheck:
        seen.append(address)
        return real(address)

    monkeypatch.setattr(recipient_cache, "recipient_check", counting)
    return seen


def rcpt(daemon, address: str) -> tuple[int, bytes]:
    client = lmtp(daemon)
    client.mail("zed@example.com")
    reply = client.rcpt(address)
    client.quit()
    return reply


@pytest.mark.slow
def test_a_busy_address_is_looked_up_once(mail_daemon, layout, lookups):
    client = lmtp(mail_daemon)
    for n in range(3):
        _, after = transaction(client, "zed@example.com", ["Team@example.org"], message(f"m{n}"))
        assert after == [(250, after[0][1])]
    client.quit()
    assert lookups == ["Team@example.org"]
    assert len(inbox_messages(layout.alice)) == 3
    assert len(inbox_messages(layout.bob)) == 3
    assert all(b"Delivered-To: Team@example.org\r\n" in m for m in inbox_messages(layout.bob))


@pytest.mark.slow
def test_an_alias_pointed_elsewhere_leads_there_at_once(mail_daemon, layout, lookups):
    assert rcpt(mail_daemon, "sales@example.org")[0] == 250
    alias = Alias.objects.get(local_part="sales")
    account_services.alias_update(alias=alias, targets=["bob@example.org"], acting_user=None)
    client = lmtp(mail_daemon)
    _, after = transaction(client, "zed@example.com", ["sales@example.org"], message("moved"))
    client.quit()
    assert after[0][0] == 250
    assert inbox_messages(layout.alice) == []
    assert len(inbox_messages(layout.bob)) == 1
    assert lookups == ["sales@example.org", "sales@example.org"]


@pytest.mark.slow
def test_a_new_account_in_a_catch_all_domain_gets_its_own_mail_at_once(mail_daemon, layout):
    account_services.alias_create(
        domain=layout.domain, local_part="", targets=["bob@example.org"], acting_user=None
    )
    assert rcpt(mail_daemon, "dave@example.org")[0] == 250  # the catch-all's, for now
    dave = account_services.account_create(
        domain=layout.domain, local_part="dave", password="dave-pw-1", acting_user=None
    )
    client = lmtp(mail_daemon)
    _, after = transaction(client, "zed@example.com", ["dave@example.org"], message("mine"))
    client.quit()
    assert after[0][0] == 250
    assert len(inbox_messages(dave)) == 1
    assert inbox_messages(layout.bob) == []


@pytest.mark.slow
@pytest.mark.parametrize("how", ["disabled", "deletion requested", "alias deleted"])
def test_a_recipient_that_stops_taking_mail_is_refused_at_rcpt_at_once(mail_daemon, layout, how):
    address = "sales@example.org" if how == "alias deleted" else "alice@example.org"
    assert rcpt(mail_daemon, address)[0] == 250
    if how == "disabled":
        account_services.account_update(account=layout.alice, is_active=False, acting_user=None)
    elif how == "deletion requested":  # a QuerySet.update(), which sends no model signal
        deletion_request(account=layout.alice, acting_user=None)
    else:
        alias = Alias.objects.get(local_part="sales")
        account_services.alias_delete(alias=alias, acting_user=None)
    code, text = rcpt(mail_daemon, address)
    assert code == 550
    assert text.startswith(b"5.1.1" if how == "alias deleted" else b"5.2.1")


@pytest.mark.slow
def test_an_answer_cached_before_an_unannounced_change_still_stores_nothing(mail_daemon, layout):
    """A change no process heard of (another process without NOTIFY_URL, or SQL by hand): the
    cached acceptance gets past RCPT, and the commit's own check refuses the message."""
    assert rcpt(mail_daemon, "alice@example.org")[0] == 250
    Account.objects.filter(pk=layout.alice.pk).update(is_active=False)
    client = lmtp(mail_daemon)
    rcpt_replies, after = transaction(
        client, "zed@example.com", ["alice@example.org"], message("late")
    )
    client.quit()
    assert rcpt_replies[0][0] == 250  # from the cache
    assert after[0][0] == 550
    assert after[0][1].startswith("5.2.1")
    assert inbox_messages(layout.alice) == []
    assert len(recipients) == 1
