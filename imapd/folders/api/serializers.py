"""Request and response bodies of the folder and quota endpoints. They parse and render only:
the rules (names, special-use, who may change a limit) live in the services."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.api.serializers import MAX_BIGINT
from imapd.models import SpecialUse


class FolderSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(help_text="Full path with / as the separator, e.g. Archive/2024.")
    mailbox_id = serializers.CharField(help_text="RFC 8474 MAILBOXID; kept across renames.")
    special_use = serializers.CharField(
        allow_null=True, help_text="RFC 6154 attribute such as \\Sent; null for none."
    )
    attributes = serializers.ListField(
        child=serializers.CharField(),
        help_text="As IMAP LIST shows them: \\Noselect, \\HasChildren, \\Subscribed...",
    )
    selectable = serializers.BooleanField(
        help_text="False for a \\Noselect placeholder kept for its subfolders."
    )
    has_children = serializers.BooleanField()
    subscribed = serializers.BooleanField()
    messages = serializers.IntegerField()
    unseen = serializers.IntegerField()
    size = serializers.IntegerField(help_text="Octets, the sum of the messages' RFC822.SIZE.")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["special_use"] = data["special_use"] or None
        return data


class FolderListSerializer(serializers.Serializer[Any]):
    address = serializers.CharField()
    folders = FolderSerializer(many=True)


class FolderCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(
        trim_whitespace=False, help_text="Full path; missing parent folders are created too."
    )
    special_use = serializers.ChoiceField(
        choices=SpecialUse.values, required=False, allow_null=True, help_text="RFC 6154."
    )


class FolderRenameSerializer(serializers.Serializer[Any]):
    new_name = serializers.CharField(
        trim_whitespace=False, help_text="Subfolders follow; missing parents are created."
    )


class FolderDeleteResultSerializer(serializers.Serializer[Any]):
    deleted = serializers.ListField(
        child=serializers.CharField(), help_text="The names deleted, innermost first."
    )


class QuotaResourceSerializer(serializers.Serializer[Any]):
    name = serializers.ChoiceField(choices=["STORAGE", "MESSAGE"])
    usage = serializers.IntegerField(help_text="STORAGE in units of 1024 octets (RFC 9208).")
    limit = serializers.IntegerField(allow_null=True, help_text="null: no limit.")


class QuotaSerializer(serializers.Serializer[Any]):
    # The metaclass moves declared fields off the class, so Field.root stays intact; the stubs
    # cannot know that.
    root = serializers.CharField(  # type: ignore[assignment]
        help_text="The account's quota root, user/<address>."
    )
    resources = QuotaResourceSerializer(many=True)
    usage_bytes = serializers.IntegerField(help_text="Exact storage used, in octets.")
    limit_bytes = serializers.IntegerField(allow_null=True, help_text="null: no limit.")


class QuotaSetSerializer(serializers.Serializer[Any]):
    storage_kib = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_BIGINT // 1024, help_text="Units of 1024."
    )
    storage_bytes = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_BIGINT, help_text="Octets."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("storage_kib" in attrs) == ("storage_bytes" in attrs):
            raise serializers.ValidationError(
                {"storage_bytes": ["Give storage_kib or storage_bytes (exactly one)."]}
            )
        return attrs


class AclSerializer(serializers.Serializer[Any]):
    acl = serializers.DictField(
        child=serializers.CharField(),
        help_text="Identifier (address, `anyone`, `-` for negative rights) -> RFC 4314 rights; "
        "the owner's implicit entry included.",
    )


class AclSetSerializer(serializers.Serializer[Any]):
    identifier = serializers.CharField(max_length=321)
    rights = serializers.CharField(
        max_length=32,
        allow_blank=True,
        help_text="RFC 4314 rights (c and d accepted); a leading + adds, - removes.",
    )
