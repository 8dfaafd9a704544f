"""What the pages share: who is asking, from where, and how a refusal lands on a form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.models import User
from mailplatform.errors import ServiceError
from provisioning.client_address import client_address


def web_user(request: HttpRequest) -> User:
    """The logged-in user (views that call this are behind login_required)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, behind a proxy as PROVISIONING_CLIENT_IP_HEADER says."""
    return client_address(request)


def add_service_error(
    form: forms.Form, error: ServiceError, renamed: dict[str, str] | None = None
) -> None:
    """Show a service's refusal on the field it names when the form has it, else on top."""
    field = (renamed or {}).get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.reason)
