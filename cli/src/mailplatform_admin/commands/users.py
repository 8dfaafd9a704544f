"""set-user, get-user, change-password, delete-user, list-users: pymap-admin's user verbs.

The server decides who may do what: without the admin role an account may change only its
own password; anything else is refused (or, for accounts it may not see, "not found").
"""

from __future__ import annotations

import argparse
from typing import Any

from mailplatform_admin import passwords
from mailplatform_admin.client import API, ApiError, account_path
from mailplatform_admin.commands import Verbs, add
from mailplatform_admin.context import Context
from mailplatform_admin.exits import OK, USAGE, CommandFailed
from mailplatform_admin.output import table

PAGE = 200


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    set_user = add(
        verbs,
        "set-user",
        set_user_run,
        common,
        "create an account, or overwrite an existing one's password, roles and parameters",
    )
    set_user.add_argument("address", metavar="ADDRESS")
    passwords.add_arguments(set_user, allow_none=True)
    set_user.add_argument(
        "--role", action="append", default=[], metavar="ROLE", help="grant ROLE (repeatable)"
    )
    set_user.add_argument(
        "--param", action="append", default=[], metavar="K=V", help="set a parameter"
    )
    set_user.add_argument("--scheme", help="password scheme, e.g. ARGON2ID (server default)")
    set_user.add_argument(
        "--no-overwrite", action="store_true", help="fail if the account already exists"
    )
    add(verbs, "get-user", get_user, common, "show an account").add_argument(
        "address", metavar="ADDRESS"
    )
    change = add(verbs, "change-password", change_password, common, "set a new password")
    change.add_argument("address", metavar="ADDRESS")
    passwords.add_arguments(change)
    change.add_argument("--scheme", help="password scheme, e.g. ARGON2ID (server default)")
    delete = add(verbs, "delete-user", delete_user, common, "delete an account and its mail")
    delete.add_argument("address", metavar="ADDRESS")
    listing = add(verbs, "list-users", list_users, common, "list the accounts you may see")
    listing.add_argument("--domain", help="only this domain's accounts")


def _params(items: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandFailed(f"Invalid --param {item!r}: expected KEY=VALUE.", USAGE)
        params[key] = value
    return params


def _existing(ctx: Context, address: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = ctx.client().call("GET", account_path(address))
    except ApiError as error:
        if error.status == 404 and error.is_api_error:
            return None
        raise
    return found


def set_user_run(ctx: Context) -> int:
    args = ctx.args
    params = _params(args.param)
    roles = list(dict.fromkeys(args.role))
    current = _existing(ctx, args.address)
    if current is not None and args.no_overwrite:
        raise CommandFailed(f"Account {current['address']} already exists.")
    password = None
    if not args.no_password:
        password = passwords.read(args, username=args.address, confirm=True)
    client = ctx.client()
    secret: dict[str, str] = {}
    if password is not None:
        secret = {"password": password, **({"scheme": args.scheme} if args.scheme else {})}
    if current is None:
        body = {"address": args.address, "roles": roles, "params": params, **secret}
        created = client.call("POST", f"{API}/accounts/", body=body)
        ctx.out.result(created, f"Created {created['address']}.")
        return OK
    # Only what differs: an account without the admin role may set its own password here, but
    # any request to change roles or parameters (even to their current values) is refused.
    changes: dict[str, Any] = {}
    if sorted(current.get("roles") or []) != sorted(roles):
        changes["roles"] = roles
    if (current.get("params") or {}) != params:
        changes["params"] = params
    if changes:
        client.call("PATCH", account_path(args.address), body=changes)
    if secret:
        client.call("POST", account_path(args.address, "password"), body=secret)
    updated = client.call("GET", account_path(args.address))
    ctx.out.result(updated, f"Updated {updated['address']}.")
    return OK


def get_user(ctx: Context) -> int:
    ctx.out.result(ctx.client().call("GET", account_path(ctx.args.address)))
    return OK


def change_password(ctx: Context) -> int:
    args = ctx.args
    body = {"password": passwords.read(args, username=args.address, confirm=True)}
    if args.scheme:
        body["scheme"] = args.scheme
    ctx.client().call("POST", account_path(args.address, "password"), body=body)
    ctx.out.result(
        {"address": args.address, "changed": True}, f"Changed the password of {args.address}."
    )
    return OK


def delete_user(ctx: Context) -> int:
    ctx.client().call("DELETE", account_path(ctx.args.address))
    ctx.out.result({"address": ctx.args.address, "deleted": True}, f"Deleted {ctx.args.address}.")
    return OK


def list_users(ctx: Context) -> int:
    client = ctx.client()
    accounts: list[dict[str, Any]] = []
    while True:
        query = {"domain": ctx.args.domain, "limit": str(PAGE), "offset": str(len(accounts))}
        page = client.call("GET", f"{API}/accounts/", query=query)
        accounts += page["results"]
        if not page["results"] or len(accounts) >= page["count"]:
            break
    rows = [
        (a["address"], a["is_active"], a["quota_bytes"], a["roles"], a["expires_at"])
        for a in accounts
    ]
    header = ("address", "active", "quota", "roles", "expires")
    ctx.out.result(accounts, table(rows, header))
    return OK
