"""GET /api/v1/accounts/<address>/encryption: an account's encryption at rest, and what a
password reset would do to its mail; POST .../encryption/rotation orders a key rotation.

Visible to those who may see the account (its admins, its owner, itself); a rotation is for
its domain's admins. Anyone else gets the same 404 as for an unknown address.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.schema import errors, path_parameter
from accounts.api.views.base import actor_of
from accounts.selectors import account_get_for_actor
from imapd.crypto.selectors import encryption_status
from imapd.crypto.services import account_keys_rotate

ADDRESS = path_parameter("address", "The account's address, e.g. alice@example.org.")


class EncryptionView(APIView):
    @extend_schema(
        summary="An account's encryption at rest",
        description=(
            "state (off, requested, on, awaiting_recovery), key pairs with their message "
            "counts, contents still in clear, rotation progress, and "
            "`password_reset_loses_mail`: whether setting a password without the current one "
            "would make the existing mail unreadable (such a reset needs "
            "`discard_encrypted_mail`)."
        ),
        parameters=[ADDRESS],
        responses={200: OpenApiTypes.OBJECT, **errors(401, 404)},
    )
    def get(self, request: Request, address: str) -> Response:
        return Response(
            encryption_status(
                account=account_get_for_actor(actor=actor_of(request), address=address)
            ).as_dict()
        )


class RotationView(APIView):
    @extend_schema(
        summary="Order a key rotation",
        description="At the account's next login a new key pair is made and every message "
        "key is re-wrapped to it in the background; the returned pending action shows progress.",
        parameters=[ADDRESS],
        request=None,
        responses={202: OpenApiTypes.OBJECT, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, address: str) -> Response:
        action = account_keys_rotate(
            account=account_get_for_actor(actor=actor_of(request), address=address),
            acting_user=actor_of(request),
        )
        return Response(
            {"pending_action": action.pk, "state": action.state, "result": action.result},
            status=status.HTTP_202_ACCEPTED,
        )
