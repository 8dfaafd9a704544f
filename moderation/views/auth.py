"""Logging in and out of the self-service pages.

Failures count in the same throttle as IMAP, SMTP and the API (accounts.login): past the
lockout counts the username or the client IP is refused for LOGIN_LOCKOUT_DURATION, even with
the right password. The page does not sleep on failures (that would hold a web worker).
"""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.login import throttle_failure, throttle_is_locked, throttle_success
from accounts.models import User
from moderation.forms import LoginForm
from moderation.views._common import client_ip


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("moderation:dashboard")


@require_http_methods(["GET", "HEAD", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method != "POST":
        return redirect("moderation:dashboard")
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        remote_addr = client_ip(request)
        if throttle_is_locked(username=username, remote_addr=remote_addr):
            form.add_error(None, _("Too many failed attempts. Try again later."))
            status = 429
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if isinstance(user, User):
                throttle_success(username=username)
                login(request, user)
                return HttpResponseRedirect(_next_url(request))
            throttle_failure(username=username, remote_addr=remote_addr)
            form.add_error(None, _("Wrong username or password."))
    return render(
        request,
        "moderation/login.html",
        {"form": form, "next": _next_url(request)},
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("moderation:login")
