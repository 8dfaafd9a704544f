"""/api/v1/tokens/: tokens, their QR codes and the accounts they created (admins only)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.addresses import split_address
from accounts.api.lookups import visible_domain
from accounts.api.schema import errors, path_parameter
from accounts.api.views.base import ScopedViewSet, parse
from accounts.models import User
from accounts.principals import AccountPrincipal
from mailplatform.errors import NotFound, ValidationFailed
from provisioning import services
from provisioning.api.permissions import IsProvisioningAdmin
from provisioning.api.serializers import (
    TokenAccountSerializer,
    TokenCreateSerializer,
    TokenSerializer,
    TokenUpdateSerializer,
)
from provisioning.models import Token
from provisioning.qr import login_qr_png, token_qr_png
from provisioning.selectors import token_accounts_visible_to, tokens_visible_to

NAME = path_parameter("name", "The token's name.")
ADDRESS = path_parameter("address", "The address of an account the token created.")
PNG = OpenApiResponse(OpenApiTypes.BINARY, description="A PNG image of the QR code.")


def _png(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # it encodes a secret
    return response


@extend_schema_view(
    list=extend_schema(
        summary="List the tokens of the domains you administer",
        responses={200: TokenSerializer, **errors(401, 403)},
    ),
    retrieve=extend_schema(
        summary="Get a token, its URL and its DCACCOUNT: text",
        parameters=[NAME],
        responses={200: TokenSerializer, **errors(401, 403, 404)},
    ),
)
class TokenViewSet(ScopedViewSet[Token]):
    model = Token
    noun = "token"
    serializer_class = TokenSerializer
    lookup_field = "name"
    permission_classes = [IsAuthenticated, IsProvisioningAdmin]

    def scope(self, actor: User | AccountPrincipal) -> QuerySet[Token]:
        return tokens_visible_to(actor)

    def key_filters(self, key: str) -> dict[str, str]:
        return {"name": key}

    @extend_schema(
        summary="Create a token",
        request=TokenCreateSerializer,
        responses={201: TokenSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def create(self, request: Request) -> Response:
        values = parse(TokenCreateSerializer, request)
        domain = visible_domain(self.actor, values.pop("domain"))
        token = services.token_create(
            name=values.pop("name"), domain=domain, acting_user=self.actor, **values
        )
        return Response(TokenSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a token",
        parameters=[NAME],
        request=TokenUpdateSerializer,
        responses={200: TokenSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def update(self, request: Request, name: str, partial: bool = False) -> Response:
        token = self.get_object()
        values: dict[str, Any] = parse(TokenUpdateSerializer, request, partial=partial)
        services.token_update(token=token, acting_user=self.actor, **values)
        return Response(TokenSerializer(token).data)

    @extend_schema(
        summary="Change some of a token's settings",
        parameters=[NAME],
        request=TokenUpdateSerializer,
        responses={200: TokenSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def partial_update(self, request: Request, name: str) -> Response:
        return self.update(request, name, partial=True)

    @extend_schema(
        summary="Delete a token (the accounts it created stay until they expire)",
        parameters=[NAME],
        responses={204: None, **errors(401, 403, 404)},
    )
    def destroy(self, request: Request, name: str) -> Response:
        services.token_delete(token=self.get_object(), acting_user=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Download the token's DCACCOUNT: QR code",
        parameters=[NAME],
        responses={200: PNG, **errors(401, 403, 404)},
    )
    def qr(self, request: Request, name: str) -> HttpResponse:
        token = self.get_object()
        return _png(token_qr_png(token), f"dcaccount-{token.domain.name}-{token.name}.png")

    @extend_schema(
        summary="List the accounts the token created",
        parameters=[NAME],
        responses={200: TokenAccountSerializer(many=True), **errors(401, 403, 404)},
    )
    def accounts(self, request: Request, name: str) -> Response:
        token = self.get_object()
        records = token_accounts_visible_to(self.actor, token=token)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(records, request, view=self)
        if page is None:
            return Response(TokenAccountSerializer(records, many=True).data)
        return paginator.get_paginated_response(TokenAccountSerializer(page, many=True).data)

    @extend_schema(
        summary="Set a new password on a token's account and download its dclogin: QR code",
        description="The password exists only in the QR code: whoever scans it can log in.",
        parameters=[NAME, ADDRESS],
        request=None,
        responses={200: PNG, **errors(401, 403, 404)},
    )
    def login_qr(self, request: Request, name: str, address: str) -> HttpResponse:
        token = self.get_object()
        try:
            local_part, domain = split_address(address)
        except ValidationFailed:
            raise NotFound(f"No account {address} created by token {name}.") from None
        record = (
            token_accounts_visible_to(self.actor, token=token)
            .filter(account__local_part=local_part, account__domain__name=domain)
            .first()
        )
        if record is None:
            raise NotFound(f"No account {address} created by token {name}.")
        url = services.account_login_code(account=record.account, acting_user=self.actor)
        return _png(login_qr_png(url=url, address=record.account.address), "dclogin.png")
