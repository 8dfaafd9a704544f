"""What the moderation API reads and writes; the rules stay in moderation.services."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import Domain, User
from moderation.models import (
    ActionKind,
    ActionState,
    PendingAction,
    Registration,
    RegistrationState,
)
from moderation.services.pending_actions import CANCELLABLE_STATES


class RegistrationSerializer(serializers.ModelSerializer[Registration]):
    domains: serializers.SlugRelatedField[Domain] = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True
    )
    decided_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    user: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="The web login created on approval."
    )

    class Meta:
        model = Registration
        fields = [
            "id",
            "username",
            "contact_email",
            "reason",
            "domains",
            "language",
            "state",
            "created_at",
            "confirm_before",
            "confirmed_at",
            "decided_at",
            "decided_by",
            "decision_reason",
            "user",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Sent to the registrant; required to deny.",
    )


class PendingActionSerializer(serializers.ModelSerializer[PendingAction]):
    requested_by = serializers.CharField(source="requested_by_name", read_only=True)
    cancellable = serializers.SerializerMethodField()

    class Meta:
        model = PendingAction
        fields = [
            "id",
            "kind",
            "state",
            "address",
            "requested_by",
            "created_at",
            "due_at",
            "started_at",
            "finished_at",
            "attempts",
            "result",
            "cancellable",
        ]
        read_only_fields = fields

    def get_cancellable(self, action: PendingAction) -> bool:
        return action.state in CANCELLABLE_STATES


class PendingActionCreateSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(
        choices=[ActionKind.DELETION.value],
        help_text="Only deletions are asked for; rekeys follow password changes.",
    )
    account = serializers.CharField(max_length=320, help_text="The mailbox's address.")


REGISTRATION_STATES = [state.value for state in RegistrationState]
ACTION_STATES = [state.value for state in ActionState]
ACTION_KINDS = [kind.value for kind in ActionKind]
