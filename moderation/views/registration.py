"""`/register/`: ask for an account, then confirm the contact address from the mailed link."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from mailplatform.errors import ServiceError
from moderation import services
from moderation.forms import RegistrationForm
from moderation.selectors import domains_open_for_registration
from moderation.views._common import add_service_error, client_ip
from provisioning.errors import RateLimited


@require_http_methods(["GET", "HEAD", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    domains = domains_open_for_registration()
    if not domains.exists():
        return render(request, "moderation/register_closed.html")
    form = RegistrationForm(request.POST or None, domains=domains)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.registration_submit(
                username=data["username"],
                password=data["password"],
                contact_email=data["contact_email"],
                reason=data["reason"],
                domains=data["domains"],
                language=translation.get_language() or "en",
                remote_addr=client_ip(request),
            )
        except ServiceError as error:
            add_service_error(form, error)
            status = 429 if isinstance(error, RateLimited) else 400
        else:
            return redirect("moderation:register-sent")
    elif request.method == "POST":
        status = 400
    return render(request, "moderation/register.html", {"form": form}, status=status)


def register_sent(request: HttpRequest) -> HttpResponse:
    hours = max(1, settings.REGISTRATION_CONFIRM_TTL // 3600)
    return render(request, "moderation/register_sent.html", {"hours": hours})


@require_http_methods(["GET", "HEAD", "POST"])
def register_confirm(request: HttpRequest, secret: str) -> HttpResponse:
    """GET shows a button, POST confirms: mail scanners that open links confirm nothing."""
    if request.method != "POST":
        return render(request, "moderation/register_confirm.html", {"secret": secret})
    try:
        registration = services.registration_confirm(secret=secret)
    except ServiceError as error:
        return render(
            request, "moderation/register_confirm.html", {"error": error.reason}, status=404
        )
    return render(request, "moderation/register_confirmed.html", {"registration": registration})
