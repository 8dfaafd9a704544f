"""The mail store's REST endpoints, under /api/v1/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from imapd.api.append import MessageAppendView

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "accounts/<str:address>/messages",
        MessageAppendView.as_view(),
        name="api-account-messages",
    ),
]
