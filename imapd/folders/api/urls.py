"""Folder and quota endpoints under /api/v1/accounts/<address>/.

The sub-resource routes (rename, subscription, the RFC 4314 acl) come before the folder
route, whose `path` converter takes any name with slashes (see views.SUB_RESOURCES).
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from imapd.folders.api.views import (
    FolderAclView,
    FolderListView,
    FolderRenameView,
    FolderSubscriptionView,
    FolderView,
    QuotaView,
)

FOLDER = "accounts/<str:address>/folders/<path:name>"

urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/<str:address>/folders/", FolderListView.as_view(), name="api-folder-list"),
    path(f"{FOLDER}/rename", FolderRenameView.as_view(), name="api-folder-rename"),
    path(
        f"{FOLDER}/subscription",
        FolderSubscriptionView.as_view(),
        name="api-folder-subscription",
    ),
    path(f"{FOLDER}/acl", FolderAclView.as_view(), name="api-folder-acl"),
    path(FOLDER, FolderView.as_view(), name="api-folder-detail"),
    path("accounts/<str:address>/quota", QuotaView.as_view(), name="api-account-quota"),
]
