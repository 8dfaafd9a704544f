"""A read-mostly admin page for mailboxes: what an account's store holds, and deletion.

Mailboxes are created, renamed and filled over IMAP; the admin only shows them, scoped like
the account pages (a superadmin sees all, a domain admin those of their domains), and deletes
them through `imapd.store.services.mailbox_delete` so that messages, blobs and the hierarchy
rules are handled as they are for a client's DELETE. Django's own delete is off: it would
skip all three.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat

from accounts.admin import ServiceAdmin
from accounts.models import User
from accounts.permissions import domains_managed_by, is_superadmin
from imapd.crypto import admin as crypto_admin  # noqa: F401 (registers encryption at rest)
from imapd.models import Mailbox
from imapd.store import services
from mailplatform.errors import NotFound


def _platform_admin(request: HttpRequest) -> User | None:
    user = request.user
    if isinstance(user, User) and (is_superadmin(user) or user.is_domain_admin):
        return user
    return None


@admin.register(Mailbox)
class MailboxAdmin(ServiceAdmin):
    list_display = (
        "name",
        "account",
        "special_use",
        "noselect",
        "message_count",
        "unseen_count",
        "size",
        "uidvalidity",
        "uidnext",
        "highest_modseq",
    )
    list_filter = ("special_use", "noselect")
    search_fields = ("name", "account__local_part", "account__domain__name")
    list_select_related = ("account__domain",)
    ordering = ("account__domain__name", "account__local_part", "name")
    actions = ["delete_with_messages"]
    readonly_fields = tuple(
        field.name for field in Mailbox._meta.concrete_fields if field.name != "id"
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Mailbox]:
        queryset = super().get_queryset(request)
        user = _platform_admin(request)
        if user is None:
            return queryset.none()
        if is_superadmin(user):
            return queryset
        return queryset.filter(account__domain__in=domains_managed_by(user))

    @admin.display(description="size", ordering="total_size")
    def size(self, mailbox: Mailbox) -> str:
        return filesizeformat(mailbox.total_size)

    @admin.action(description="Delete selected mailboxes and their messages")
    def delete_with_messages(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        deleted = 0
        with transaction.atomic():  # a refusal (INBOX, a placeholder with children) undoes all
            for mailbox in queryset.order_by("-name"):  # inferiors before their superiors
                try:
                    services.mailbox_delete(mailbox=mailbox)
                except NotFound:
                    continue  # a placeholder that went with its last child
                deleted += 1
        self.message_user(request, f"Deleted {deleted} mailbox(es).", messages.SUCCESS)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _platform_admin(request) is not None

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _platform_admin(request) is not None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
