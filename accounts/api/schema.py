"""OpenAPI documentation helpers: the bearer scheme and the shared error body."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The input is malformed or breaks a rule.",
    401: "No valid credentials were presented.",
    403: "The caller may see this object but not do this to it.",
    404: "The object does not exist or is not the caller's to see.",
    409: "The object already exists, or a limit would be exceeded.",
    429: "Too many failed logins from this client or for this name; see Retry-After.",
    503: "A store or dependency is unavailable; try again later.",
}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Declares `BearerTokenAuthentication` as an HTTP bearer scheme."""

    target_class = "accounts.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from POST /api/v1/auth/login: `Authorization: Bearer <token>`.",
        }


# The body of every error answer (mailplatform.api_errors). Built inline because a declared
# field named `fields` would shadow Serializer.fields for type checkers.
ErrorSerializer = inline_serializer(
    "Error",
    {
        "status_code": serializers.IntegerField(),
        "code": serializers.CharField(
            help_text="Machine-readable: invalid, not_found, conflict..."
        ),
        "reason": serializers.CharField(help_text="A sentence for people."),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Messages per field, when the error is about given fields.",
        ),
    },
)


def errors(*status_codes: int) -> dict[int, OpenApiResponse]:
    """Response entries documenting the error body for the given statuses."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in status_codes
    }


def path_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, OpenApiParameter.PATH, description=description)
