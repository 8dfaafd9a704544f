"""Mounted at /api/v1/tokens/ (before the generic /api/v1/ include), in the API's style:
the collection ends with a slash, a token is named by its name without one."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from accounts.api.urls import COLLECTION, OBJECT
from provisioning.api.views import TokenViewSet

urlpatterns: list[URLPattern | URLResolver] = [
    path("", TokenViewSet.as_view(COLLECTION), name="api-token-list"),
    path("<str:name>/qr.png", TokenViewSet.as_view({"get": "qr"}), name="api-token-qr"),
    path(
        "<str:name>/accounts",
        TokenViewSet.as_view({"get": "accounts"}),
        name="api-token-accounts",
    ),
    path(
        "<str:name>/accounts/<str:address>/login-qr.png",
        TokenViewSet.as_view({"post": "login_qr"}),
        name="api-token-account-login-qr",
    ),
    path("<str:name>", TokenViewSet.as_view(OBJECT), name="api-token-detail"),
]
