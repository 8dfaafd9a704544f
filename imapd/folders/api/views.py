"""/api/v1/accounts/<address>/folders/... and /quota: IMAP::Admin's folder and quota verbs.

Whoever may see an account (its domain's admins, superadmins and accounts with the admin role,
its owner, the account itself) may manage its folders and read its quota; only admins may
change the quota limit. An account the caller may not see is the same 404 as an unknown one.

Folder names are full paths with `/` as the separator, percent-encoded in URLs
(`folders/Archive%2F2024` or `folders/Archive/2024`). A trailing slash on a folder's URL is
ignored; it is how a folder whose last level is itself named like a sub-resource (`rename`,
`subscription`, `acl`) is reached: `folders/Projects/acl/`.
"""

from __future__ import annotations

from typing import Final

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services as account_services
from accounts.api.schema import errors, path_parameter
from accounts.api.views.base import actor_of, parse, query_flag
from accounts.models import Account
from accounts.selectors import account_get_for_actor
from imapd.folders import selectors
from imapd.folders.api.serializers import (
    AclSerializer,
    AclSetSerializer,
    FolderCreateSerializer,
    FolderDeleteResultSerializer,
    FolderListSerializer,
    FolderRenameSerializer,
    FolderSerializer,
    QuotaSerializer,
    QuotaSetSerializer,
)
from imapd.folders.services import folder_delete
from imapd.store import acl
from imapd.store import services as store
from imapd.store.selectors import mailbox_get_for_account
from imapd.store.services import acl as acl_services
from mailplatform.errors import NotFound, ValidationFailed

# Last path levels that name a sub-resource of a folder rather than a subfolder. A sub-resource
# without a route here answers 404 with code "no_such_endpoint" (what mailplatform-admin
# reports as "not supported yet").
SUB_RESOURCES: Final = frozenset({"rename", "subscription", "acl"})
NO_SUCH_ENDPOINT: Final = "no_such_endpoint"

ADDRESS = path_parameter("address", "The account's address, e.g. alice@example.org.")
FOLDER = path_parameter("name", "The folder's full path, percent-encoded, e.g. Archive%2F2024.")
RECURSIVE = OpenApiParameter(
    "recursive",
    OpenApiTypes.BOOL,
    description="Delete the folder's subfolders too, innermost first.",
)


class AccountScopedView(APIView):
    parser_classes = [JSONParser]

    def account(self, request: Request, address: str) -> Account:
        return account_get_for_actor(actor=actor_of(request), address=address)


class FolderListView(AccountScopedView):
    @extend_schema(
        operation_id="accounts_folders_list",
        summary="List an account's folders",
        description="Every folder, \\Noselect placeholders included, with its counters.",
        parameters=[ADDRESS],
        responses={200: FolderListSerializer, **errors(401, 404)},
    )
    def get(self, request: Request, address: str) -> Response:
        account = self.account(request, address)
        body = {"address": account.address, "folders": selectors.folders_list(account=account)}
        return Response(FolderListSerializer(body).data)

    @extend_schema(
        operation_id="accounts_folders_create",
        summary="Create a folder",
        parameters=[ADDRESS],
        request=FolderCreateSerializer,
        responses={201: FolderSerializer, **errors(400, 401, 404, 409)},
    )
    def post(self, request: Request, address: str) -> Response:
        account = self.account(request, address)
        values = parse(FolderCreateSerializer, request)
        mailbox = store.mailbox_create(
            account=account, name=values["name"], special_use=values.get("special_use")
        )
        folder = selectors.folder_get(account=account, name=mailbox.name)
        return Response(FolderSerializer(folder).data, status=status.HTTP_201_CREATED)


def _folder_name(name: str) -> str:
    """The folder a folder URL names: one trailing slash is dropped; a last level that names a
    sub-resource this server has no route for is not a folder."""
    if name.endswith("/"):
        return name[:-1]
    parent, sep, last = name.rpartition("/")
    if sep and parent and last in SUB_RESOURCES:
        raise NotFound(f"No endpoint {last} for folders here.", code=NO_SUCH_ENDPOINT)
    return name


class FolderView(AccountScopedView):
    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        # Before the method is looked at: PUT on `<name>/acl` must be a 404, not a 405.
        _folder_name(str(kwargs["name"]))

    @extend_schema(
        operation_id="accounts_folders_retrieve",
        summary="Get one folder",
        parameters=[ADDRESS, FOLDER],
        responses={200: FolderSerializer, **errors(401, 404)},
    )
    def get(self, request: Request, address: str, name: str) -> Response:
        folder_name = _folder_name(name)
        folder = selectors.folder_get(account=self.account(request, address), name=folder_name)
        return Response(FolderSerializer(folder).data)

    @extend_schema(
        operation_id="accounts_folders_destroy",
        summary="Delete a folder",
        description=(
            "IMAP DELETE: a folder with subfolders loses its messages and stays as a \\Noselect "
            "placeholder, unless ?recursive=true deletes the whole subtree. INBOX cannot be "
            "deleted. Subscriptions are kept."
        ),
        parameters=[ADDRESS, FOLDER, RECURSIVE],
        responses={200: FolderDeleteResultSerializer, **errors(400, 401, 404)},
    )
    def delete(self, request: Request, address: str, name: str) -> Response:
        folder_name = _folder_name(name)
        recursive = query_flag(request, "recursive")
        deleted = folder_delete(
            account=self.account(request, address), name=folder_name, recursive=recursive
        )
        return Response(FolderDeleteResultSerializer({"deleted": deleted}).data)


class FolderRenameView(AccountScopedView):
    @extend_schema(
        operation_id="accounts_folders_rename",
        summary="Rename a folder",
        description="Subfolders follow; renaming INBOX moves its messages to the new folder.",
        parameters=[ADDRESS, FOLDER],
        request=FolderRenameSerializer,
        responses={200: FolderSerializer, **errors(400, 401, 404, 409)},
    )
    def post(self, request: Request, address: str, name: str) -> Response:
        account = self.account(request, address)
        values = parse(FolderRenameSerializer, request)
        mailbox = mailbox_get_for_account(account=account, name=name)
        renamed = store.mailbox_rename(mailbox=mailbox, new_name=values["new_name"])
        folder = selectors.folder_get(account=account, name=renamed.name)
        return Response(FolderSerializer(folder).data)


class FolderSubscriptionView(AccountScopedView):
    @extend_schema(
        operation_id="accounts_folders_subscribe",
        summary="Subscribe to a folder",
        description="The name need not exist (RFC 3501 SUBSCRIBE).",
        parameters=[ADDRESS, FOLDER],
        request=None,
        responses={204: None, **errors(400, 401, 404)},
    )
    def put(self, request: Request, address: str, name: str) -> Response:
        store.mailbox_subscribe(account=self.account(request, address), name=name)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="accounts_folders_unsubscribe",
        summary="Unsubscribe from a folder",
        description="Succeeds whether or not the name was subscribed.",
        parameters=[ADDRESS, FOLDER],
        responses={204: None, **errors(400, 401, 404)},
    )
    def delete(self, request: Request, address: str, name: str) -> Response:
        store.mailbox_unsubscribe(account=self.account(request, address), name=name)
        return Response(status=status.HTTP_204_NO_CONTENT)


IDENTIFIER = OpenApiParameter(
    "identifier", OpenApiTypes.STR, required=True, description="Whose rights to remove."
)


class FolderAclView(AccountScopedView):
    """RFC 4314 access control lists of one folder, through the same store services as the
    IMAP SETACL / DELETEACL / GETACL commands."""

    @extend_schema(
        operation_id="accounts_folders_acl_retrieve",
        summary="Get a folder's access control list",
        parameters=[ADDRESS, FOLDER],
        responses={200: AclSerializer, **errors(401, 404)},
    )
    def get(self, request: Request, address: str, name: str) -> Response:
        account = self.account(request, address)
        mailbox = mailbox_get_for_account(account=account, name=name)
        entries = acl.acl_entries(mailbox=mailbox, owner_address=account.address)
        return Response(AclSerializer({"acl": dict(entries)}).data)

    @extend_schema(
        operation_id="accounts_folders_acl_update",
        summary="Give an identifier rights on a folder",
        parameters=[ADDRESS, FOLDER],
        request=AclSetSerializer,
        responses={204: None, **errors(400, 401, 404)},
    )
    def put(self, request: Request, address: str, name: str) -> Response:
        mailbox = mailbox_get_for_account(account=self.account(request, address), name=name)
        values = parse(AclSetSerializer, request)
        acl_services.acl_set(
            mailbox=mailbox, identifier=values["identifier"], rights=values["rights"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="accounts_folders_acl_destroy",
        summary="Remove an identifier's rights on a folder",
        parameters=[ADDRESS, FOLDER, IDENTIFIER],
        responses={204: None, **errors(400, 401, 404)},
    )
    def delete(self, request: Request, address: str, name: str) -> Response:
        mailbox = mailbox_get_for_account(account=self.account(request, address), name=name)
        identifier = request.query_params.get("identifier", "")
        if not identifier:
            raise ValidationFailed("Give ?identifier=.", field="identifier")
        acl_services.acl_delete(mailbox=mailbox, identifier=identifier)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QuotaView(AccountScopedView):
    """RFC 9208's one quota root per account; only admins may change the limit."""

    @extend_schema(
        operation_id="accounts_quota_retrieve",
        summary="Get an account's quota",
        parameters=[ADDRESS],
        responses={200: QuotaSerializer, **errors(401, 404)},
    )
    def get(self, request: Request, address: str) -> Response:
        report = selectors.quota_report(account=self.account(request, address))
        return Response(QuotaSerializer(report).data)

    @extend_schema(
        operation_id="accounts_quota_update",
        summary="Set an account's storage limit",
        parameters=[ADDRESS],
        request=QuotaSetSerializer,
        responses={200: QuotaSerializer, **errors(400, 401, 403, 404)},
    )
    def put(self, request: Request, address: str) -> Response:
        account = self.account(request, address)
        values = parse(QuotaSetSerializer, request)
        limit = (
            values["storage_bytes"] if "storage_bytes" in values else values["storage_kib"] * 1024
        )
        account_services.account_update(
            account=account, acting_user=actor_of(request), quota_bytes=limit
        )
        return Response(QuotaSerializer(selectors.quota_report(account=account)).data)

    @extend_schema(
        operation_id="accounts_quota_destroy",
        summary="Remove an account's storage limit",
        parameters=[ADDRESS],
        responses={204: None, **errors(401, 403, 404)},
    )
    def delete(self, request: Request, address: str) -> Response:
        account = self.account(request, address)
        account_services.account_update(
            account=account, acting_user=actor_of(request), quota_bytes=None
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
