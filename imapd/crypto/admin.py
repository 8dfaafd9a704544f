"""Admin page of encryption at rest: which accounts are encrypted, and ordering a rotation.

Read-only rows (every change goes through imapd.crypto.services), scoped like the mailbox
page: a superadmin sees every account, a domain admin those of their domains.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin import ServiceAdmin, _actor
from accounts.permissions import domains_managed_by, is_superadmin
from imapd.crypto.models import AccountEncryption
from imapd.crypto.selectors import encryption_status
from imapd.crypto.services import account_keys_rotate
from mailplatform.errors import ServiceError


@admin.register(AccountEncryption)
class AccountEncryptionAdmin(ServiceAdmin):
    list_display = ("account", "state", "summary")
    list_filter = ("state",)
    search_fields = ("account__local_part", "account__domain__name")
    list_select_related = ("account__domain",)
    actions = ["rotate"]
    fields = ("account", "state", "rotation_requested_at", "encrypting_since", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccountEncryption]:
        queryset = super().get_queryset(request)
        user = _actor(request)
        if is_superadmin(user):
            return queryset
        return queryset.filter(account__domain__in=domains_managed_by(user))

    @admin.display(description="keys and mail")
    def summary(self, obj: AccountEncryption) -> str:
        status = encryption_status(account=obj.account)
        pairs = (
            ", ".join(f"{p.state}: {p.contents} messages" for p in status.key_pairs) or "no keys"
        )
        reset = (
            "a password reset loses the mail (no recovery key)"
            if status.password_reset_loses_mail
            else "a password reset is recoverable"
        )
        parts = [pairs, f"{status.contents_in_clear} in clear", status.rotation, reset]
        return "; ".join(part for part in parts if part)

    @admin.action(description="Order a key rotation (done at the next login)")
    def rotate(self, request: HttpRequest, queryset: QuerySet[AccountEncryption]) -> None:
        actor = _actor(request)
        ordered = 0
        for row in queryset.select_related("account__domain"):
            try:
                account_keys_rotate(account=row.account, acting_user=actor)
            except ServiceError as error:
                self.message_user(request, f"{row.account}: {error.reason}", messages.ERROR)
            else:
                ordered += 1
        if ordered:
            self.message_user(request, f"Rotation ordered for {ordered} account(s).")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_authenticated and (
            bool(request.user.is_superuser) or bool(getattr(request.user, "is_domain_admin", False))
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
