"""/api/v1/registrations/ (the moderation queue) and /api/v1/pending-actions/.

Registrations are seen by those who may decide them: superadmins, and domain admins for their
domains. Pending actions are seen by the owners of their mailboxes and by the admins of their
domains; owners ask for deletions and cancel them here as on the pages.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.addresses import split_address
from accounts.api.schema import errors, path_parameter
from accounts.api.views.base import Row, ScopedViewSet, parse
from accounts.models import User
from accounts.permissions import accounts_visible_to
from accounts.principals import AccountPrincipal
from mailplatform.errors import NotFound, ValidationFailed
from moderation import services
from moderation.api.serializers import (
    ACTION_KINDS,
    ACTION_STATES,
    REGISTRATION_STATES,
    DecisionSerializer,
    PendingActionCreateSerializer,
    PendingActionSerializer,
    RegistrationSerializer,
)
from moderation.models import PendingAction, Registration
from moderation.selectors import pending_actions_visible_to, registrations_visible_to

ID = path_parameter("id", "The numeric id.")


def _id_filter(key: str) -> dict[str, str]:
    if not key.isdigit():
        raise ValidationFailed(f"{key!r} is not an id.", field="id")
    return {"pk": key}


def _choice(request: Request, name: str, choices: list[str]) -> str | None:
    value = request.query_params.get(name)
    if value is not None and value not in choices:
        raise ValidationFailed(f"{name} must be one of {', '.join(choices)}.", field=name)
    return value


def _filter(name: str, choices: list[str]) -> OpenApiParameter:
    return OpenApiParameter(name, str, enum=choices, description=f"Only those of this {name}.")


@extend_schema_view(
    list=extend_schema(
        summary="List the registrations you may moderate",
        parameters=[_filter("state", REGISTRATION_STATES)],
        responses={200: RegistrationSerializer, **errors(400, 401)},
    ),
    retrieve=extend_schema(
        summary="Get a registration",
        parameters=[ID],
        responses={200: RegistrationSerializer, **errors(401, 404)},
    ),
)
class RegistrationViewSet(ScopedViewSet[Registration]):
    """Requests for a web login, waiting for (or past) moderation."""

    model = Registration
    noun = "registration"
    serializer_class = RegistrationSerializer
    lookup_field = "id"

    def scope(self, actor: User | AccountPrincipal) -> QuerySet[Registration]:
        return registrations_visible_to(actor)

    def key_filters(self, key: str) -> dict[str, str]:
        return _id_filter(key)

    def filter_queryset(self, queryset: QuerySet[Registration, Row]) -> QuerySet[Registration, Row]:
        state = _choice(self.request, "state", REGISTRATION_STATES)
        return queryset.filter(state=state) if state else queryset

    @extend_schema(
        summary="Approve a registration: create the web login, grant its domains",
        parameters=[ID],
        request=DecisionSerializer,
        responses={200: RegistrationSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def approve(self, request: Request, id: str) -> Response:
        registration = self.get_object()
        values = parse(DecisionSerializer, request)
        services.registration_approve(
            registration=registration, acting_user=self.actor, reason=values["reason"]
        )
        return Response(RegistrationSerializer(self.get_object()).data)

    @extend_schema(
        summary="Deny a registration, with a reason sent to the registrant",
        parameters=[ID],
        request=DecisionSerializer,
        responses={200: RegistrationSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def deny(self, request: Request, id: str) -> Response:
        registration = self.get_object()
        values = parse(DecisionSerializer, request)
        services.registration_deny(
            registration=registration, acting_user=self.actor, reason=values["reason"]
        )
        return Response(RegistrationSerializer(self.get_object()).data)


@extend_schema_view(
    list=extend_schema(
        summary="List the pending actions you may see",
        parameters=[
            _filter("state", ACTION_STATES),
            _filter("kind", ACTION_KINDS),
            OpenApiParameter("account", str, description="Only those of this address."),
        ],
        responses={200: PendingActionSerializer, **errors(400, 401)},
    ),
    retrieve=extend_schema(
        summary="Get a pending action",
        parameters=[ID],
        responses={200: PendingActionSerializer, **errors(401, 404)},
    ),
)
class PendingActionViewSet(ScopedViewSet[PendingAction]):
    """Deletions (after the grace period) and rekeys (after a password change) of mailboxes."""

    model = PendingAction
    noun = "pending action"
    serializer_class = PendingActionSerializer
    lookup_field = "id"

    def scope(self, actor: User | AccountPrincipal) -> QuerySet[PendingAction]:
        return pending_actions_visible_to(actor)

    def key_filters(self, key: str) -> dict[str, str]:
        return _id_filter(key)

    def filter_queryset(
        self, queryset: QuerySet[PendingAction, Row]
    ) -> QuerySet[PendingAction, Row]:
        state = _choice(self.request, "state", ACTION_STATES)
        kind = _choice(self.request, "kind", ACTION_KINDS)
        address = self.request.query_params.get("account")
        if state:
            queryset = queryset.filter(state=state)
        if kind:
            queryset = queryset.filter(kind=kind)
        if address:
            queryset = queryset.filter(address=address.strip().lower())
        return queryset

    @extend_schema(
        summary="Ask for a mailbox's deletion: disabled now, deleted after the grace period",
        request=PendingActionCreateSerializer,
        responses={201: PendingActionSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def create(self, request: Request) -> Response:
        values = parse(PendingActionCreateSerializer, request)
        local_part, domain = split_address(values["account"], field="account")
        account = (
            accounts_visible_to(self.actor)
            .filter(local_part=local_part, domain__name=domain)
            .first()
        )
        if account is None:
            raise NotFound(f"No account {values['account']}.", field="account")
        action = services.deletion_request(account=account, acting_user=self.actor)
        return Response(PendingActionSerializer(action).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel a pending action; a cancelled deletion gives the mailbox back",
        parameters=[ID],
        request=None,
        responses={200: PendingActionSerializer, **errors(401, 403, 404, 409)},
    )
    def cancel(self, request: Request, id: str) -> Response:
        action = services.pending_action_cancel(action=self.get_object(), acting_user=self.actor)
        return Response(PendingActionSerializer(action).data)
