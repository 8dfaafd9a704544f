"""The admin site: scoping of domain admins, and every write going through the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts import passwords, services
from accounts.models import Account, Alias, ApiToken, AuditEvent, Domain, User

SCHEMES_OTHER_THAN_DEFAULT = [s for s in settings.PASSWORD_SCHEMES if s != "ARGON2ID"]


@pytest.fixture
def staff_domain_admin(domain_admin: User) -> User:
    domain_admin.is_staff = True
    domain_admin.save(update_fields=["is_staff"])
    return domain_admin


@pytest.fixture
def as_domain_admin(client: Client, staff_domain_admin: User) -> Client:
    client.force_login(staff_domain_admin)
    return client


@pytest.fixture
def as_superadmin(client: Client, superadmin: User) -> Client:
    client.force_login(superadmin)
    return client


@pytest.fixture
def foreign_account(other_domain: Domain) -> Account:
    return services.account_create(
        domain=other_domain, local_part="bob", password="bob-pw-1", acting_user=None
    )


def _inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _account_add_data(domain: Domain, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "domain": str(domain.pk),
        "local_part": "Carol",
        "is_active": "on",
        "password1": "carol-secret-1",
        "password2": "carol-secret-1",
        "scheme": "ARGON2ID",
        "quota_bytes": "",
        "expires_at_0": "",
        "expires_at_1": "",
        "owner": "",
        "params": "{}",
        **_inline_management("alias_targets"),
    }
    data.update(overrides)
    return data


def _account_change_data(account: Account, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "is_active": "on" if account.is_active else "",
        "quota_bytes": "" if account.quota_bytes is None else str(account.quota_bytes),
        "expires_at_0": "",
        "expires_at_1": "",
        "owner": str(account.owner_id or ""),
        "params": "{}",
        **_inline_management("alias_targets"),
    }
    data.update(overrides)
    return data


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- scoping -------------------------------------------------------------------------------


def test_domain_admin_changelist_lists_only_accounts_of_their_domains(
    as_domain_admin: Client, account: Account, foreign_account: Account
) -> None:
    response = as_domain_admin.get(reverse("admin:accounts_account_changelist"))

    assert response.status_code == 200
    listed = {a.address for a in response.context["cl"].result_list}
    assert listed == {"alice@example.org"}
    assert "example.net" not in response.content.decode()


def test_domain_admin_is_sent_away_from_another_domains_account(
    as_domain_admin: Client, foreign_account: Account
) -> None:
    url = reverse("admin:accounts_account_change", args=[foreign_account.pk])

    response = as_domain_admin.get(url)
    post = as_domain_admin.post(url, _account_change_data(foreign_account, is_active=""))

    # Django's answer for an object outside the queryset: back to the index, with a message.
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert any("doesn\u2019t exist" in m for m in _messages(response))
    assert post.status_code == 302
    foreign_account.refresh_from_db()
    assert foreign_account.is_active


def test_domain_admin_cannot_add_or_delete_a_domain(
    as_domain_admin: Client, domain: Domain
) -> None:
    add_url = reverse("admin:accounts_domain_add")

    assert as_domain_admin.get(add_url).status_code == 403
    assert as_domain_admin.post(add_url, {"name": "evil.example"}).status_code == 403
    delete_url = reverse("admin:accounts_domain_delete", args=[domain.pk])
    assert as_domain_admin.post(delete_url, {"post": "yes"}).status_code == 403
    assert list(Domain.objects.values_list("name", flat=True)) == ["example.org"]


def test_domain_admin_sees_only_their_domain_and_cannot_raise_its_limits(
    as_domain_admin: Client, domain: Domain, other_domain: Domain
) -> None:
    listing = as_domain_admin.get(reverse("admin:accounts_domain_changelist"))
    assert [d.name for d in listing.context["cl"].result_list] == ["example.org"]

    response = as_domain_admin.post(
        reverse("admin:accounts_domain_change", args=[domain.pk]),
        {"max_accounts": "999", "default_quota_bytes": "1000", "registration_open": "on"},
    )

    assert response.status_code == 302
    domain.refresh_from_db()
    assert domain.max_accounts is None  # read-only for them: the field was not in the form
    assert domain.default_quota_bytes == 1000
    assert domain.registration_open


def test_domain_admin_account_form_offers_only_their_domains(
    as_domain_admin: Client, domain: Domain, other_domain: Domain
) -> None:
    response = as_domain_admin.get(reverse("admin:accounts_account_add"))

    choices = response.context["adminform"].form.fields["domain"].queryset
    assert list(choices) == [domain]


def test_domain_admin_cannot_create_an_account_in_another_domain(
    as_domain_admin: Client, domain: Domain, other_domain: Domain
) -> None:
    response = as_domain_admin.post(
        reverse("admin:accounts_account_add"), _account_add_data(other_domain)
    )

    assert response.status_code == 200  # the form again, with the refused choice
    assert "domain" in response.context["adminform"].form.errors
    assert not Account.objects.exists()


def test_staff_user_without_domains_is_kept_out_of_the_platform_models(
    client: Client, owner: User, account: Account
) -> None:
    owner.is_staff = True
    owner.save(update_fields=["is_staff"])
    client.force_login(owner)

    assert client.get(reverse("admin:accounts_account_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_domain_changelist")).status_code == 403


@pytest.mark.parametrize(
    "url_name",
    ["admin:accounts_user_changelist", "admin:accounts_auditevent_changelist"],
)
def test_only_superadmins_reach_users_and_the_audit_log(
    as_domain_admin: Client, url_name: str
) -> None:
    assert as_domain_admin.get(reverse(url_name)).status_code == 403


# --- accounts: writes through the services -------------------------------------------------


def test_superadmin_creates_an_account_with_a_dovecot_style_hash(
    as_superadmin: Client, domain: Domain
) -> None:
    response = as_superadmin.post(reverse("admin:accounts_account_add"), _account_add_data(domain))

    assert response.status_code == 302
    account = Account.objects.get(local_part="carol")
    assert account.password.startswith("{ARGON2ID}$argon2id$")
    assert passwords.verify_password("carol-secret-1", account.password)
    assert account.created_via == "admin"
    assert account.created_by is not None
    assert account.created_by.username == "root"
    assert account.quota_bytes == settings.DEFAULT_QUOTA_BYTES  # empty: the domain's default
    event = AuditEvent.objects.get(action="account.create")
    assert (event.actor, event.target) == ("root", "carol@example.org")


def test_add_form_without_a_password_creates_an_account_that_cannot_log_in(
    as_superadmin: Client, domain: Domain
) -> None:
    as_superadmin.post(
        reverse("admin:accounts_account_add"),
        _account_add_data(domain, password1="", password2=""),
    )

    account = Account.objects.get(local_part="carol")
    assert account.password == ""
    assert services.account_authenticate(address="carol@example.org", password="") is None


def test_add_form_refuses_passwords_that_differ(as_superadmin: Client, domain: Domain) -> None:
    response = as_superadmin.post(
        reverse("admin:accounts_account_add"), _account_add_data(domain, password2="other")
    )

    assert response.status_code == 200
    assert "password2" in response.context["adminform"].form.errors
    assert not Account.objects.exists()


def test_a_service_refusal_on_add_is_shown_and_nothing_is_written(
    as_superadmin: Client, domain: Domain, account: Account
) -> None:
    services.domain_update(domain=domain, max_accounts=1, acting_user=None)

    response = as_superadmin.post(reverse("admin:accounts_account_add"), _account_add_data(domain))

    assert response.status_code == 302
    assert any("limit of 1 accounts" in m for m in _messages(response))
    assert list(Account.objects.values_list("local_part", flat=True)) == ["alice"]


def test_change_page_shows_the_scheme_but_never_the_password_string(
    as_superadmin: Client, account: Account
) -> None:
    response = as_superadmin.get(reverse("admin:accounts_account_change", args=[account.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "SHA512-CRYPT" in content  # the test settings' scheme
    assert account.password not in content
    assert account.password.split("}", 1)[1] not in content
    assert "password" not in response.context["adminform"].form.fields


def test_editing_an_account_goes_through_account_update(
    as_domain_admin: Client, account: Account
) -> None:
    response = as_domain_admin.post(
        reverse("admin:accounts_account_change", args=[account.pk]),
        _account_change_data(account, quota_bytes="5000"),
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.quota_bytes == 5000
    event = AuditEvent.objects.get(action="account.update")
    assert event.actor == "dadmin"
    assert event.detail == {"quota_bytes": 5000}


def test_domain_admin_cannot_grant_roles_through_the_change_form(
    as_domain_admin: Client, account: Account
) -> None:
    as_domain_admin.post(
        reverse("admin:accounts_account_change", args=[account.pk]),
        _account_change_data(account, roles=["admin"]),
    )

    account.refresh_from_db()
    assert account.roles == []


def test_bulk_delete_by_domain_admin_uses_account_delete(
    as_domain_admin: Client, account: Account, domain: Domain
) -> None:
    services.api_token_create(principal=account)  # a dependent row they have no admin for
    services.alias_create(
        domain=domain, local_part="info", targets=["alice@example.org"], acting_user=None
    )

    response = as_domain_admin.post(
        reverse("admin:accounts_account_changelist"),
        {"action": "delete_selected", "_selected_action": [str(account.pk)], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Account.objects.exists()
    assert not Alias.objects.exists()  # account_delete removes aliases left with no target
    assert AuditEvent.objects.filter(action="account.delete", actor="dadmin").count() == 1


def test_delete_page_uses_account_delete(as_superadmin: Client, account: Account) -> None:
    response = as_superadmin.post(
        reverse("admin:accounts_account_delete", args=[account.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Account.objects.exists()
    assert AuditEvent.objects.filter(action="account.delete", actor="root").exists()


def test_disable_and_enable_actions(as_domain_admin: Client, account: Account) -> None:
    url = reverse("admin:accounts_account_changelist")

    as_domain_admin.post(url, {"action": "disable", "_selected_action": [str(account.pk)]})
    account.refresh_from_db()
    assert not account.is_active
    as_domain_admin.post(url, {"action": "enable", "_selected_action": [str(account.pk)]})
    account.refresh_from_db()
    assert account.is_active
    assert AuditEvent.objects.filter(action="account.update").count() == 2


# --- the set-password action ---------------------------------------------------------------


def _set_password(client: Client, account: Account, **fields: str) -> Any:
    return client.post(
        reverse("admin:accounts_account_changelist"),
        {"action": "set_password", "_selected_action": [str(account.pk)], **fields},
    )


def test_set_password_action_first_shows_a_form_with_the_scheme_choice(
    as_superadmin: Client, account: Account
) -> None:
    response = _set_password(as_superadmin, account)

    assert response.status_code == 200
    form = response.context["form"]
    assert [c for c, _ in form.fields["scheme"].choices] == list(settings.PASSWORD_SCHEMES)
    assert form["scheme"].value() == settings.PASSWORD_SCHEME
    assert "alice@example.org" in response.content.decode()


def test_set_password_action_replaces_the_hash(as_domain_admin: Client, account: Account) -> None:
    old = account.password

    response = _set_password(
        as_domain_admin,
        account,
        apply="1",
        password1="brand-new-pw",
        password2="brand-new-pw",
        scheme="ARGON2ID",
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.password != old
    assert passwords.verify_password("brand-new-pw", account.password)
    assert not passwords.verify_password("alice-pw-1", account.password)
    assert AuditEvent.objects.filter(action="account.set_password", actor="dadmin").exists()


@pytest.mark.parametrize("scheme", SCHEMES_OTHER_THAN_DEFAULT)
def test_set_password_action_stores_the_chosen_scheme(
    as_superadmin: Client, account: Account, scheme: str
) -> None:
    _set_password(
        as_superadmin,
        account,
        apply="1",
        password1="brand-new-pw",
        password2="brand-new-pw",
        scheme=scheme,
    )

    account.refresh_from_db()
    assert account.password.startswith("{" + scheme + "}")
    assert passwords.verify_password("brand-new-pw", account.password)


def test_set_password_action_refuses_differing_passwords(
    as_superadmin: Client, account: Account
) -> None:
    old = account.password

    response = _set_password(
        as_superadmin, account, apply="1", password1="one-pw", password2="two-pw", scheme="ARGON2ID"
    )

    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    assert b"one-pw" not in response.content
    account.refresh_from_db()
    assert account.password == old


def test_domain_admin_cannot_set_password_of_another_domains_account(
    as_domain_admin: Client, foreign_account: Account
) -> None:
    old = foreign_account.password

    _set_password(
        as_domain_admin,
        foreign_account,
        apply="1",
        password1="taken-over",
        password2="taken-over",
        scheme="ARGON2ID",
    )

    foreign_account.refresh_from_db()
    assert foreign_account.password == old


# --- aliases -------------------------------------------------------------------------------


def _alias_add_data(domain: Domain, local_part: str, **rows: str) -> dict[str, str]:
    data = {
        "domain": str(domain.pk),
        "local_part": local_part,
        "is_active": "on",
        **_inline_management("targets", total=1),
        "targets-0-account": "",
        "targets-0-external_address": "",
    }
    data.update(rows)
    return data


def test_domain_admin_creates_an_alias_with_its_targets_through_the_service(
    as_domain_admin: Client, domain: Domain, account: Account
) -> None:
    response = as_domain_admin.post(
        reverse("admin:accounts_alias_add"),
        _alias_add_data(domain, "Info", **{"targets-0-account": str(account.pk)}),
    )

    assert response.status_code == 302
    alias = Alias.objects.get()
    assert alias.address == "info@example.org"
    assert [str(t) for t in alias.targets.all()] == ["alice@example.org"]
    assert AuditEvent.objects.filter(action="alias.create", actor="dadmin").exists()


def test_alias_with_no_target_is_refused_by_the_form(as_superadmin: Client, domain: Domain) -> None:
    response = as_superadmin.post(reverse("admin:accounts_alias_add"), _alias_add_data(domain, ""))

    assert response.status_code == 200
    assert not Alias.objects.exists()


def test_editing_alias_targets_goes_through_alias_update(
    as_superadmin: Client, domain: Domain, account: Account
) -> None:
    alias = services.alias_create(
        domain=domain, local_part="", targets=["alice@example.org"], acting_user=None
    )
    target = alias.targets.get()

    response = as_superadmin.post(
        reverse("admin:accounts_alias_change", args=[alias.pk]),
        {
            "is_active": "on",
            **_inline_management("targets", total=2, initial=1),
            "targets-0-id": str(target.pk),
            "targets-0-alias": str(alias.pk),
            "targets-0-account": str(account.pk),
            "targets-0-external_address": "",
            "targets-0-DELETE": "on",
            "targets-1-alias": str(alias.pk),
            "targets-1-account": "",
            "targets-1-external_address": "Someone@Elsewhere.example",
        },
    )

    assert response.status_code == 302
    assert [str(t) for t in alias.targets.all()] == ["Someone@elsewhere.example"]
    event = AuditEvent.objects.get(action="alias.update")
    assert event.detail == {"targets": ["Someone@elsewhere.example"]}


def test_domain_admin_does_not_see_other_domains_aliases(
    as_domain_admin: Client, other_domain: Domain, foreign_account: Account
) -> None:
    alias = services.alias_create(
        domain=other_domain, local_part="sales", targets=["bob@example.net"], acting_user=None
    )

    listing = as_domain_admin.get(reverse("admin:accounts_alias_changelist"))
    change = as_domain_admin.get(reverse("admin:accounts_alias_change", args=[alias.pk]))

    assert list(listing.context["cl"].result_list) == []
    assert change.status_code == 302


def test_account_page_adds_and_removes_alias_delivery_through_alias_services(
    as_superadmin: Client, domain: Domain, account: Account
) -> None:
    other = services.account_create(
        domain=domain, local_part="dave", password="dave-pw-1", acting_user=None
    )
    alias = services.alias_create(
        domain=domain, local_part="team", targets=["dave@example.org"], acting_user=None
    )
    url = reverse("admin:accounts_account_change", args=[account.pk])

    as_superadmin.post(
        url,
        _account_change_data(
            account,
            **_inline_management("alias_targets", total=1),
            **{"alias_targets-0-alias": str(alias.pk), "alias_targets-0-account": str(account.pk)},
        ),
    )
    assert sorted(str(t) for t in alias.targets.all()) == ["alice@example.org", "dave@example.org"]

    row = alias.targets.get(account=account)
    as_superadmin.post(
        url,
        _account_change_data(
            account,
            **_inline_management("alias_targets", total=1, initial=1),
            **{
                "alias_targets-0-id": str(row.pk),
                "alias_targets-0-account": str(account.pk),
                "alias_targets-0-DELETE": "on",
            },
        ),
    )
    assert [str(t) for t in alias.targets.all()] == [other.address]


# --- users, tokens ---------------------------------------------------------------------------


def test_user_admin_edits_managed_domains_and_warns_when_not_staff(
    as_superadmin: Client, owner: User, domain: Domain
) -> None:
    response = as_superadmin.get(reverse("admin:accounts_user_change", args=[owner.pk]))
    assert "managed_domains" in response.context["adminform"].form.fields

    data = {
        "username": owner.username,
        "date_joined_0": "2024-01-01",
        "date_joined_1": "00:00:00",
        "is_active": "on",
        "managed_domains": [str(domain.pk)],
        "max_mailboxes": "3",
        "max_aliases_per_mailbox": "",
    }
    saved = as_superadmin.post(reverse("admin:accounts_user_change", args=[owner.pk]), data)

    assert saved.status_code == 302
    owner.refresh_from_db()
    assert list(owner.managed_domains.all()) == [domain]
    assert owner.max_mailboxes == 3
    assert any("not staff" in m for m in _messages(saved))


def test_deleting_an_api_token_revokes_it(as_superadmin: Client, account: Account) -> None:
    token, _secret = services.api_token_create(principal=account)

    assert as_superadmin.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    response = as_superadmin.post(
        reverse("admin:accounts_apitoken_delete", args=[token.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.filter(action="api_token.revoke", actor="root").exists()


def test_audit_log_is_read_only(as_superadmin: Client, account: Account) -> None:
    event = AuditEvent.objects.first()
    assert event is not None

    listing = as_superadmin.get(reverse("admin:accounts_auditevent_changelist"))
    change = as_superadmin.post(
        reverse("admin:accounts_auditevent_change", args=[event.pk]), {"actor": "forged"}
    )

    assert listing.status_code == 200
    assert change.status_code == 403
    event.refresh_from_db()
    assert event.actor == "system"


# --- domains and pages ---------------------------------------------------------------------


def test_superadmin_creates_a_domain_through_domain_create(as_superadmin: Client) -> None:
    response = as_superadmin.post(
        reverse("admin:accounts_domain_add"),
        {"name": "Mail.Example.COM", "is_active": "on", "max_accounts": "3"},
    )

    assert response.status_code == 302
    domain = Domain.objects.get()
    assert (domain.name, domain.max_accounts) == ("mail.example.com", 3)
    assert AuditEvent.objects.get(action="domain.create").actor == "root"


def test_domain_admin_is_offered_only_owners_they_deal_with(
    as_domain_admin: Client, account: Account, superadmin: User
) -> None:
    User.objects.create_user("stranger", password="stranger-pw-1")

    response = as_domain_admin.get(reverse("admin:accounts_account_change", args=[account.pk]))

    offered = {u.username for u in response.context["adminform"].form.fields["owner"].queryset}
    assert offered == {"dadmin", "owner"}


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:accounts_domain_changelist",
        "admin:accounts_domain_add",
        "admin:accounts_account_changelist",
        "admin:accounts_account_add",
        "admin:accounts_alias_changelist",
        "admin:accounts_alias_add",
        "admin:accounts_user_changelist",
        "admin:accounts_apitoken_changelist",
        "admin:accounts_auditevent_changelist",
    ],
)
def test_superadmin_pages_render(as_superadmin: Client, account: Account, url_name: str) -> None:
    services.api_token_create(principal=account)

    response = as_superadmin.get(reverse(url_name))

    assert response.status_code == 200


def test_account_filters_and_address_search(
    as_superadmin: Client, account: Account, foreign_account: Account
) -> None:
    url = reverse("admin:accounts_account_changelist")
    services.account_update(account=foreign_account, is_active=False, acting_user=None)

    by_address = as_superadmin.get(url, {"q": "alice@example.org"})
    inactive = as_superadmin.get(url, {"is_active__exact": "0"})
    not_expired = as_superadmin.get(url, {"expired": "no"})

    assert [a.address for a in by_address.context["cl"].result_list] == ["alice@example.org"]
    assert [a.address for a in inactive.context["cl"].result_list] == ["bob@example.net"]
    assert len(not_expired.context["cl"].result_list) == 2
