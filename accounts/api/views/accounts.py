"""/api/v1/accounts/, /api/v1/accounts/<address> and its /password."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import services
from accounts.addresses import split_address
from accounts.api.lookups import visible_domain, web_user
from accounts.api.schema import errors, path_parameter
from accounts.api.serializers import (
    AccountCreateSerializer,
    AccountSerializer,
    AccountUpdateSerializer,
    PasswordSerializer,
)
from accounts.api.views.base import (
    DOMAIN_FILTER,
    ScopedViewSet,
    changed,
    parse,
    scheme_errors,
)
from accounts.models import Account, CreatedVia, User
from accounts.permissions import accounts_visible_to
from accounts.principals import AccountPrincipal
from imapd.crypto.services import account_keys_rewrap

ADDRESS = path_parameter("address", "The account's address, e.g. alice@example.org.")


@extend_schema_view(
    list=extend_schema(
        summary="List the accounts you may see",
        parameters=[DOMAIN_FILTER],
        responses={200: AccountSerializer, **errors(400, 401)},
    ),
    retrieve=extend_schema(
        summary="Get an account",
        parameters=[ADDRESS],
        responses={200: AccountSerializer, **errors(401, 404)},
    ),
)
class AccountViewSet(ScopedViewSet[Account]):
    """Mail accounts: addresses that log in over IMAP and SMTP and have a mail store."""

    model = Account
    noun = "account"
    serializer_class = AccountSerializer
    lookup_field = "address"
    filters_by_domain = True

    def scope(self, actor: User | AccountPrincipal) -> QuerySet[Account]:
        return accounts_visible_to(actor).select_related("owner")

    def key_filters(self, key: str) -> dict[str, str]:
        local_part, domain = split_address(key)
        return {"local_part": local_part, "domain__name": domain}

    @extend_schema(
        summary="Create an account",
        request=AccountCreateSerializer,
        responses={201: AccountSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def create(self, request: Request) -> Response:
        actor = self.actor
        values = parse(AccountCreateSerializer, request)
        domain = visible_domain(actor, values.pop("domain"))
        options: dict[str, Any] = {
            k: values[k]
            for k in (
                "quota_bytes",
                "quota_messages",
                "expires_at",
                "roles",
                "params",
                "is_active",
                "scheme",
            )
            if k in values
        }
        if "owner" in values:
            options["owner"] = web_user(values["owner"])
        with scheme_errors():
            account = services.account_create(
                domain=domain,
                local_part=values["local_part"],
                password=values.get("password"),
                acting_user=actor,
                created_via=CreatedVia.API,
                **options,
            )
        return Response(AccountSerializer(account).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Replace an account's settings",
        parameters=[ADDRESS],
        request=AccountUpdateSerializer,
        responses={200: AccountSerializer, **errors(400, 401, 403, 404)},
    )
    def update(self, request: Request, address: str, partial: bool = False) -> Response:
        account = self.get_object()
        values = parse(AccountUpdateSerializer, request, partial=partial)
        if "owner" in values:
            values["owner"] = web_user(values["owner"])
        services.account_update(account=account, acting_user=self.actor, **changed(account, values))
        return Response(AccountSerializer(account).data)

    @extend_schema(
        summary="Change some of an account's settings",
        parameters=[ADDRESS],
        request=AccountUpdateSerializer,
        responses={200: AccountSerializer, **errors(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, address: str) -> Response:
        return self.update(request, address, partial=True)

    @extend_schema(
        summary="Delete an account and its mail",
        parameters=[ADDRESS],
        responses={204: None, **errors(401, 403, 404)},
    )
    def destroy(self, request: Request, address: str) -> Response:
        services.account_delete(account=self.get_object(), acting_user=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Set an account's password",
        description=(
            "The account itself, its owner and its domain's admins may. For an account whose "
            "mail is encrypted, give `old_password` (its keys are re-wrapped); without it, a "
            "reset that would make the mail unreadable answers 409 `encrypted_mail` until "
            "`discard_encrypted_mail` confirms it. GET .../encryption tells beforehand."
        ),
        parameters=[ADDRESS],
        request=PasswordSerializer,
        responses={204: None, **errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def password(self, request: Request, address: str) -> Response:
        account = self.get_object()
        values = parse(PasswordSerializer, request)
        with scheme_errors():
            if values.get("old_password") is not None:
                account_keys_rewrap(
                    account=account,
                    old_password=values["old_password"],
                    new_password=values["password"],
                    scheme=values.get("scheme"),
                    acting_user=self.actor,
                )
            else:
                services.account_set_password(
                    account=account,
                    password=values["password"],
                    scheme=values.get("scheme"),
                    acting_user=self.actor,
                    discard_encrypted_mail=values["discard_encrypted_mail"],
                )
        return Response(status=status.HTTP_204_NO_CONTENT)
