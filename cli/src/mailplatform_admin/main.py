"""The command line: global connection flags, one sub-command per verb, exit statuses.

Exit status: 0 done, 1 refused (by the server or this command), 2 bad arguments, 75 try
again later (no answer, timeout, server error); `append` uses sysexits.h for an MTA.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from mailplatform_admin import __version__, connection
from mailplatform_admin.client import ApiError, Unreachable
from mailplatform_admin.commands import acl, append, folders, quota, session, users
from mailplatform_admin.context import Context
from mailplatform_admin.exits import REFUSED, TEMPFAIL, CommandFailed
from mailplatform_admin.output import Output

EPILOG = f"""\
Connection settings: flag, else environment variable, else `save-args` config file
({connection.config_file({"HOME": "~"})}, under $XDG_CONFIG_HOME when set), else default.

Token, first found: --token-file; ${connection.ENV_TOKEN}; ${connection.ENV_TOKEN_FILE};
the config file's token_file; the token saved by `login -s`; and, for a loopback --url only,
the operator's admin token in $MAILPLATFORM_DATA_DIR, $DATA_DIR or ./var (admin-token).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailplatform-admin",
        description="Administer a running mail platform over its REST API.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-V", "--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--url",
        help=f"the platform's base URL (${connection.ENV_URL}; default {connection.DEFAULT_URL})",
    )
    group.add_argument(
        "--token-file",
        metavar="FILE",
        help=f"the bearer token's file (${connection.ENV_TOKEN_FILE}); login -s saves there",
    )
    group.add_argument(
        "--cafile", metavar="FILE", help=f"trust these CA certificates (${connection.ENV_CAFILE})"
    )
    group.add_argument(
        "--verify-cert",
        action=argparse.BooleanOptionalAction,
        help=f"check the server's TLS certificate (default; ${connection.ENV_VERIFY_CERT})",
    )
    group.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help=f"give up waiting after this long (${connection.ENV_TIMEOUT}; default 60)",
    )
    # --json is also accepted after the verb; SUPPRESS keeps an absent one from resetting it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    verbs = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (session, users, folders, quota, acl, append):
        module.register(verbs, common)
    return parser


def _api_failure(ctx: Context, error: ApiError) -> int:
    message = f"{ctx.args.command} failed: {error.reason}"
    if error.status == 401 and ctx.token is not None:
        message += (
            f" The token from {ctx.token.source} was refused: log in again with"
            " `mailplatform-admin login -s ADDRESS`."
        )
    elif error.status == 404 and error.code == "not_found":
        message += " (It does not exist, or this token may not manage it.)"
    elif error.temporary:
        message += " (A server-side failure: try again later.)"
    ctx.out.error(message, details={"status_code": error.status, "code": error.code})
    return TEMPFAIL if error.temporary else REFUSED


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    ctx = Context(args=args, env=os.environ, cwd=Path.cwd(), out=Output(as_json=args.json))
    try:
        status: int = args.run(ctx)
        return status
    except CommandFailed as failure:
        ctx.out.error(f"{args.command}: {failure.message}")
        return failure.status
    except ApiError as error:
        return _api_failure(ctx, error)
    except Unreachable as error:
        ctx.out.error(f"{args.command} failed: {error}")
        return TEMPFAIL
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
