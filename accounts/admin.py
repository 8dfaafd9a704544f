"""The admin site for domains, accounts, aliases, web users, API tokens and the audit log.

Who may do what comes from `accounts.permissions`, not from Django's per-model permissions: a
superadmin (`is_superuser`) sees everything, a domain admin (a user with managed domains) sees
and changes only what belongs to their domains, and nobody else sees these models. `is_staff`
stays what it is in Django: the switch that lets a user into /admin/ at all. Granting a domain
therefore needs no model permissions to be kept in sync, and the admin cannot drift from the
rules the API and the commands apply.

Every write goes through `accounts.services`, so the same limits, rights and audit records apply.
A refusal from a service is shown as an error message and the whole request is rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Model, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.forms import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts import passwords, services
from accounts.forms import (
    AccountChangeForm,
    AccountCreationForm,
    AliasForm,
    DomainForm,
    SetPasswordForm,
)
from accounts.models import (
    Account,
    Alias,
    AliasTarget,
    ApiToken,
    AuditEvent,
    CreatedVia,
    Domain,
    User,
)
from accounts.permissions import (
    accounts_visible_to,
    can_administer_account,
    can_manage_domain,
    domains_managed_by,
    is_superadmin,
)
from imapd.crypto import selectors as crypto_selectors
from mailplatform.errors import ServiceError

# --- who is asking -------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def _is_superadmin(request: HttpRequest) -> bool:
    return isinstance(request.user, User) and is_superadmin(request.user)


def _is_platform_admin(request: HttpRequest) -> bool:
    """A superadmin or a domain admin: the people these admin pages are for."""
    user = request.user
    return isinstance(user, User) and (is_superadmin(user) or user.is_domain_admin)


# --- shared plumbing -----------------------------------------------------------------------


def _adopt(target: Model, source: Model) -> None:
    """Turn the admin's unsaved instance into the row a service created.

    The admin goes on with its own instance (history entry, redirect to the change page).
    """
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db


def _changes(form: forms.BaseForm, names: Iterable[str]) -> dict[str, Any]:
    """The submitted values that differ from what was shown, as service keyword arguments."""
    allowed = set(names)
    return {name: form.cleaned_data[name] for name in form.changed_data if name in allowed}


class ServiceAdmin(admin.ModelAdmin):
    """Base for models written through services: refusals become messages, not server errors."""

    def _refused(self, request: HttpRequest, error: ServiceError) -> HttpResponseRedirect:
        self.message_user(request, error.reason, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as error:  # raised inside Django's atomic block: all rolled back
            return self._refused(request, error)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceError as error:
            return self._refused(request, error)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().changelist_view(request, extra_context)
        except ServiceError as error:  # from an action; actions write in one transaction
            return self._refused(request, error)

    def construct_change_message(
        self,
        request: HttpRequest,
        form: forms.Form,
        formsets: Any,
        add: bool = False,
    ) -> Any:
        # Inline rows are written by services (which audit them), not by formset.save(), so
        # the formsets lack the lists of saved rows Django's history message reads.
        return super().construct_change_message(request, form, [], add)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # What goes with a deleted row is the deletion service's business, and it checks the
        # actor's rights itself; Django's model-permission check on dependent rows (API tokens,
        # stored mail) would refuse domain admins for rows they are never shown.
        to_delete, model_count, _perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        return to_delete, model_count, set(), protected


class SuperadminOnlyMixin:
    """Only superadmins see or change these pages (whatever Django model perms say)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_superadmin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superadmin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_superadmin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superadmin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superadmin(request)


class SuperadminOnlyAdmin(SuperadminOnlyMixin, ServiceAdmin):
    pass


# --- domains -------------------------------------------------------------------------------

DOMAIN_FIELDS = tuple(DomainForm.Meta.fields)
# Whether a domain exists and how big it may grow is the platform's call, not its admins'.
DOMAIN_SUPERADMIN_FIELDS = ("is_active", "max_accounts", "max_aliases")


@admin.register(Domain)
class DomainAdmin(ServiceAdmin):
    form = DomainForm
    list_display = (
        "name",
        "is_active",
        "account_count",
        "max_accounts",
        "max_aliases",
        "default_quota_bytes",
        "registration_open",
    )
    list_filter = ("is_active", "registration_open")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Domain]:
        queryset = super().get_queryset(request).annotate(account_total=Count("accounts"))
        if _is_superadmin(request):
            return queryset
        return queryset.filter(pk__in=domains_managed_by(_actor(request)).values("pk"))

    @admin.display(description="accounts", ordering="account_total")
    def account_count(self, obj: Domain) -> int | None:
        return getattr(obj, "account_total", None)

    def get_readonly_fields(self, request: HttpRequest, obj: Domain | None = None) -> list[str]:
        readonly = ["name"] if obj is not None else []  # no rename service: addresses hang on it
        if not _is_superadmin(request):
            readonly.extend(DOMAIN_SUPERADMIN_FIELDS)
        return readonly

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_platform_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Domain | None = None) -> bool:
        if obj is None:
            return _is_platform_admin(request)
        return _is_platform_admin(request) and can_manage_domain(_actor(request), obj)

    def has_change_permission(self, request: HttpRequest, obj: Domain | None = None) -> bool:
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_superadmin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Domain | None = None) -> bool:
        return _is_superadmin(request)

    def save_model(self, request: HttpRequest, obj: Domain, form: Any, change: bool) -> None:
        actor = _actor(request)
        if change:
            services.domain_update(
                domain=Domain.objects.get(pk=obj.pk),
                acting_user=actor,
                **_changes(form, DOMAIN_FIELDS),
            )
            return
        values = {name: form.cleaned_data[name] for name in DOMAIN_FIELDS}
        _adopt(obj, services.domain_create(acting_user=actor, **values))

    def delete_model(self, request: HttpRequest, obj: Domain) -> None:
        services.domain_delete(domain=obj, acting_user=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Domain]) -> None:
        with transaction.atomic():
            for domain in queryset:
                services.domain_delete(domain=domain, acting_user=_actor(request))


# --- scoping shared by accounts and aliases ------------------------------------------------


class DomainScopedAdmin(ServiceAdmin):
    """Rows that belong to a domain: a domain admin sees and changes those of their domains."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if _is_superadmin(request):
            return queryset
        return queryset.filter(domain__in=domains_managed_by(_actor(request)))

    def _may_manage(self, request: HttpRequest, obj: Any) -> bool:
        if not _is_platform_admin(request):
            return False
        return obj is None or can_manage_domain(_actor(request), obj.domain)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_platform_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_platform_admin(request)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "domain":
            kwargs["queryset"] = domains_managed_by(_actor(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- accounts ------------------------------------------------------------------------------

ACCOUNT_UPDATABLE_FIELDS = tuple(AccountChangeForm.Meta.fields)
ACCOUNT_HISTORY_FIELDS = (
    "created_via",
    "created_by",
    "created_at",
    "updated_at",
    "last_login_at",
    "deletion_pending_since",
)


class ExpiredFilter(admin.SimpleListFilter):
    title = "expired"
    parameter_name = "expired"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Expired"), ("no", "Not expired")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(expires_at__lte=now)
        if self.value() == "no":
            return queryset.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        return queryset


class AliasesDeliveringHereInline(admin.TabularInline):
    """The aliases that deliver to this account. Rows are added and removed via alias services
    (see AccountAdmin.save_formset); an existing row is not edited in place."""

    model = AliasTarget
    fk_name = "account"
    fields = ("alias",)
    extra = 0
    verbose_name = "alias delivering here"
    verbose_name_plural = "aliases delivering here"

    def _may_manage(self, request: HttpRequest, obj: Account | None) -> bool:
        return obj is None or can_administer_account(_actor(request), obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "alias":
            kwargs["queryset"] = Alias.objects.filter(
                domain__in=domains_managed_by(_actor(request))
            ).select_related("domain")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _target_addresses(alias: Alias) -> list[str]:
    return [str(target) for target in alias.targets.select_related("account__domain")]


@admin.register(Account)
class AccountAdmin(DomainScopedAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = (
        "address",
        "is_active",
        "quota",
        "expires_at",
        "owner",
        "created_via",
        "last_login_at",
    )
    list_filter = (
        ("domain", admin.RelatedOnlyFieldListFilter),
        "is_active",
        "created_via",
        ExpiredFilter,
    )
    list_select_related = ("domain", "owner")
    search_fields = ("local_part", "domain__name")
    inlines = [AliasesDeliveringHereInline]
    actions = ["set_password", "disable", "enable"]
    add_fieldsets = (
        (None, {"fields": ("domain", "local_part", "is_active")}),
        ("Password", {"fields": ("password1", "password2", "scheme")}),
        (
            "Limits and ownership",
            {"fields": ("quota_bytes", "expires_at", "owner", "roles", "params")},
        ),
    )
    fieldsets = (
        (None, {"fields": ("address", "is_active")}),
        (
            "Password",
            {
                "fields": ("password_scheme",),
                "description": "Use the “Set password” action of the list to change it.",
            },
        ),
        (
            "Limits and ownership",
            {
                "fields": (
                    "quota_bytes",
                    "quota_messages",
                    "expires_at",
                    "owner",
                    "roles",
                    "params",
                )
            },
        ),
        ("History", {"fields": ACCOUNT_HISTORY_FIELDS}),
    )

    @admin.display(description="address", ordering=Concat("local_part", Value("@"), "domain__name"))
    def address(self, obj: Account) -> str:
        return obj.address

    @admin.display(description="quota", ordering="quota_bytes")
    def quota(self, obj: Account) -> str:
        return "no limit" if obj.quota_bytes is None else filesizeformat(obj.quota_bytes)

    @admin.display(description="password")
    def password_scheme(self, obj: Account) -> str:
        """Only the scheme: the stored string is a credential and is never displayed here."""
        if not obj.password:
            return "none (the account cannot log in)"
        try:
            return passwords.scheme_of(obj.password)
        except passwords.UnknownScheme:
            return "unrecognised"

    def get_form(
        self, request: HttpRequest, obj: Account | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs.setdefault("form", self.add_form)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Account | None = None) -> Any:
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Account | None = None) -> list[str]:
        readonly = ["address", "password_scheme", *ACCOUNT_HISTORY_FIELDS] if obj else []
        if not _is_superadmin(request):
            readonly.append("roles")  # services let only superadmins grant roles
        return readonly

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        # A whole address is one term to the default search; split it at the "@".
        local, at, domain = search_term.strip().lower().rpartition("@")
        if at and " " not in search_term.strip():
            found = queryset.filter(local_part__icontains=local, domain__name__icontains=domain)
            return found, False
        return super().get_search_results(request, queryset, search_term)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "owner" and not _is_superadmin(request):
            # Offer only people a domain admin already deals with, not every user's name.
            actor = _actor(request)
            kwargs["queryset"] = User.objects.filter(
                Q(pk=actor.pk) | Q(owned_accounts__domain__in=domains_managed_by(actor))
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Account, form: Any, change: bool) -> None:
        actor = _actor(request)
        if change:
            services.account_update(
                account=Account.objects.select_related("domain").get(pk=obj.pk),
                acting_user=actor,
                **_changes(form, ACCOUNT_UPDATABLE_FIELDS),
            )
            return
        data = form.cleaned_data
        quota = data.get("quota_bytes")
        created = services.account_create(
            domain=data["domain"],
            local_part=data["local_part"],
            password=form.new_password(),
            scheme=data["scheme"],
            acting_user=actor,
            quota_bytes=services.UNSET if quota is None else quota,
            expires_at=data.get("expires_at"),
            roles=data.get("roles") or (),
            params=data.get("params") or {},
            owner=data.get("owner"),
            is_active=data["is_active"],
            created_via=CreatedVia.ADMIN,
        )
        _adopt(obj, created)

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool
    ) -> None:
        """Adding or removing a row here changes that alias's targets through its services."""
        actor = _actor(request)
        account: Account = form.instance
        for row in formset.deleted_forms:
            if row.instance.pk is None:
                continue
            alias = row.instance.alias
            remaining = [a for a in _target_addresses(alias) if a != account.address]
            if remaining:
                services.alias_update(alias=alias, targets=remaining, acting_user=actor)
            else:
                services.alias_delete(alias=alias, acting_user=actor)
        for row in formset.forms:
            if row in formset.deleted_forms or not row.instance._state.adding:
                continue
            if row.has_changed() and row.cleaned_data.get("alias"):
                alias = row.cleaned_data["alias"]
                services.alias_update(
                    alias=alias,
                    targets=[*_target_addresses(alias), account.address],
                    acting_user=actor,
                )

    def delete_model(self, request: HttpRequest, obj: Account) -> None:
        services.account_delete(account=obj, acting_user=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        with transaction.atomic():
            for account in queryset.select_related("domain"):
                services.account_delete(account=account, acting_user=_actor(request))

    @admin.action(description="Set password of selected accounts", permissions=["change"])
    def set_password(
        self, request: HttpRequest, queryset: QuerySet[Account]
    ) -> TemplateResponse | None:
        # Encryption at rest (imapd.crypto): say before a reset what it does to encrypted mail.
        selected = list(queryset.select_related("domain"))
        losing = crypto_selectors.accounts_needing_reset_confirmation(selected)
        form = SetPasswordForm(
            request.POST if "apply" in request.POST else None, confirm_discard=bool(losing)
        )
        if form.is_bound and form.is_valid():
            actor = _actor(request)
            scheme = form.cleaned_data["scheme"]
            with transaction.atomic():
                accounts = list(queryset.select_related("domain"))
                for account in accounts:
                    services.account_set_password(
                        account=account,
                        password=form.cleaned_data["password1"],
                        scheme=scheme,
                        acting_user=actor,
                        discard_encrypted_mail=form.cleaned_data.get(
                            "discard_encrypted_mail", False
                        ),
                    )
            self.message_user(
                request,
                f"Password set for {len(accounts)} account(s) ({scheme}).",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Set password",
            "form": form,
            "accounts": queryset.select_related("domain"),
            "encrypted_losing": losing,
            "encrypted_awaiting": crypto_selectors.accounts_awaiting_recovery(selected),
            "opts": self.opts,
            "action_name": "set_password",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/accounts/account/set_password.html", context)

    @admin.action(description="Disable selected accounts", permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        self._set_active(request, queryset, active=False)

    @admin.action(description="Enable selected accounts", permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        self._set_active(request, queryset, active=True)

    def _set_active(self, request: HttpRequest, queryset: QuerySet[Account], active: bool) -> None:
        actor = _actor(request)
        with transaction.atomic():
            accounts = list(queryset.select_related("domain"))
            for account in accounts:
                services.account_update(account=account, is_active=active, acting_user=actor)
        state = "enabled" if active else "disabled"
        self.message_user(request, f"{len(accounts)} account(s) {state}.", messages.SUCCESS)


# --- aliases -------------------------------------------------------------------------------


class AliasTargetInline(admin.TabularInline):
    model = AliasTarget
    fk_name = "alias"
    fields = ("account", "external_address")
    extra = 0
    min_num = 1
    validate_min = True

    def _may_manage(self, request: HttpRequest, obj: Alias | None) -> bool:
        return obj is None or can_manage_domain(_actor(request), obj.domain)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request, obj)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "account":
            kwargs["queryset"] = accounts_visible_to(_actor(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _submitted_targets(formset: BaseInlineFormSet) -> list[str]:
    """The destinations the inline rows name once deletions are applied."""
    targets: list[str] = []
    for row in formset.forms:
        data = row.cleaned_data
        if not data or data.get("DELETE"):
            continue
        account = data.get("account")
        targets.append(account.address if account else data.get("external_address", ""))
    return targets


@admin.register(Alias)
class AliasAdmin(DomainScopedAdmin):
    form = AliasForm
    list_display = ("address_display", "domain", "is_active", "target_list")
    list_filter = (("domain", admin.RelatedOnlyFieldListFilter), "is_active")
    list_select_related = ("domain",)
    search_fields = (
        "local_part",
        "domain__name",
        "targets__external_address",
        "targets__account__local_part",
    )
    inlines = [AliasTargetInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("targets__account__domain")

    def get_readonly_fields(self, request: HttpRequest, obj: Alias | None = None) -> list[str]:
        return ["domain", "local_part"] if obj is not None else []

    @admin.display(description="address", ordering="local_part")
    def address_display(self, obj: Alias) -> str:
        return obj.address

    @admin.display(description="delivers to")
    def target_list(self, obj: Alias) -> str:
        return ", ".join(str(target) for target in obj.targets.all())

    def save_model(self, request: HttpRequest, obj: Alias, form: Any, change: bool) -> None:
        # Written in save_related, together with its targets: the services take both at once.
        pass

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        actor = _actor(request)
        targets_formset = next(fs for fs in formsets if fs.model is AliasTarget)
        data = form.cleaned_data
        if not change:
            created = services.alias_create(
                domain=data["domain"],
                local_part=data["local_part"],
                targets=_submitted_targets(targets_formset),
                is_active=data["is_active"],
                acting_user=actor,
            )
            _adopt(form.instance, created)
            return
        changes = _changes(form, ["is_active"])
        if targets_formset.has_changed():
            changes["targets"] = _submitted_targets(targets_formset)
        services.alias_update(
            alias=Alias.objects.select_related("domain").get(pk=form.instance.pk),
            acting_user=actor,
            **changes,
        )

    def delete_model(self, request: HttpRequest, obj: Alias) -> None:
        services.alias_delete(alias=obj, acting_user=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Alias]) -> None:
        with transaction.atomic():
            for alias in queryset.select_related("domain"):
                services.alias_delete(alias=alias, acting_user=_actor(request))


# --- web users -----------------------------------------------------------------------------


@admin.register(User)
class PlatformUserAdmin(SuperadminOnlyMixin, DjangoUserAdmin):
    """Django's user admin plus the platform's roles and limits; superadmins only."""

    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            "Mail platform",
            {
                "fields": ("managed_domains", "max_mailboxes", "max_aliases_per_mailbox"),
                "description": "A domain admin also needs “Staff status” to reach this site.",
            },
        ),
    )
    filter_horizontal = (*DjangoUserAdmin.filter_horizontal, "managed_domains")
    list_display = ("username", "email", "is_staff", "is_superuser", "managed_domain_names")
    list_filter = ("is_staff", "is_superuser", "is_active", "managed_domains")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("managed_domains")

    @admin.display(description="managed domains")
    def managed_domain_names(self, obj: User) -> str:
        return ", ".join(domain.name for domain in obj.managed_domains.all())

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user = form.instance
        if user.managed_domains.exists() and not user.is_staff:
            self.message_user(
                request,
                f"{user.get_username()} manages domains but is not staff, "
                "so cannot log in to the admin site.",
                messages.WARNING,
            )


# --- API tokens and the audit log ----------------------------------------------------------


@admin.register(ApiToken)
class ApiTokenAdmin(SuperadminOnlyAdmin):
    """Tokens are issued by the API and the commands (the secret is shown once, there); here
    they are listed and revoked."""

    list_display = ("prefix", "name", "user", "account", "created_at", "expires_at", "last_used_at")
    list_select_related = ("user", "account__domain")
    search_fields = ("prefix", "name", "user__username", "account__local_part")
    fields = ("prefix", "name", "user", "account", "created_at", "expires_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: ApiToken) -> None:
        services.api_token_revoke(token=obj, acting_user=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        with transaction.atomic():
            for token in queryset.select_related("user", "account__domain"):
                services.api_token_revoke(token=token, acting_user=_actor(request))


@admin.register(AuditEvent)
class AuditEventAdmin(SuperadminOnlyAdmin):
    list_display = ("at", "actor", "action", "target", "remote_addr")
    list_filter = ("action",)
    search_fields = ("actor", "action", "target")
    date_hierarchy = "at"
    fields = ("at", "actor", "action", "target", "detail", "remote_addr")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
