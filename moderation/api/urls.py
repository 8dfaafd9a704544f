"""Mounted at /api/v1/ before the generic include, in the API's style: collections end with a
slash, objects are named by their id without one."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path

from accounts.api.urls import COLLECTION
from moderation.api.views import PendingActionViewSet, RegistrationViewSet

# The queue is filled by the registration pages, never over the API.
COLLECTION_READ: dict[str, Any] = {"get": "list"}

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "registrations/",
        RegistrationViewSet.as_view(COLLECTION_READ),
        name="api-registration-list",
    ),
    path(
        "registrations/<str:id>",
        RegistrationViewSet.as_view({"get": "retrieve"}),
        name="api-registration-detail",
    ),
    path(
        "registrations/<str:id>/approve",
        RegistrationViewSet.as_view({"post": "approve"}),
        name="api-registration-approve",
    ),
    path(
        "registrations/<str:id>/deny",
        RegistrationViewSet.as_view({"post": "deny"}),
        name="api-registration-deny",
    ),
    path(
        "pending-actions/",
        PendingActionViewSet.as_view(COLLECTION),
        name="api-pending-action-list",
    ),
    path(
        "pending-actions/<str:id>",
        PendingActionViewSet.as_view({"get": "retrieve"}),
        name="api-pending-action-detail",
    ),
    path(
        "pending-actions/<str:id>/cancel",
        PendingActionViewSet.as_view({"post": "cancel"}),
        name="api-pending-action-cancel",
    ),
]
