"""/api/v1/aliases/ and /api/v1/aliases/<address> (`@domain` is the catch-all)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import services
from accounts.api.lookups import split_alias_address, visible_domain
from accounts.api.schema import errors, path_parameter
from accounts.api.serializers import (
    AliasCreateSerializer,
    AliasSerializer,
    AliasUpdateSerializer,
)
from accounts.api.views.base import DOMAIN_FILTER, ScopedViewSet, changed, parse
from accounts.models import Alias, User
from accounts.permissions import aliases_visible_to
from accounts.principals import AccountPrincipal

ADDRESS = path_parameter(
    "address", "The alias address, e.g. sales@example.org, or @example.org for the catch-all."
)


def _fresh(alias: Alias) -> Alias:
    """The alias reloaded with its targets, which a service may just have replaced."""
    return (
        Alias.objects.select_related("domain")
        .prefetch_related("targets__account__domain")
        .get(pk=alias.pk)
    )


@extend_schema_view(
    list=extend_schema(
        summary="List the aliases you may see",
        parameters=[DOMAIN_FILTER],
        responses={200: AliasSerializer, **errors(400, 401)},
    ),
    retrieve=extend_schema(
        summary="Get an alias",
        parameters=[ADDRESS],
        responses={200: AliasSerializer, **errors(401, 404)},
    ),
)
class AliasViewSet(ScopedViewSet[Alias]):
    """Aliases: addresses that deliver to accounts and/or external addresses."""

    model = Alias
    noun = "alias"
    serializer_class = AliasSerializer
    lookup_field = "address"
    filters_by_domain = True

    def scope(self, actor: User | AccountPrincipal) -> QuerySet[Alias]:
        return aliases_visible_to(actor)

    def key_filters(self, key: str) -> dict[str, str]:
        local_part, domain = split_alias_address(key)
        return {"local_part": local_part, "domain__name": domain}

    @extend_schema(
        summary="Create an alias",
        request=AliasCreateSerializer,
        responses={201: AliasSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def create(self, request: Request) -> Response:
        actor = self.actor
        values = parse(AliasCreateSerializer, request)
        alias = services.alias_create(
            domain=visible_domain(actor, values["domain"]),
            local_part=values["local_part"],
            targets=values["targets"],
            is_active=values.get("is_active", True),
            acting_user=actor,
        )
        return Response(AliasSerializer(_fresh(alias)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Replace an alias's targets and state",
        parameters=[ADDRESS],
        request=AliasUpdateSerializer,
        responses={200: AliasSerializer, **errors(400, 401, 403, 404)},
    )
    def update(self, request: Request, address: str, partial: bool = False) -> Response:
        alias = self.get_object()
        values = parse(AliasUpdateSerializer, request, partial=partial)
        # Targets are a set kept in other rows: always hand them on when given.
        targets = values.pop("targets", services.UNSET)
        services.alias_update(
            alias=alias, acting_user=self.actor, targets=targets, **changed(alias, values)
        )
        return Response(AliasSerializer(_fresh(alias)).data)

    @extend_schema(
        summary="Change an alias's targets or state",
        parameters=[ADDRESS],
        request=AliasUpdateSerializer,
        responses={200: AliasSerializer, **errors(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, address: str) -> Response:
        return self.update(request, address, partial=True)

    @extend_schema(
        summary="Delete an alias",
        parameters=[ADDRESS],
        responses={204: None, **errors(401, 403, 404)},
    )
    def destroy(self, request: Request, address: str) -> Response:
        services.alias_delete(alias=self.get_object(), acting_user=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
