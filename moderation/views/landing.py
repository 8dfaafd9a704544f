"""`/`: the landing page on GET; mailadm's account creation (provisioning) on POST."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from moderation.selectors import domains_open_for_registration
from provisioning.views import new_email


@csrf_exempt  # the POST is Delta Chat's, authenticated by its token (see provisioning.views)
def root(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return new_email(request)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    return render(
        request,
        "moderation/landing.html",
        {"registration_open": domains_open_for_registration().exists()},
    )
