"""quota ADDRESS get|set BYTES|remove: IMAP::Admin's get_quota and set_quota (RFC 9208)."""

from __future__ import annotations

import argparse
from typing import Any

from mailplatform_admin.client import account_path
from mailplatform_admin.commands import Verbs, add, group
from mailplatform_admin.context import Context
from mailplatform_admin.exits import OK


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    parser = group(verbs, "quota", common, "show or change an account's quota")
    parser.add_argument("address", metavar="ADDRESS")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    add(sub, "get", get_quota, common, "show usage and limits")
    set_parser = add(sub, "set", set_quota, common, "set the storage limit (admins only)")
    set_parser.add_argument("bytes", type=_non_negative, metavar="BYTES")
    add(sub, "remove", remove_quota, common, "remove the storage limit (admins only)")


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _limit(value: int | None, unit: str) -> str:
    return "no limit" if value is None else f"{value} {unit}"


def describe(report: dict[str, Any]) -> str:
    lines = [f"root: {report['root']}"]
    for resource in report["resources"]:
        unit = "KiB" if resource["name"] == "STORAGE" else "messages"
        lines.append(
            f"{resource['name']}: {resource['usage']} {unit} of {_limit(resource['limit'], unit)}"
        )
    lines.append(f"bytes: {report['usage_bytes']} of {_limit(report['limit_bytes'], 'bytes')}")
    return "\n".join(lines)


def get_quota(ctx: Context) -> int:
    report = ctx.client().call("GET", account_path(ctx.args.address, "quota"))
    ctx.out.result(report, describe(report))
    return OK


def set_quota(ctx: Context) -> int:
    body = {"storage_bytes": ctx.args.bytes}
    report = ctx.client().call("PUT", account_path(ctx.args.address, "quota"), body=body)
    ctx.out.result(report, describe(report))
    return OK


def remove_quota(ctx: Context) -> int:
    ctx.client().call("DELETE", account_path(ctx.args.address, "quota"))
    message = f"Removed the storage limit of {ctx.args.address}."
    ctx.out.result({"address": ctx.args.address, "limit_bytes": None}, message)
    return OK
