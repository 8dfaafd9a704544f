"""The mail store's REST endpoints, under /api/v1/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from imapd.api.append import MessageAppendView
from imapd.api.encryption import EncryptionView, RotationView

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "accounts/<str:address>/messages",
        MessageAppendView.as_view(),
        name="api-account-messages",
    ),
    # Encryption at rest (imapd.crypto).
    path(
        "accounts/<str:address>/encryption",
        EncryptionView.as_view(),
        name="api-account-encryption",
    ),
    path(
        "accounts/<str:address>/encryption/rotation",
        RotationView.as_view(),
        name="api-account-encryption-rotation",
    ),
]
