"""Admin pages: the moderation queue (approve/deny actions), pending actions, domain grants.

The same rules as the rest of the admin site (accounts.admin): superadmins see everything,
domain admins what concerns their domains; every write goes through moderation.services, so
a decision here is the same as one made over the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts.admin import ServiceAdmin, _actor, _adopt, _is_platform_admin, _is_superadmin
from accounts.models import AuditEvent
from accounts.permissions import domains_managed_by
from mailplatform.errors import ServiceError
from moderation import services
from moderation.forms import DenyForm
from moderation.models import DomainGrant, PendingAction, Registration, RegistrationState
from moderation.selectors import pending_actions_visible_to, registrations_visible_to


class PlatformAdminReadOnly(ServiceAdmin):
    """Rows written only by services: platform admins look and use the actions."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_platform_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_platform_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _each(
        self,
        request: HttpRequest,
        rows: QuerySet[Any],
        apply: Callable[[Any], object],
        done: str,
    ) -> None:
        """Apply a service to each row; report the successes and each refusal by name."""
        succeeded = 0
        for row in rows:
            try:
                apply(row)
            except ServiceError as error:
                self.message_user(request, f"{row}: {error.reason}", messages.ERROR)
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, f"{done}: {succeeded}.", messages.SUCCESS)


# --- registrations -------------------------------------------------------------------------


@admin.register(Registration)
class RegistrationAdmin(PlatformAdminReadOnly):
    list_display = (
        "username",
        "contact_email",
        "domain_names",
        "state",
        "created_at",
        "confirmed_at",
        "decided_by",
    )
    list_filter = ("state", ("domains", admin.RelatedOnlyFieldListFilter), "created_at")
    search_fields = ("username", "contact_email")
    actions = ["approve", "deny"]
    fields = (
        "username",
        "contact_email",
        "domain_names",
        "reason",
        "language",
        "state",
        "created_at",
        "confirm_before",
        "confirmed_at",
        "remote_addr",
        "decided_at",
        "decided_by",
        "decision_reason",
        "user",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Registration]:
        return registrations_visible_to(_actor(request))

    @admin.display(description="domains")
    def domain_names(self, obj: Registration) -> str:
        return ", ".join(domain.name for domain in obj.domains.all())

    @admin.action(description="Approve selected registrations")
    def approve(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        actor = _actor(request)
        self._each(
            request,
            queryset,
            lambda r: services.registration_approve(registration=r, acting_user=actor),
            "Approved",
        )

    @admin.action(description="Deny selected registrations…")
    def deny(
        self, request: HttpRequest, queryset: QuerySet[Registration]
    ) -> TemplateResponse | None:
        form = DenyForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            actor, reason = _actor(request), form.cleaned_data["reason"]
            self._each(
                request,
                queryset,
                lambda r: services.registration_deny(
                    registration=r, acting_user=actor, reason=reason
                ),
                "Denied",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Deny registrations",
            "form": form,
            "registrations": queryset.filter(state=RegistrationState.PENDING),
            "skipped": queryset.exclude(state=RegistrationState.PENDING),
            "opts": self.opts,
            "action_name": "deny",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/moderation/registration/deny.html", context)


# --- pending actions -----------------------------------------------------------------------


@admin.register(PendingAction)
class PendingActionAdmin(PlatformAdminReadOnly):
    list_display = (
        "address",
        "kind",
        "state",
        "due_at",
        "requested_by_name",
        "attempts",
        "created_at",
        "finished_at",
    )
    list_filter = ("state", "kind", ("domain", admin.RelatedOnlyFieldListFilter), "due_at")
    search_fields = ("address", "requested_by_name")
    date_hierarchy = "due_at"
    actions = ["cancel", "retry"]
    fields = (
        "address",
        "kind",
        "state",
        "requested_by_name",
        "created_at",
        "due_at",
        "started_at",
        "finished_at",
        "attempts",
        "result",
        "history",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[PendingAction]:
        actor = _actor(request)
        visible = pending_actions_visible_to(actor)
        if _is_superadmin(request):
            return visible
        # Here as an admin: the actions of their domains, not those of mailboxes they own.
        return visible.filter(domain__in=domains_managed_by(actor))

    @admin.display(description="history (audit log)")
    def history(self, obj: PendingAction) -> SafeString:
        events = AuditEvent.objects.filter(
            action__startswith="pending_action.", target=obj.address, detail__id=obj.pk
        ).order_by("at")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} — {} — {}</li>",
                (
                    (f"{e.at:%Y-%m-%d %H:%M:%S}", e.action.removeprefix("pending_action."), e.actor)
                    for e in events
                ),
            ),
        )

    @admin.action(description="Cancel selected actions")
    def cancel(self, request: HttpRequest, queryset: QuerySet[PendingAction]) -> None:
        actor = _actor(request)
        self._each(
            request,
            queryset,
            lambda a: services.pending_action_cancel(action=a, acting_user=actor),
            "Cancelled",
        )

    @admin.action(description="Retry selected failed actions")
    def retry(self, request: HttpRequest, queryset: QuerySet[PendingAction]) -> None:
        actor = _actor(request)
        self._each(
            request,
            queryset,
            lambda a: services.pending_action_retry(action=a, acting_user=actor),
            "Due again",
        )


# --- grants --------------------------------------------------------------------------------


class DomainGrantForm(forms.ModelForm):
    class Meta:
        model = DomainGrant
        fields = ("user", "domain")


@admin.register(DomainGrant)
class DomainGrantAdmin(ServiceAdmin):
    """Who may create mailboxes in which domain on the self-service pages.

    Domain admins see and withdraw the grants of their domains; adding one names any web user,
    so it is for superadmins (approving a registration adds grants too).
    """

    form = DomainGrantForm
    list_display = ("user", "domain", "granted_by", "granted_at")
    list_filter = (("domain", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("user__username", "domain__name")
    list_select_related = ("user", "domain", "granted_by")

    def get_queryset(self, request: HttpRequest) -> QuerySet[DomainGrant]:
        queryset = super().get_queryset(request)
        if _is_superadmin(request):
            return queryset
        return queryset.filter(domain__in=domains_managed_by(_actor(request)))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_platform_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_platform_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_superadmin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_platform_admin(request)

    def save_model(self, request: HttpRequest, obj: DomainGrant, form: Any, change: bool) -> None:
        grant = services.domain_grant_create(
            user=form.cleaned_data["user"],
            domain=form.cleaned_data["domain"],
            acting_user=_actor(request),
        )
        _adopt(obj, grant)

    def delete_model(self, request: HttpRequest, obj: DomainGrant) -> None:
        services.domain_grant_delete(grant=obj, acting_user=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[DomainGrant]) -> None:
        for grant in queryset.select_related("user", "domain"):
            services.domain_grant_delete(grant=grant, acting_user=_actor(request))
