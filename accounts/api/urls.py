"""The REST API under /api/v1/.

Collections end with a slash (`domains/`); objects are named by their natural key without one
(`domains/example.org`, `accounts/alice@example.org`, `aliases/@example.org`).
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path

from accounts.api.views.accounts import AccountViewSet
from accounts.api.views.aliases import AliasViewSet
from accounts.api.views.auth import LoginView, LogoutView, WhoamiView
from accounts.api.views.domains import DomainViewSet

COLLECTION: dict[str, Any] = {"get": "list", "post": "create"}
OBJECT: dict[str, Any] = {
    "get": "retrieve",
    "put": "update",
    "patch": "partial_update",
    "delete": "destroy",
}

urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/login", LoginView.as_view(), name="api-login"),
    path("auth/logout", LogoutView.as_view(), name="api-logout"),
    path("auth/whoami", WhoamiView.as_view(), name="api-whoami"),
    path("domains/", DomainViewSet.as_view(COLLECTION), name="api-domain-list"),
    path("domains/<str:name>", DomainViewSet.as_view(OBJECT), name="api-domain-detail"),
    path("accounts/", AccountViewSet.as_view(COLLECTION), name="api-account-list"),
    path("accounts/<str:address>", AccountViewSet.as_view(OBJECT), name="api-account-detail"),
    path(
        "accounts/<str:address>/password",
        AccountViewSet.as_view({"post": "password"}),
        name="api-account-password",
    ),
    path("aliases/", AliasViewSet.as_view(COLLECTION), name="api-alias-list"),
    path("aliases/<str:address>", AliasViewSet.as_view(OBJECT), name="api-alias-detail"),
]
