"""SMTP AUTH for submission (RFC 4954): PLAIN (RFC 4616) and LOGIN against the accounts, and
which sender addresses an authenticated account may use.

Passwords are checked by `accounts.login.login_attempt` in the ORM thread pool (it hashes, and
throttles per account and per IP); a failure is answered after the throttle's delay, slept on
the event loop. Nothing here logs a password or echoes one.
"""

from __future__ import annotations

import asyncio
import binascii
from base64 import b64decode
from dataclasses import dataclass

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, auth_mechanism

from accounts.addresses import SUBADDRESS_SEPARATOR
from accounts.login import login_attempt
from accounts.models import Account, Alias
from imapd.orm_pool import run_orm
from imapd.smtp.protocol import MailServer


@dataclass(frozen=True)
class SmtpUser:
    """Who authenticated on a connection (kept in `session.auth_data`)."""

    account_id: int
    address: str


def _login(address: str, password: str, remote_addr: str | None) -> tuple[SmtpUser | None, float]:
    outcome = login_attempt(
        address=address, password=password, remote_addr=remote_addr, protocol="smtp"
    )
    if outcome.account is None:
        return None, outcome.delay
    return SmtpUser(account_id=outcome.account.pk, address=outcome.account.address), 0.0


def sender_allowed(*, account_id: int, address: str) -> bool:
    """Whether the account may use `address` as envelope sender: its own address or an alias
    that delivers to it (any case, with or without a `+tag`); never a catch-all's addresses."""
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.split(SUBADDRESS_SEPARATOR, 1)[0]
    if not local or not domain:
        return False
    if Account.objects.filter(pk=account_id, local_part=local, domain__name=domain).exists():
        return True
    return Alias.objects.filter(
        domain__name=domain, local_part=local, is_active=True, targets__account_id=account_id
    ).exists()


class AuthMechanisms(MailServer):
    """A listener that offers AUTH PLAIN and LOGIN."""

    offers_auth = True

    async def _credentials_checked(self, login: bytes, password: bytes) -> AuthResult:
        try:
            address, secret = login.decode("utf-8"), password.decode("utf-8")
        except UnicodeDecodeError:
            return AuthResult(success=False, handled=False)
        user, delay = await run_orm(_login, address, secret, self.peer_ip)
        if user is None:
            await asyncio.sleep(delay)
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=user)

    async def _decoded(self, argument: str) -> bytes | None:
        try:
            return b64decode(argument.encode(), validate=True)
        except (binascii.Error, ValueError):
            await self.push("501 5.5.2 Cannot decode base64")
            return None

    async def _challenge(self, prompt: str) -> bytes | None:
        answer = await self.challenge_auth(prompt)
        return None if answer is MISSING else bytes(answer)

    @auth_mechanism("PLAIN")
    async def auth_PLAIN(self, _: SMTP, args: list[str]) -> AuthResult:
        """RFC 4616: [authzid] NUL authcid NUL password, initial response or after 334."""
        blob = await (self._challenge("") if len(args) == 1 else self._decoded(args[1]))
        if blob is None:
            return AuthResult(success=False, handled=True)
        parts = blob.split(b"\x00")
        if len(parts) != 3:
            await self.push("501 5.5.2 Cannot split the PLAIN response")
            return AuthResult(success=False, handled=True)
        authzid, login, password = parts
        if authzid and authzid != login:  # acting as another user is not offered
            return AuthResult(success=False, handled=False)
        return await self._credentials_checked(login, password)

    @auth_mechanism("LOGIN")
    async def auth_LOGIN(self, _: SMTP, args: list[str]) -> AuthResult:
        """The LOGIN mechanism: user name and password, each base64 after a 334 prompt."""
        login = await (self._challenge("Username:") if len(args) == 1 else self._decoded(args[1]))
        if login is None:
            return AuthResult(success=False, handled=True)
        password = await self._challenge("Password:")
        if password is None:
            return AuthResult(success=False, handled=True)
        return await self._credentials_checked(login, password)
