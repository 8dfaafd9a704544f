"""Platform-wide endpoints: version ping and health check."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import mailplatform
from mailplatform.health import health_checks


class PingView(APIView):
    """Answers without authentication with the platform's version (pymap-admin's `ping`)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        responses=inline_serializer(
            "Ping", {"status": serializers.CharField(), "version": serializers.CharField()}
        )
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok", "version": mailplatform.__version__})


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the Celery broker answer, else 503 naming what failed."""
    checks = health_checks()
    healthy = all(v is None for v in checks.values())
    body = {
        "status": "ok" if healthy else "error",
        "checks": {
            name: ("ok" if err is None else f"error: {err}") for name, err in checks.items()
        },
        "version": mailplatform.__version__,
    }
    return JsonResponse(body, status=200 if healthy else 503)
