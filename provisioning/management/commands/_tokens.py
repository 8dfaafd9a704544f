"""What the token commands share: finding a token and printing it as mailadm does."""

from __future__ import annotations

from django.core.management.base import CommandError

from accounts.management.commands._cli import show
from mailplatform.errors import NotFound
from provisioning.models import Token
from provisioning.selectors import token_get_for_actor
from provisioning.tokens import dcaccount_text, token_url


def token_named(name: str) -> Token:
    try:
        return token_get_for_actor(name=name, actor=None)
    except NotFound as error:
        raise CommandError(error.reason) from error


def token_lines(token: Token) -> list[str]:
    """mailadm's listing of a token: its fields, its URL and the DCACCOUNT: line of its QR."""
    lines = [
        f"token:{token.name}",
        f"  domain = {token.domain.name}",
        f"  prefix = {token.prefix}",
        f"  expiry = {token.expiry}",
        f"  maxuse = {token.maxuse}",
        f"  usecount = {token.usecount}",
        f"  active = {show(token.is_active)}",
    ]
    if token.single_use:
        lines.append("  single_use = yes")
    if token.fixed_local_part:
        lines.append(f"  fixed_address = {token.address_pattern}")
    if token.valid_until is not None:
        lines.append(f"  valid_until = {show(token.valid_until)}")
    lines += [f"  token = {token.secret}", f"  {token_url(token)}", f"  {dcaccount_text(token)}"]
    return lines


def default_qr_filename(token: Token) -> str:
    return f"dcaccount-{token.domain.name}-{token.name}.png"
