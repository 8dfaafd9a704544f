"""acl ADDRESS get FOLDER | set FOLDER IDENTIFIER RIGHTS | delete FOLDER IDENTIFIER (RFC 4314).

Talks to /api/v1/accounts/<address>/folders/<name>/acl: GET answers {"acl": {identifier:
rights}}, PUT takes {"identifier", "rights"}, DELETE takes ?identifier=. A server without that
endpoint answers 404 without naming a missing account or folder (code "no_such_endpoint", or
no JSON error at all): that is reported as "not supported by this server yet".
"""

from __future__ import annotations

import argparse
from typing import Any, Final

from mailplatform_admin.client import ApiError, account_path
from mailplatform_admin.commands import Verbs, add, group
from mailplatform_admin.context import Context
from mailplatform_admin.exits import OK, REFUSED, CommandFailed
from mailplatform_admin.output import table

# The codes of a 404 from an ACL endpoint that exists: the account, or the folder, is missing.
MISSING_CODES: Final = frozenset({"not_found", "NONEXISTENT"})


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    parser = group(verbs, "acl", common, "show or change a folder's access rights")
    parser.add_argument("address", metavar="ADDRESS")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    add(sub, "get", get_acl, common, "show who has which rights").add_argument("folder")
    set_parser = add(sub, "set", set_acl, common, "give IDENTIFIER these RIGHTS (e.g. lrs)")
    for name in ("folder", "identifier", "rights"):
        set_parser.add_argument(name)
    delete = add(sub, "delete", delete_acl, common, "remove IDENTIFIER's rights")
    delete.add_argument("folder")
    delete.add_argument("identifier")


def _call(ctx: Context, method: str, **kwargs: Any) -> Any:
    path = account_path(ctx.args.address, "folders", ctx.args.folder, "acl")
    try:
        return ctx.client().call(method, path, **kwargs)
    except ApiError as error:
        if error.status == 404 and not (error.is_api_error and error.code in MISSING_CODES):
            raise CommandFailed("ACLs are not supported by this server yet.", REFUSED) from None
        raise


def get_acl(ctx: Context) -> int:
    answer = _call(ctx, "GET")
    rows = sorted(answer["acl"].items())
    ctx.out.result(answer, table(rows, ("identifier", "rights")))
    return OK


def set_acl(ctx: Context) -> int:
    args = ctx.args
    _call(ctx, "PUT", body={"identifier": args.identifier, "rights": args.rights})
    ctx.out.result(
        {"folder": args.folder, "identifier": args.identifier, "rights": args.rights},
        f"Gave {args.identifier} the rights {args.rights} on {args.folder}.",
    )
    return OK


def delete_acl(ctx: Context) -> int:
    args = ctx.args
    _call(ctx, "DELETE", query={"identifier": args.identifier})
    ctx.out.result(
        {"folder": args.folder, "identifier": args.identifier, "rights": ""},
        f"Removed the rights of {args.identifier} on {args.folder}.",
    )
    return OK
