"""What the API reads and writes. Serializers only parse and render: every rule (rights,
uniqueness, limits, which roles exist, quota sanity) lives in accounts.services.

Output serializers are read-only views of the models; input serializers describe request bodies
and hand plain values to the views, which call the services. The numeric bounds below are the
column types (so that a huge number is a 400 and not a database error), not business rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from django.conf import settings
from rest_framework import serializers

from accounts.addresses import split_address
from accounts.api.lookups import split_alias_address
from accounts.models import Account, Alias, Domain, User

MAX_INT: Final = 2**31 - 1  # PositiveIntegerField
MAX_BIGINT: Final = 2**63 - 1  # PositiveBigIntegerField


def _count(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_INT, allow_null=True, **kwargs)


def _bytes(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_BIGINT, allow_null=True, **kwargs)


def _secret(**kwargs: Any) -> serializers.CharField:
    # Spaces are part of a password: never trim them.
    return serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}, **kwargs
    )


def _scheme() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=list(settings.PASSWORD_SCHEMES),
        required=False,
        allow_null=True,
        help_text="Password scheme; the platform default when absent.",
    )


def _split_address_form(
    attrs: dict[str, Any], split: Callable[[str], tuple[str, str]]
) -> dict[str, Any]:
    """Accept `address`, or `local_part` + `domain`; leave `local_part` and `domain` in attrs."""
    has_address = "address" in attrs
    has_local, has_domain = "local_part" in attrs, "domain" in attrs
    if has_address == (has_local or has_domain) or has_local != has_domain:
        raise serializers.ValidationError(
            {"address": ["Give either address, or local_part and domain."]}
        )
    if has_address:
        attrs["local_part"], attrs["domain"] = split(attrs.pop("address"))
    return attrs


# --- domains --------------------------------------------------------------------------------


class DomainSerializer(serializers.ModelSerializer[Domain]):
    class Meta:
        model = Domain
        fields = [
            "name",
            "is_active",
            "max_accounts",
            "max_aliases",
            "default_quota_bytes",
            "registration_open",
            "created_at",
        ]
        read_only_fields = fields


class DomainUpdateSerializer(serializers.Serializer[Any]):
    """PUT needs every field; PATCH any of them. A domain's name never changes."""

    is_active = serializers.BooleanField()
    max_accounts = _count(help_text="Maximum number of accounts; null for no limit.")
    max_aliases = _count(help_text="Maximum number of aliases; null for no limit.")
    default_quota_bytes = _bytes(
        help_text="Quota for new accounts; null for the platform default, 0 for none."
    )
    registration_open = serializers.BooleanField()


class DomainCreateSerializer(DomainUpdateSerializer):
    name = serializers.CharField(max_length=253)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field_name, field in self.fields.items():
            field.required = field_name == "name"


# --- accounts -------------------------------------------------------------------------------


class AccountSerializer(serializers.ModelSerializer[Account]):
    address = serializers.CharField(read_only=True)
    domain: serializers.SlugRelatedField[Domain] = serializers.SlugRelatedField(
        slug_field="name", read_only=True
    )
    owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Web username of the owner."
    )
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    params = serializers.DictField(child=serializers.CharField(), read_only=True)
    has_password = serializers.SerializerMethodField(
        help_text="False when the account cannot log in until a password is set."
    )

    class Meta:
        model = Account
        fields = [
            "address",
            "local_part",
            "domain",
            "is_active",
            "has_password",
            "quota_bytes",
            "quota_messages",
            "expires_at",
            "deletion_pending_since",
            "roles",
            "params",
            "owner",
            "created_via",
            "created_at",
            "updated_at",
            "last_login_at",
        ]
        read_only_fields = fields

    def get_has_password(self, account: Account) -> bool:
        return bool(account.password)


class AccountUpdateSerializer(serializers.Serializer[Any]):
    """PUT needs every field; PATCH any of them."""

    is_active = serializers.BooleanField()
    quota_bytes = _bytes(help_text="Storage limit in bytes; null for no limit.")
    quota_messages = serializers.IntegerField(
        min_value=0,
        max_value=2**31 - 1,
        allow_null=True,
        required=False,
        help_text="Limit on the number of messages; null for no limit.",
    )
    expires_at = serializers.DateTimeField(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField(), help_text='e.g. ["admin"]')
    params = serializers.DictField(child=serializers.CharField())
    owner = serializers.CharField(
        allow_null=True, help_text="Web username of the owner; null for none."
    )


class AccountCreateSerializer(AccountUpdateSerializer):
    address = serializers.CharField(required=False, help_text="local@domain")
    local_part = serializers.CharField(required=False, help_text="With domain, instead of address.")
    domain = serializers.CharField(required=False, help_text="With local_part.")
    password = _secret(
        required=False, allow_null=True, help_text="Absent or null: the account cannot log in yet."
    )
    scheme = _scheme()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _split_address_form(attrs, split_address)


class PasswordSerializer(serializers.Serializer[Any]):
    password = _secret()
    scheme = _scheme()
    # Encryption at rest (imapd.crypto).
    old_password = _secret(
        required=False,
        help_text="The current password: an encrypted account's keys are re-wrapped for the "
        "new one in the same transaction (recorded as a done rekey action).",
    )
    discard_encrypted_mail = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Without old_password, an encrypted account whose keys no recovery key "
        "opens is refused (409, code encrypted_mail): true confirms that its existing mail "
        "becomes unreadable and new keys are made.",
    )


# --- aliases --------------------------------------------------------------------------------


class AliasSerializer(serializers.ModelSerializer[Alias]):
    address = serializers.CharField(read_only=True, help_text="`@domain` for a catch-all.")
    domain: serializers.SlugRelatedField[Domain] = serializers.SlugRelatedField(
        slug_field="name", read_only=True
    )
    is_catch_all = serializers.SerializerMethodField()
    targets = serializers.SerializerMethodField()

    class Meta:
        model = Alias
        fields = [
            "address",
            "local_part",
            "domain",
            "is_catch_all",
            "is_active",
            "targets",
            "created_at",
        ]
        read_only_fields = fields

    def get_is_catch_all(self, alias: Alias) -> bool:
        return not alias.local_part

    def get_targets(self, alias: Alias) -> list[str]:
        return sorted(str(target) for target in alias.targets.all())


class AliasUpdateSerializer(serializers.Serializer[Any]):
    """PUT needs every field; PATCH any of them."""

    targets = serializers.ListField(
        child=serializers.CharField(),
        allow_empty=True,
        help_text="Addresses to deliver to: local accounts or external addresses.",
    )
    is_active = serializers.BooleanField()


class AliasCreateSerializer(AliasUpdateSerializer):
    address = serializers.CharField(
        required=False, help_text="local@domain, or @domain for the catch-all."
    )
    local_part = serializers.CharField(
        required=False, allow_blank=True, help_text="Empty for the catch-all; with domain."
    )
    domain = serializers.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["is_active"].required = False

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _split_address_form(attrs, split_alias_address)


# --- authentication -------------------------------------------------------------------------


class PrincipalSerializer(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=["account", "user"])
    name = serializers.CharField(help_text="The account's address or the web username.")


class LoginSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(help_text="An account address or a web username.")
    password = _secret()
    expires_in = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_INT, help_text="Token lifetime in seconds."
    )
    expires_at = serializers.DateTimeField(required=False, help_text="When the token expires.")
    name = serializers.CharField(
        required=False, max_length=100, default="", help_text="A label to tell tokens apart."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "expires_in" in attrs and "expires_at" in attrs:
            raise serializers.ValidationError(
                {"expires_at": ["Give expires_in or expires_at, not both."]}
            )
        return attrs


class LoginResponseSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(help_text="Shown only this once: keep it.")
    expires_at = serializers.DateTimeField(allow_null=True)
    principal = PrincipalSerializer()


class TokenInfoSerializer(serializers.Serializer[Any]):
    prefix = serializers.CharField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class WhoamiSerializer(serializers.Serializer[Any]):
    principal = PrincipalSerializer()
    is_superadmin = serializers.BooleanField()
    managed_domains = serializers.ListField(child=serializers.CharField())
    token = TokenInfoSerializer(
        allow_null=True, help_text="The bearer token in use; null with a session."
    )
