"""What the token API reads and writes; every rule lives in provisioning.services."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from provisioning.models import Token, TokenAccount
from provisioning.tokens import token_url

MAX_INT = 2**31 - 1  # PositiveIntegerField


class TokenSerializer(serializers.ModelSerializer[Token]):
    domain = serializers.CharField(source="domain.name", read_only=True)
    use_limit = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    dcaccount = serializers.SerializerMethodField()

    class Meta:
        model = Token
        fields = [
            "name",
            "domain",
            "prefix",
            "expiry",
            "maxuse",
            "usecount",
            "use_limit",
            "is_active",
            "single_use",
            "fixed_local_part",
            "valid_until",
            "secret",
            "url",
            "dcaccount",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_url(self, token: Token) -> str:
        return token_url(token)

    def get_dcaccount(self, token: Token) -> str:
        return f"DCACCOUNT:{token_url(token)}"


def _secret_field() -> serializers.CharField:
    return serializers.CharField(
        required=False, help_text="At least 22 URL-safe characters; drawn when absent."
    )


class TokenUpdateSerializer(serializers.Serializer[Any]):
    expiry = serializers.CharField(required=False, help_text="30m, 1h, 1d, 1w, 30d, 1y or never.")
    maxuse = serializers.IntegerField(required=False, min_value=1, max_value=MAX_INT)
    prefix = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    single_use = serializers.BooleanField(required=False)
    fixed_local_part = serializers.CharField(required=False, allow_blank=True)
    valid_until = serializers.DateTimeField(required=False, allow_null=True)
    secret = _secret_field()


class TokenCreateSerializer(TokenUpdateSerializer):
    name = serializers.CharField()
    domain = serializers.CharField()


class TokenAccountSerializer(serializers.ModelSerializer[TokenAccount]):
    address = serializers.CharField(source="account.address", read_only=True)
    expires_at = serializers.DateTimeField(source="account.expires_at", read_only=True)
    last_login_at = serializers.DateTimeField(source="account.last_login_at", read_only=True)
    token = serializers.CharField(source="token.name", read_only=True, allow_null=True)

    class Meta:
        model = TokenAccount
        fields = ["address", "token", "created_at", "expires_at", "last_login_at", "warned_at"]
        read_only_fields = fields
