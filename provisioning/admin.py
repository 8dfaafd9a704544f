"""Admin pages for tokens (with their QR code) and the temporary accounts they created.

The same rules as the rest of the admin site (accounts.admin): superadmins see everything,
domain admins the tokens and accounts of their domains; every write goes through a service.
"""

from __future__ import annotations

import base64
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from accounts.admin import (
    DomainScopedAdmin,
    ServiceAdmin,
    _actor,
    _adopt,
    _changes,
    _is_platform_admin,
)
from accounts.permissions import can_administer_account, domains_managed_by
from accounts.services import account_delete
from mailplatform.errors import ValidationFailed
from provisioning import services
from provisioning.expiry import normalize_expiry
from provisioning.models import Token, TokenAccount
from provisioning.qr import login_qr_png, token_qr_png
from provisioning.tokens import (
    dcaccount_text,
    token_url,
    validate_prefix,
    validate_secret,
    validate_token_name,
)

TOKEN_UPDATABLE_FIELDS = (
    "prefix",
    "expiry",
    "maxuse",
    "is_active",
    "single_use",
    "fixed_local_part",
    "valid_until",
)


def _checked(validate: Any, value: str) -> str:
    """Run a service validator in a form: its refusal becomes a field error."""
    try:
        result: str = validate(value)
    except ValidationFailed as error:
        raise forms.ValidationError(error.reason) from None
    return result


class TokenForm(forms.ModelForm):
    secret = forms.CharField(
        required=False,
        help_text="Leave empty to draw a random secret (recommended).",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = Token
        fields = ("name", "domain", *TOKEN_UPDATABLE_FIELDS)

    def clean_name(self) -> str:
        return _checked(validate_token_name, self.cleaned_data["name"])

    def clean_expiry(self) -> str:
        return _checked(normalize_expiry, self.cleaned_data["expiry"])

    def clean_prefix(self) -> str:
        return _checked(validate_prefix, self.cleaned_data["prefix"])

    def clean_secret(self) -> str:
        secret: str = self.cleaned_data["secret"].strip()
        return _checked(validate_secret, secret) if secret else ""


def _png_img(png: bytes, alt: str) -> str:
    return format_html(
        '<img src="data:image/png;base64,{}" alt="{}" style="max-width: 24em">',
        base64.b64encode(png).decode("ascii"),
        alt,
    )


@admin.register(Token)
class TokenAdmin(DomainScopedAdmin):
    form = TokenForm
    list_display = ("name", "domain", "prefix", "expiry", "usecount", "use_limit", "is_active")
    list_filter = (("domain", admin.RelatedOnlyFieldListFilter), "is_active")
    list_select_related = ("domain",)
    search_fields = ("name", "domain__name")
    readonly_fields = ("usecount", "url", "dcaccount", "qr_code", "created_by", "created_at")

    def get_fieldsets(self, request: HttpRequest, obj: Token | None = None) -> Any:
        settings_fields = ("prefix", "expiry", "maxuse", "single_use", "fixed_local_part")
        if obj is None:
            return (
                (None, {"fields": ("name", "domain", "is_active", "valid_until", "secret")}),
                ("Accounts it creates", {"fields": settings_fields}),
            )
        return (
            (None, {"fields": ("name", "domain", "is_active", "valid_until", "usecount")}),
            ("Accounts it creates", {"fields": settings_fields}),
            ("Hand it out", {"fields": ("qr_code", "url", "dcaccount")}),
            ("History", {"fields": ("created_by", "created_at")}),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Token | None = None) -> Any:
        readonly = list(self.readonly_fields)
        return [*readonly, "name", "domain"] if obj is not None else readonly

    @admin.display(description="URL")
    def url(self, obj: Token) -> str:
        return token_url(obj)

    @admin.display(description="QR code text")
    def dcaccount(self, obj: Token) -> str:
        return dcaccount_text(obj)

    @admin.display(description="QR code")
    def qr_code(self, obj: Token) -> str:
        download = reverse("admin:provisioning_token_qr", args=[obj.pk])
        return format_html(
            '{}<br><a href="{}">Download PNG</a>',
            _png_img(token_qr_png(obj), f"QR code of token {obj.name}"),
            download,
        )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/qr.png",
                self.admin_site.admin_view(self.qr_download),
                name="provisioning_token_qr",
            )
        ]
        return own + super().get_urls()

    def qr_download(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = get_object_or_404(self.get_queryset(request), pk=pk)
        response = HttpResponse(token_qr_png(token), content_type="image/png")
        filename = f"dcaccount-{token.domain.name}-{token.name}.png"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def save_model(self, request: HttpRequest, obj: Token, form: Any, change: bool) -> None:
        actor = _actor(request)
        if change:
            services.token_update(
                token=Token.objects.select_related("domain").get(pk=obj.pk),
                acting_user=actor,
                **_changes(form, TOKEN_UPDATABLE_FIELDS),
            )
            return
        values = {name: form.cleaned_data[name] for name in TOKEN_UPDATABLE_FIELDS}
        token = services.token_create(
            name=form.cleaned_data["name"],
            domain=form.cleaned_data["domain"],
            secret=form.cleaned_data["secret"] or None,
            acting_user=actor,
            **values,
        )
        _adopt(obj, token)

    def delete_model(self, request: HttpRequest, obj: Token) -> None:
        services.token_delete(token=obj, acting_user=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Token]) -> None:
        with transaction.atomic():
            for token in queryset.select_related("domain"):
                services.token_delete(token=token, acting_user=_actor(request))


@admin.register(TokenAccount)
class TokenAccountAdmin(ServiceAdmin):
    """The accounts tokens created. They are made by tokens and deleted by prune or here."""

    list_display = ("account", "token", "created_at", "expires_at", "last_login_at", "warned_at")
    list_filter = ("token",)
    list_select_related = ("account__domain", "token")
    search_fields = ("account__local_part", "account__domain__name", "token__name")
    fields = ("account", "token", "created_at", "expires_at", "last_login_at", "warned_at")
    readonly_fields = fields
    actions = ["login_qr"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TokenAccount]:
        return (
            super()
            .get_queryset(request)
            .filter(account__domain__in=domains_managed_by(_actor(request)))
        )

    @admin.display(description="expires", ordering="account__expires_at")
    def expires_at(self, obj: TokenAccount) -> Any:
        return obj.account.expires_at

    @admin.display(description="last login", ordering="account__last_login_at")
    def last_login_at(self, obj: TokenAccount) -> Any:
        return obj.account.last_login_at

    def _may_manage(self, request: HttpRequest, obj: TokenAccount | None) -> bool:
        if not _is_platform_admin(request):
            return False
        return obj is None or can_administer_account(_actor(request), obj.account)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_platform_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Nothing here is edited in place; "change" is what the login-code action needs.
        return obj is None and self._may_manage(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: TokenAccount) -> None:
        account_delete(account=obj.account, acting_user=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TokenAccount]) -> None:
        with transaction.atomic():
            for record in queryset.select_related("account__domain"):
                account_delete(account=record.account, acting_user=_actor(request))

    @admin.action(description="Set a new password and show a login QR code", permissions=["change"])
    def login_qr(
        self, request: HttpRequest, queryset: QuerySet[TokenAccount]
    ) -> TemplateResponse | None:
        records = list(queryset.select_related("account__domain")[:2])
        if len(records) != 1:
            self.message_user(request, "Select exactly one account.", messages.WARNING)
            return None
        account = records[0].account
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": f"New password for {account.address}",
                "account": account,
                "record": records[0],
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            }
            return TemplateResponse(
                request, "admin/provisioning/tokenaccount/login_qr_confirm.html", context
            )
        with transaction.atomic():
            url = services.account_login_code(account=account, acting_user=_actor(request))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Login code for {account.address}",
            "account": account,
            "qr_code": _png_img(login_qr_png(url=url, address=account.address), "login QR code"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/provisioning/tokenaccount/login_qr.html", context)
