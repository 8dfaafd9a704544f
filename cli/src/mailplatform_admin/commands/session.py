"""ping, login and save-args: reaching the server and getting a token."""

from __future__ import annotations

import argparse
from pathlib import Path

from mailplatform_admin import __version__, connection, passwords
from mailplatform_admin.client import API
from mailplatform_admin.commands import Verbs, add
from mailplatform_admin.context import CONNECTION_FLAGS, Context
from mailplatform_admin.exits import OK


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    add(verbs, "ping", ping, common, "show the server's version and this command's (no token)")
    login_parser = add(verbs, "login", login, common, "exchange a password for a bearer token")
    login_parser.add_argument("username", metavar="ADDRESS", help="an address or web username")
    login_parser.add_argument(
        "-s", "--save", action="store_true", help="save the token (0600) for later commands"
    )
    passwords.add_arguments(login_parser)
    login_parser.add_argument(
        "--expires-in", type=int, metavar="SECONDS", help="the token stops working after this"
    )
    add(
        verbs,
        "save-args",
        save_args,
        common,
        "write the connection flags given (--url, --token-file...) to the config file",
    )


def ping(ctx: Context) -> int:
    answer = ctx.client(authenticated=False).call("GET", f"{API}/ping", authenticated=False)
    ctx.out.result(
        {
            "mailplatform_version": answer.get("version"),
            "mailplatform_admin_version": __version__,
        }
    )
    return OK


def login(ctx: Context) -> int:
    args = ctx.args
    body: dict[str, object] = {
        "username": args.username,
        "password": passwords.read(args, username=args.username, confirm=False),
        "name": "mailplatform-admin",
    }
    if args.expires_in is not None:
        body["expires_in"] = args.expires_in
    client = ctx.client(authenticated=False)
    answer = client.call("POST", f"{API}/auth/login", body=body, authenticated=False)
    principal = answer["principal"]
    summary = {
        "principal": f"{principal['type']} {principal['name']}",
        "expires_at": answer.get("expires_at") or "never",
    }
    if not args.save:
        ctx.out.result({**summary, "bearer_token": answer["token"]})
        return OK
    path = connection.token_save_path(ctx.settings, ctx.env)
    connection.write_private(path, answer["token"] + "\n")
    ctx.out.result({**summary, "saved_to": str(path)}, f"Saved the token to {path}.")
    return OK


def save_args(ctx: Context) -> int:
    values: dict[str, str] = {}
    for name in CONNECTION_FLAGS:
        value = getattr(ctx.args, name)
        if value is None:
            continue
        if name in ("token_file", "cafile"):
            # Later commands run from other directories.
            value = (ctx.cwd / Path(str(value)).expanduser()).resolve()
        values[name] = str(value).lower() if isinstance(value, bool) else str(value)
    path = connection.save(values, ctx.env)
    ctx.out.result({"config_file": str(path), **values}, f"Config file written: {path}")
    return OK
