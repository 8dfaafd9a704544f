"""The forms of the self-service and registration pages, and of the admin's deny action.

They check the shape of what was typed; the rules (limits, rights, password strength,
taken names) are the services', whose refusals the views put back on the right field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Domain


def _password(label: Any, autocomplete: str = "new-password") -> forms.CharField:
    # Spaces are part of a password: never strip them.
    return forms.CharField(
        label=label,
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class NewPasswordMixin(forms.Form):
    """A new password typed twice."""

    first_field = "password"  # the field typed again in password_again

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get(self.first_field), cleaned.get("password_again")
        if first and second and first != second:
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned


class RegistrationForm(NewPasswordMixin, forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("For this site only; letters, digits and @ . + - _"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = _password(_("Password"))
    password_again = _password(_("Password (again)"))
    contact_email = forms.EmailField(
        label=_("Contact e-mail address"),
        help_text=_("We send a confirmation link there, then the moderators' answer."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    domains = forms.ModelMultipleChoiceField(
        label=_("Domains"),
        queryset=Domain.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Where you would like your mailboxes."),
    )
    reason = forms.CharField(
        label=_("Why do you want an account?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, domains: QuerySet[Domain], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["domains"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = domains
        if len(domains) == 1:
            # Nothing to choose: ask for the only domain without showing a lonely checkbox.
            field.widget = forms.MultipleHiddenInput()
            field.initial = [domains[0].pk]


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        ),
    )
    password = _password(_("Password"), autocomplete="current-password")


class MailboxCreateForm(NewPasswordMixin, forms.Form):
    local_part = forms.CharField(
        label=_("Address"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    domain = forms.ModelChoiceField(
        label=_("Domain"), queryset=Domain.objects.none(), empty_label=None
    )
    password = _password(_("Password"))
    password_again = _password(_("Password (again)"))

    def __init__(self, *args: Any, domains: QuerySet[Domain], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["domain"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = domains


class AliasAddForm(forms.Form):
    local_part = forms.CharField(
        label=_("New alias"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )


class PasswordChangeForm(NewPasswordMixin, forms.Form):
    first_field = "new_password"

    old_password = _password(_("Current password"), autocomplete="current-password")
    new_password = _password(_("New password"))
    password_again = _password(_("New password (again)"))


class DenyForm(forms.Form):
    """The intermediate page of the admin's "deny" action."""

    reason = forms.CharField(
        label=_("Reason, sent to the registrant"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )
