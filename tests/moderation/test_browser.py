"""The whole self-service story in a real headless browser against a live server.

Debian's chromium, driven by Playwright for Python (never `playwright install`). Screenshots
of the main pages go to artifacts/screenshots/ (git-ignored) for people to look at.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.core import mail

from accounts import services as account_services
from accounts.models import Account, User
from moderation import tasks
from moderation.models import PendingAction

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (requirements/dev.txt)"
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
WEB_PASSWORD = "correct-horse-battery-9"
MAILBOX_PASSWORD = "mailbox-secret-2024"
NEW_MAILBOX_PASSWORD = "a-brand-new-secret-77"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"chromium not found at {CHROMIUM}: apt-get install -y chromium",
    ),
]


@pytest.fixture
def browser(monkeypatch) -> Iterator[Browser]:
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the test makes
    # between browser steps are synchronous and safe, which Django cannot tell by itself.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(transactional_db, live_server, settings):
    """Two domains open for registration, links in mails pointing at the live server."""
    settings.PUBLIC_URL = live_server.url
    settings.MAX_ALIASES_PER_MAILBOX = 2
    settings.DELETION_GRACE = 48 * 3600
    for name in ("example.org", "example.net"):
        account_services.domain_create(name=name, acting_user=None, registration_open=True)
    User.objects.create_superuser("root", "root@example.org", "root-password-1")
    return live_server.url


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def submit(page: Page, label: str) -> None:
    page.get_by_role("button", name=label).click()
    page.wait_for_load_state()


def test_register_moderate_and_manage_a_mailbox_to_its_deletion(browser, site):
    expect = sync_api.expect
    visitor = browser.new_context(**PHONE).new_page()

    # --- registration and confirmation --------------------------------------------------
    visitor.goto(site + "/")
    shot(visitor, "01-landing")
    visitor.get_by_role("link", name="Ask for an account").click()
    visitor.get_by_label("Username").fill("ada")
    visitor.get_by_label("Password", exact=True).fill(WEB_PASSWORD)
    visitor.get_by_label("Password (again)").fill(WEB_PASSWORD)
    visitor.get_by_label("Contact e-mail address").fill("ada@elsewhere.test")
    visitor.get_by_label("example.org").check()
    visitor.get_by_label("Why do you want an account?").fill("For my choir's newsletter.")
    shot(visitor, "02-register")
    submit(visitor, "Send my request")
    expect(visitor.get_by_role("heading", name="Check your inbox")).to_be_visible()

    link = re.search(r"http\S+/register/confirm/\S+", str(mail.outbox[-1].body))
    assert link, mail.outbox[-1].body
    visitor.goto(link.group(0))
    shot(visitor, "03-confirm")
    submit(visitor, "Confirm my address")
    expect(visitor.get_by_role("heading", name="Thank you!")).to_be_visible()

    # --- a superadmin approves it in the Django admin ------------------------------------
    admin = browser.new_context(**DESKTOP).new_page()
    admin.goto(site + "/admin/login/")
    admin.get_by_label("Username").fill("root")
    admin.get_by_label("Password").fill("root-password-1")
    submit(admin, "Log in")
    admin.goto(site + "/admin/moderation/registration/?state__exact=pending")
    admin.get_by_role("row", name=re.compile("ada")).get_by_role("checkbox").check()
    admin.get_by_role("combobox", name="Action").select_option("approve")
    shot(admin, "04-admin-moderation-queue")
    submit(admin, "Go")
    expect(admin.get_by_text("Approved: 1.")).to_be_visible()
    assert "approved" in str(mail.outbox[-1].subject)

    # --- the new owner logs in and creates a mailbox -------------------------------------
    owner = visitor
    owner.goto(site + "/account/login/")
    shot(owner, "05-login")
    owner.get_by_label("Username").fill("ada")
    owner.get_by_label("Password").fill(WEB_PASSWORD)
    submit(owner, "Log in")
    expect(owner.get_by_role("heading", name="My mailboxes")).to_be_visible()
    shot(owner, "06-dashboard-empty")
    owner.get_by_role("link", name="Create your first mailbox").click()
    owner.get_by_label("Address").fill("ada")
    owner.get_by_label("Password", exact=True).fill(MAILBOX_PASSWORD)
    owner.get_by_label("Password (again)").fill(MAILBOX_PASSWORD)
    shot(owner, "07-new-mailbox")
    submit(owner, "Create the mailbox")
    expect(owner.get_by_text("Mailbox ada@example.org created.")).to_be_visible()
    wide = browser.new_context(**DESKTOP, storage_state=owner.context.storage_state()).new_page()
    wide.goto(site + "/account/")
    shot(wide, "07b-dashboard-desktop")
    account = Account.objects.get(local_part="ada", domain__name="example.org")
    assert account.owner == User.objects.get(username="ada")

    # --- aliases up to the limit, and a clear message past it ----------------------------
    for alias in ("choir", "newsletter"):
        owner.get_by_label("New alias").fill(alias)
        submit(owner, "Add the alias")
        expect(owner.get_by_text(f"Alias {alias}@example.org added.")).to_be_visible()
    owner.get_by_label("New alias").fill("one-too-many")
    submit(owner, "Add the alias")
    expect(owner.get_by_role("alert")).to_have_text(
        "ada@example.org has reached its limit of 2 aliases."
    )
    shot(owner, "08-mailbox-alias-limit")

    # --- the password, with the old one --------------------------------------------------
    owner.get_by_role("link", name="Change the password").click()
    owner.get_by_label("Current password").fill(MAILBOX_PASSWORD)
    owner.get_by_label("New password", exact=True).fill(NEW_MAILBOX_PASSWORD)
    owner.get_by_label("New password (again)").fill(NEW_MAILBOX_PASSWORD)
    shot(owner, "09-password-change")
    submit(owner, "Change the password")
    expect(owner.get_by_text("The password of ada@example.org was changed.")).to_be_visible()
    assert account_services.account_authenticate(
        address="ada@example.org", password=NEW_MAILBOX_PASSWORD
    )
    # The rekey it recorded was done in the same transaction (imapd.crypto re-wraps the key).
    assert PendingAction.objects.get(kind="rekey").state == "done"
    assert tasks.run_pending_actions() == []

    # --- the pages in French -------------------------------------------------------------
    owner.goto(site + "/account/")
    submit(owner, "Français")
    expect(owner.get_by_role("heading", name="Mes boîtes mail")).to_be_visible()
    shot(owner, "10-dashboard-fr")
    submit(owner, "English")

    # --- deletion: requested, cancelled, requested again, purged by the periodic job -----
    owner.goto(site + "/account/mailboxes/ada@example.org/")
    owner.get_by_role("link", name="Delete this mailbox").click()
    shot(owner, "11-deletion-confirm")
    submit(owner, "Yes, delete it")
    expect(owner.get_by_text("Deletion pending")).to_be_visible()
    shot(owner, "12-dashboard-deletion-pending")
    assert (
        account_services.account_authenticate(
            address="ada@example.org", password=NEW_MAILBOX_PASSWORD
        )
        is None
    )
    submit(owner, "Cancel")
    expect(owner.get_by_text("Deletion cancelled: ada@example.org works again.")).to_be_visible()
    assert account_services.account_authenticate(
        address="ada@example.org", password=NEW_MAILBOX_PASSWORD
    )

    owner.goto(site + "/account/mailboxes/ada@example.org/delete")
    submit(owner, "Yes, delete it")
    owner.goto(site + "/account/mailboxes/ada@example.org/")
    shot(owner, "13-mailbox-deletion-pending")
    deletion = PendingAction.objects.get(kind="deletion", state="pending")
    tasks.run_pending_actions(now=deletion.due_at + timedelta(minutes=1))
    assert not Account.objects.filter(local_part="ada").exists()
    owner.goto(site + "/account/")
    expect(owner.get_by_text("You have no mailbox yet.")).to_be_visible()
    shot(owner, "14-dashboard-after-purge")
    admin.goto(site + "/admin/moderation/pendingaction/")
    expect(admin.get_by_role("link", name="ada@example.org").first).to_be_visible()
    shot(admin, "15-admin-pending-actions")


def test_another_owner_gets_not_found_for_a_foreign_mailbox(browser, site):
    alice = User.objects.create_user("alice", password=WEB_PASSWORD)
    account_services.account_create(
        domain=account_services.domain_get(name="example.org"),
        local_part="alice",
        password=MAILBOX_PASSWORD,
        acting_user=None,
        owner=alice,
    )
    User.objects.create_user("mallory", password=WEB_PASSWORD)
    page = browser.new_context(**PHONE).new_page()
    page.goto(site + "/account/login/")
    page.get_by_label("Username").fill("mallory")
    page.get_by_label("Password").fill(WEB_PASSWORD)
    submit(page, "Log in")
    assert "alice@example.org" not in page.content()
    for path in ("/", "/password", "/delete", "/export"):
        response = page.goto(f"{site}/account/mailboxes/alice@example.org{path}")
        assert response is not None
        assert response.status == 404, path
