"""folders ADDRESS list|create|delete|rename|subscribe|unsubscribe: IMAP::Admin's folder verbs.

Folder names are full paths with / as the separator (Archive/2024). A folder's URL gets a
trailing slash, so that a last level named like a sub-resource (acl, rename) is still a folder.
"""

from __future__ import annotations

import argparse
from typing import Any

from mailplatform_admin.client import account_path
from mailplatform_admin.commands import Verbs, add, group
from mailplatform_admin.context import Context
from mailplatform_admin.exits import OK
from mailplatform_admin.output import table


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    parser = group(verbs, "folders", common, "manage an account's folders")
    parser.add_argument("address", metavar="ADDRESS")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    add(sub, "list", list_folders, common, "list the folders with their counters")
    create = add(sub, "create", create_folder, common, "create a folder (and missing parents)")
    create.add_argument("name")
    create.add_argument("--special-use", help="an RFC 6154 attribute, e.g. \\Sent")
    delete = add(sub, "delete", delete_folder, common, "delete a folder")
    delete.add_argument("name")
    delete.add_argument(
        "-r", "--recursive", action="store_true", help="delete its subfolders too, innermost first"
    )
    rename = add(sub, "rename", rename_folder, common, "rename a folder; subfolders follow")
    rename.add_argument("name")
    rename.add_argument("new_name")
    add(sub, "subscribe", subscribe, common, "subscribe to a name").add_argument("name")
    add(sub, "unsubscribe", unsubscribe, common, "unsubscribe from a name").add_argument("name")


def folder_path(address: str, name: str, *rest: str) -> str:
    path = account_path(address, "folders", name, *rest)
    return path if rest else path + "/"


def list_folders(ctx: Context) -> int:
    answer: dict[str, Any] = ctx.client().call("GET", account_path(ctx.args.address, "folders", ""))
    rows = [
        (f["name"], f["messages"], f["unseen"], f["size"], " ".join(f["attributes"]))
        for f in answer["folders"]
    ]
    ctx.out.result(answer, table(rows, ("name", "messages", "unseen", "size", "attributes")))
    return OK


def create_folder(ctx: Context) -> int:
    body = {"name": ctx.args.name}
    if ctx.args.special_use:
        body["special_use"] = ctx.args.special_use
    created = ctx.client().call("POST", account_path(ctx.args.address, "folders", ""), body=body)
    ctx.out.result(created, f"Created {created['name']}.")
    return OK


def delete_folder(ctx: Context) -> int:
    query = {"recursive": "true"} if ctx.args.recursive else None
    answer = ctx.client().call("DELETE", folder_path(ctx.args.address, ctx.args.name), query=query)
    ctx.out.result(answer, f"Deleted {', '.join(answer['deleted'])}.")
    return OK


def rename_folder(ctx: Context) -> int:
    args = ctx.args
    renamed = ctx.client().call(
        "POST", folder_path(args.address, args.name, "rename"), body={"new_name": args.new_name}
    )
    ctx.out.result(renamed, f"Renamed {args.name} to {renamed['name']}.")
    return OK


def subscribe(ctx: Context) -> int:
    ctx.client().call("PUT", folder_path(ctx.args.address, ctx.args.name, "subscription"))
    ctx.out.result({"name": ctx.args.name, "subscribed": True}, f"Subscribed {ctx.args.name}.")
    return OK


def unsubscribe(ctx: Context) -> int:
    ctx.client().call("DELETE", folder_path(ctx.args.address, ctx.args.name, "subscription"))
    ctx.out.result({"name": ctx.args.name, "subscribed": False}, f"Unsubscribed {ctx.args.name}.")
    return OK
