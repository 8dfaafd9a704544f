"""The public endpoints: account creation (exact paths, no slash redirect) and autoconfig."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import URLPattern, path, re_path

from provisioning import views


def _endpoint_route() -> str:
    """The path of PROVISIONING_WEB_ENDPOINT, matched exactly (a trailing slash included)."""
    return urlsplit(settings.PROVISIONING_WEB_ENDPOINT).path.lstrip("/")


urlpatterns: list[URLPattern] = [
    # mailadm's documented API, POST /?t=TOKEN, is routed by moderation.urls: `/` is also the
    # landing page on GET (moderation.views.landing.root calls views.new_email on POST).
    path(
        ".well-known/autoconfig/mail/config-v1.1.xml",
        views.autoconfig,
        name="autoconfig-well-known",
    ),
    path("mail/config-v1.1.xml", views.autoconfig, name="autoconfig"),
]
if _endpoint_route():
    urlpatterns.insert(
        0,
        re_path(
            rf"^{re.escape(_endpoint_route())}\Z", views.new_email, name="provisioning-new-email"
        ),
    )
