"""Folder and quota endpoints under /api/v1/accounts/<address>/.

The sub-resource routes come before the folder route, whose `path` converter takes any name
with slashes. RFC 4314 ACL endpoints belong here too, before the folder route:
`path("accounts/<str:address>/folders/<path:name>/acl", ...)`; until then that URL answers 404
with code "no_such_endpoint" (see views.SUB_RESOURCES).
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from imapd.folders.api.views import (
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
    path(FOLDER, FolderView.as_view(), name="api-folder-detail"),
    path("accounts/<str:address>/quota", QuotaView.as_view(), name="api-account-quota"),
]
