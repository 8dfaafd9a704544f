"""Admin-site forms: what an administrator types, checked for shape before a service gets it.

These forms only normalise and check the syntax of their fields; every business rule (limits,
rights, conflicts with aliases) stays in `accounts.services`, which the admin calls on save.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts import services
from accounts.addresses import normalize_domain, normalize_local_part
from accounts.models import Account, Alias, Domain
from mailplatform.errors import ValidationFailed


def scheme_choices() -> list[tuple[str, str]]:
    return [(scheme, scheme) for scheme in settings.PASSWORD_SCHEMES]


def default_scheme() -> str:
    return str(settings.PASSWORD_SCHEME)


def role_choices() -> list[tuple[str, str]]:
    return [(role, role) for role in sorted(services.ROLE_NAMES)]


def _normalized(normalize: Callable[[str], str], value: str) -> str:
    try:
        return normalize(value)
    except ValidationFailed as exc:
        raise ValidationError(exc.reason) from None


class PasswordFields(forms.Form):
    """A new password typed twice and the scheme to store it in; never rendered back."""

    password_required = True

    password1 = forms.CharField(
        label="Password", strip=False, required=False, widget=forms.PasswordInput
    )
    password2 = forms.CharField(
        label="Password (again)", strip=False, required=False, widget=forms.PasswordInput
    )
    scheme = forms.ChoiceField(
        label="Password scheme", choices=scheme_choices, initial=default_scheme
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1", ""), cleaned.get("password2", "")
        if first != second:
            self.add_error("password2", "The two passwords differ.")
        elif self.password_required and not first:
            self.add_error("password1", "Enter the new password.")
        return cleaned

    def new_password(self) -> str | None:
        """The password typed, or None when it was left empty (the account cannot log in)."""
        return self.cleaned_data.get("password1") or None


class SetPasswordForm(PasswordFields):
    """The intermediate page of the admin's "Set password" action."""

    # Encryption at rest (imapd.crypto): shown, and required, only when a selected account's
    # encrypted mail would become unreadable (no current password here, no recovery key).
    discard_encrypted_mail = forms.BooleanField(
        required=False,
        label="Make their encrypted mail unreadable",
        help_text="New keys are made; the mail stored so far can no longer be read by anyone.",
    )

    def __init__(self, *args: Any, confirm_discard: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if confirm_discard:
            self.fields["discard_encrypted_mail"].required = True
        else:
            del self.fields["discard_encrypted_mail"]


class RoleFieldMixin(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=role_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The admin role lets the account administer everything through the API.",
    )


class AccountCreationForm(PasswordFields, RoleFieldMixin, forms.ModelForm):
    password_required = False

    class Meta:
        model = Account
        fields = [
            "domain",
            "local_part",
            "is_active",
            "quota_bytes",
            "expires_at",
            "owner",
            "roles",
            "params",
        ]
        help_texts = {
            "quota_bytes": "Storage limit in bytes; empty for the domain's default.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = "Leave empty for an account that cannot log in yet."

    def clean_local_part(self) -> str:
        return _normalized(normalize_local_part, self.cleaned_data["local_part"])


class AccountChangeForm(RoleFieldMixin, forms.ModelForm):
    class Meta:
        model = Account
        fields = [
            "is_active",
            "quota_bytes",
            "quota_messages",
            "expires_at",
            "owner",
            "roles",
            "params",
        ]


class DomainForm(forms.ModelForm):
    class Meta:
        model = Domain
        fields = [
            "name",
            "is_active",
            "max_accounts",
            "max_aliases",
            "default_quota_bytes",
            "registration_open",
        ]

    def clean_name(self) -> str:
        return _normalized(normalize_domain, self.cleaned_data["name"])


class AliasForm(forms.ModelForm):
    class Meta:
        model = Alias
        fields = ["domain", "local_part", "is_active"]
        help_texts = {"local_part": "Leave empty for the domain's catch-all (@domain)."}

    def clean_local_part(self) -> str:
        value = self.cleaned_data.get("local_part", "")
        return _normalized(normalize_local_part, value) if value.strip() else ""
