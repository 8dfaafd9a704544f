"""What every API view shares: who is acting, parsing bodies, scoped lookups."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, TypeVar

from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotAuthenticated
from rest_framework.parsers import JSONParser
from rest_framework.request import Request

from accounts.addresses import normalize_domain
from accounts.models import User
from accounts.passwords import UnknownScheme
from accounts.principals import AccountPrincipal
from mailplatform.errors import NotFound, ValidationFailed

M = TypeVar("M", bound=Model)
Row = TypeVar("Row")


def actor_of(request: Request) -> User | AccountPrincipal:
    """The authenticated caller. Never None: None means "the system" to the services."""
    user = request.user
    if isinstance(user, User | AccountPrincipal) and user.is_authenticated:
        return user
    raise NotAuthenticated()


def parse(
    serializer_class: type[serializers.Serializer[Any]], request: Request, *, partial: bool = False
) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def changed(current: object, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values that differ from the object's.

    A PUT repeats every field; passing unchanged ones on would make the services demand the
    rights needed to change them (a domain admin re-sending a domain's limits).
    """
    return {name: value for name, value in values.items() if getattr(current, name) != value}


@contextmanager
def scheme_errors() -> Iterator[None]:
    """A password scheme the platform cannot produce is a bad request, not a crash."""
    try:
        yield
    except UnknownScheme as exc:
        raise ValidationFailed(f"Unsupported password scheme: {exc}.", field="scheme") from None


class ScopedViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[M], Generic[M]
):
    """Reads come from the caller's visible scope only, never from a per-object check.

    Subclasses give the model, the scope and how the URL's key becomes filters; a key that
    cannot name any object is the same 404 as an object that is not the caller's.
    """

    parser_classes = [JSONParser]
    model: ClassVar[type[Model]]
    noun: ClassVar[str]
    # Whether the list takes ?domain= (objects that belong to a domain).
    filters_by_domain: ClassVar[bool] = False

    def scope(self, actor: User | AccountPrincipal) -> QuerySet[M]:
        raise NotImplementedError

    def key_filters(self, key: str) -> dict[str, str]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[M]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no caller
            return self.model._default_manager.none()  # type: ignore[return-value]
        return self.scope(actor_of(self.request))

    def filter_queryset(self, queryset: QuerySet[M, Row]) -> QuerySet[M, Row]:
        return filter_by_domain(self.request, queryset) if self.filters_by_domain else queryset

    def get_object(self) -> M:
        key = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        try:
            filters = self.key_filters(key)
        except ValidationFailed:
            filters = None
        found = self.get_queryset().filter(**filters).first() if filters is not None else None
        if found is None:
            raise NotFound(f"No {self.noun} {key}.")
        return found

    @property
    def actor(self) -> User | AccountPrincipal:
        return actor_of(self.request)


def query_flag(request: Request, name: str) -> bool:
    """A true/false query parameter; absent is false."""
    raw = request.query_params.get(name, "false")
    try:
        return bool(serializers.BooleanField().to_internal_value(raw))
    except serializers.ValidationError:
        raise ValidationFailed(f"{name} must be true or false.", field=name) from None


DOMAIN_FILTER = OpenApiParameter(
    "domain", str, description="Only those of this domain, e.g. example.org."
)


def filter_by_domain(request: Request, queryset: QuerySet[M, Row]) -> QuerySet[M, Row]:
    """Apply the ?domain= filter of the account and alias lists."""
    name = request.query_params.get("domain")
    if name is None:
        return queryset
    return queryset.filter(domain__name=normalize_domain(name, field="domain"))
