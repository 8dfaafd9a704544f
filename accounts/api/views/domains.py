"""/api/v1/domains/ and /api/v1/domains/<name>."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import services
from accounts.addresses import normalize_domain
from accounts.api.schema import errors, path_parameter
from accounts.api.serializers import (
    DomainCreateSerializer,
    DomainSerializer,
    DomainUpdateSerializer,
)
from accounts.api.views.base import ScopedViewSet, changed, parse, query_flag
from accounts.models import Domain, User
from accounts.permissions import domains_visible_to
from accounts.principals import AccountPrincipal

NAME = path_parameter("name", "The domain name, e.g. example.org.")


@extend_schema_view(
    list=extend_schema(summary="List the domains you may see", responses={200: DomainSerializer}),
    retrieve=extend_schema(
        summary="Get a domain",
        parameters=[NAME],
        responses={200: DomainSerializer, **errors(401, 404)},
    ),
)
class DomainViewSet(ScopedViewSet[Domain]):
    """Mail domains. Superadmins create and delete them; domain admins tune their own."""

    model = Domain
    noun = "domain"
    serializer_class = DomainSerializer
    lookup_field = "name"

    def scope(self, actor: User | AccountPrincipal) -> QuerySet[Domain]:
        return domains_visible_to(actor)

    def key_filters(self, key: str) -> dict[str, str]:
        return {"name": normalize_domain(key)}

    @extend_schema(
        summary="Create a domain (superadmins)",
        request=DomainCreateSerializer,
        responses={201: DomainSerializer, **errors(400, 401, 403, 409)},
    )
    def create(self, request: Request) -> Response:
        domain = services.domain_create(
            acting_user=self.actor, **parse(DomainCreateSerializer, request)
        )
        return Response(DomainSerializer(domain).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Replace a domain's settings",
        parameters=[NAME],
        request=DomainUpdateSerializer,
        responses={200: DomainSerializer, **errors(400, 401, 403, 404)},
    )
    def update(self, request: Request, name: str, partial: bool = False) -> Response:
        domain = self.get_object()
        values = parse(DomainUpdateSerializer, request, partial=partial)
        services.domain_update(domain=domain, acting_user=self.actor, **changed(domain, values))
        return Response(DomainSerializer(domain).data)

    @extend_schema(
        summary="Change some of a domain's settings",
        parameters=[NAME],
        request=DomainUpdateSerializer,
        responses={200: DomainSerializer, **errors(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, name: str) -> Response:
        return self.update(request, name, partial=True)

    @extend_schema(
        summary="Delete a domain (superadmins)",
        parameters=[
            NAME,
            OpenApiParameter(
                "force",
                OpenApiTypes.BOOL,
                description="Also delete the domain's accounts and aliases.",
            ),
        ],
        responses={204: None, **errors(401, 403, 404, 409)},
    )
    def destroy(self, request: Request, name: str) -> Response:
        force = query_flag(request, "force")
        services.domain_delete(domain=self.get_object(), acting_user=self.actor, force=force)
        return Response(status=status.HTTP_204_NO_CONTENT)
