"""POST /api/v1/accounts/<address>/messages: append a raw message to one of an account's
mailboxes without IMAP, like pymap-admin's `append`, through the one delivery path.

The body is the message itself (`Content-Type: message/rfc822`, or application/octet-stream).
Query parameters: `mailbox` (default INBOX; INBOX when it does not exist), `flag` (repeatable,
e.g. `\\Seen`), `date` (the internal date, ISO 8601), `sender` (adds Return-Path) and
`recipient` (adds Delivered-To). Allowed to admins of the account's domain, its owner and the
account itself; anyone else gets the same 404 as for an unknown address.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.schema import errors, path_parameter
from accounts.api.views.base import actor_of
from accounts.selectors import account_get_for_actor
from imapd.smtp import replies
from imapd.smtp.delivery import Arrival, account_deliver
from imapd.store import names
from mailplatform.errors import LimitExceeded, ValidationFailed


class RawMessageParser(BaseParser):
    """The request body, up to MAX_MESSAGE_SIZE, as `request.data["message"]` (bytes)."""

    media_type = "message/rfc822"

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> dict[str, bytes]:
        raw = bytes(stream.read(settings.MAX_MESSAGE_SIZE + 1)) if stream is not None else b""
        if len(raw) > settings.MAX_MESSAGE_SIZE:
            raise LimitExceeded(replies.TOO_BIG.text, code="TOOBIG")
        return {"message": raw}


class OctetStreamParser(RawMessageParser):
    media_type = "application/octet-stream"


AppendResultSerializer = inline_serializer(
    "AppendResult",
    {
        "mailbox": serializers.CharField(help_text="Where the message went."),
        "uidvalidity": serializers.IntegerField(),
        "uid": serializers.IntegerField(),
        "result": serializers.CharField(help_text="e.g. 2.0.0 Message delivered"),
    },
)


class MessageAppendView(APIView):
    parser_classes = [RawMessageParser, OctetStreamParser]

    @extend_schema(
        summary="Append a message to an account's mailbox",
        description=__doc__,
        parameters=[
            path_parameter("address", "The account's address, e.g. alice@example.org."),
            OpenApiParameter("mailbox", str, description="Target mailbox (default INBOX)."),
            OpenApiParameter("flag", str, many=True, description="A flag such as \\Seen."),
            OpenApiParameter("date", OpenApiTypes.DATETIME, description="Internal date."),
            OpenApiParameter("sender", str, description="Envelope sender (Return-Path)."),
            OpenApiParameter("recipient", str, description="Envelope recipient (Delivered-To)."),
        ],
        request={"message/rfc822": OpenApiTypes.BINARY},
        responses={201: AppendResultSerializer, **errors(400, 401, 403, 404, 409, 503)},
    )
    def post(self, request: Request, address: str) -> Response:
        account = account_get_for_actor(actor=actor_of(request), address=address)
        raw = request.data.get("message") if isinstance(request.data, Mapping) else None
        if not isinstance(raw, bytes) or not raw.strip(b"\r\n"):
            raise ValidationFailed(replies.EMPTY_MESSAGE.text, field="message")
        query = request.query_params
        internal_date = None
        if "date" in query:
            internal_date = parse_datetime(query["date"])
            if internal_date is None or internal_date.tzinfo is None:
                raise ValidationFailed("date must be ISO 8601 with a time zone.", field="date")
        copy = account_deliver(
            account=account,
            raw=raw,
            arrival=Arrival(sender=query.get("sender")),
            recipient=query.get("recipient"),
            mailbox=query.get("mailbox", names.INBOX),
            flags=query.getlist("flag"),
            internal_date=internal_date,
        )
        return Response(
            {
                "mailbox": copy.mailbox,
                "uidvalidity": copy.uidvalidity,
                "uid": copy.uid,
                "result": replies.DELIVERED.detail,
            },
            status=status.HTTP_201_CREATED,
        )
