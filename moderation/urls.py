"""`/` (landing page; provisioning's POST), `/register/...` and the owner's pages `/account/...`."""

from __future__ import annotations

from django.urls import URLPattern, path
from django.views.i18n import set_language

from moderation.views import auth, landing, mailboxes, registration

app_name = "moderation"

urlpatterns: list[URLPattern] = [
    path("", landing.root, name="home"),
    path("register/", registration.register, name="register"),
    path("register/sent", registration.register_sent, name="register-sent"),
    path("register/confirm/<str:secret>", registration.register_confirm, name="register-confirm"),
    path("account/login/", auth.login_view, name="login"),
    path("account/logout/", auth.logout_view, name="logout"),
    path("account/language", set_language, name="set-language"),
    path("account/", mailboxes.dashboard, name="dashboard"),
    path("account/mailboxes/new", mailboxes.mailbox_new, name="mailbox-new"),
    path("account/mailboxes/<str:address>/", mailboxes.mailbox_detail, name="mailbox"),
    path(
        "account/mailboxes/<str:address>/password",
        mailboxes.password_change,
        name="mailbox-password",
    ),
    path(
        "account/mailboxes/<str:address>/delete",
        mailboxes.deletion_request,
        name="mailbox-delete",
    ),
    path("account/mailboxes/<str:address>/export", mailboxes.export, name="mailbox-export"),
    path(
        "account/mailboxes/<str:address>/aliases/<int:alias_id>/remove",
        mailboxes.alias_remove,
        name="alias-remove",
    ),
    path("account/requests/<int:pk>/cancel", mailboxes.action_cancel, name="action-cancel"),
]
