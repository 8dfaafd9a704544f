"""The platform's URLs plus a stand-in ACL endpoint with the contract `mailplatform-admin acl`
is written against (the real one comes with RFC 4314 support)."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, include, path
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mailplatform.errors import NotFound

# What the stand-in received, for the tests to check.
received: list[tuple[str, str, Any]] = []


class StandInAclView(APIView):
    def get(self, request: Request, address: str, name: str) -> Response:
        if name == "Missing":
            raise NotFound(f"No mailbox {name}.", code="NONEXISTENT")
        received.append(("GET", name, None))
        return Response({"acl": {address: "lrswipkxtecda", "bob@example.org": "lrs"}})

    def put(self, request: Request, address: str, name: str) -> Response:
        received.append(("PUT", name, request.data))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def delete(self, request: Request, address: str, name: str) -> Response:
        received.append(("DELETE", name, request.query_params.get("identifier")))
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/accounts/<str:address>/folders/<path:name>/acl", StandInAclView.as_view()),
    path("", include("mailplatform.urls")),
]
