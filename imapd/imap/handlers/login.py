"""The not-authenticated state (RFC 3501 6.2): STARTTLS, LOGIN, AUTHENTICATE (SASL PLAIN,
LOGIN, CRAM-MD5; RFC 4959 initial responses).

Passwords travel only over TLS, the unix socket or loopback unless IMAP_ALLOW_PLAINTEXT_AUTH
(LOGINDISABLED is advertised otherwise). A failed login is answered after the delay the
throttle asks for, slept on the event loop; a locked-out account or IP is refused even with
the right password, with the same answer.
"""

from __future__ import annotations

import asyncio
import secrets
import ssl
import time
from typing import TYPE_CHECKING

from imapd.imap import auth
from imapd.imap.commands import AuthenticateCommand, LoginCommand, StartTlsCommand
from imapd.imap.connection import ConnectionClosed
from imapd.imap.reply import Reply, bad, no
from imapd.imap.responses import AUTHENTICATIONFAILED, AUTHORIZATIONFAILED, PRIVACYREQUIRED
from imapd.orm_pool import run_orm

if TYPE_CHECKING:
    from imapd.imap.session import Session

_PLAINTEXT_REFUSED = "Plaintext authentication disallowed on non-secure (SSL/TLS) connections."


async def starttls(session: Session, command: StartTlsCommand) -> Reply | None:
    """RFC 3501 6.2.1; what the client pipelined after the command is discarded."""
    context = session.server.tls_context
    if session.conn.tls:
        return bad("TLS is already active.")
    if not session.can_starttls or context is None:
        return bad("TLS is not available.")
    session.answer(command.tag, "OK", "Begin TLS negotiation now.")
    await session.flush()
    try:
        await session.conn.start_tls(context)
    except (OSError, ssl.SSLError, ConnectionError) as exc:
        raise ConnectionClosed from exc
    return None


async def _refused(result: auth.LoginResult) -> Reply:
    if result.delay:
        await asyncio.sleep(result.delay)
    return no("Authentication failed.", AUTHENTICATIONFAILED)


async def _password(session: Session, address: str, password: str) -> Reply:
    result = await run_orm(
        auth.password_login, address=address, password=password, remote_addr=session.conn.peer
    )
    if result.account is None:
        return await _refused(result)
    return session.log_in(result.account, result.keyring)


async def login(session: Session, command: LoginCommand) -> Reply:
    """RFC 3501 6.2.3."""
    if not session.plaintext_auth_allowed:
        return no(_PLAINTEXT_REFUSED, PRIVACYREQUIRED)
    return await _password(session, command.username, command.password)


async def authenticate(session: Session, command: AuthenticateCommand) -> Reply:
    """RFC 3501 6.2.2."""
    mechanism = command.mechanism
    if mechanism in ("PLAIN", "LOGIN") and not session.plaintext_auth_allowed:
        return no(_PLAINTEXT_REFUSED, PRIVACYREQUIRED)
    if mechanism == "PLAIN":
        return await _plain(session, command)
    if mechanism == "LOGIN":
        return await _login_mechanism(session, command)
    if mechanism == "CRAM-MD5" and session.server.cram_md5:
        return await _cram_md5(session, command)
    return no("Unsupported authentication mechanism.")


_ABORTED = "Authentication aborted by client."


async def _plain(session: Session, command: AuthenticateCommand) -> Reply:
    """RFC 4616."""
    response = command.initial_response
    if response is None:
        response = await session.sasl_exchange(command.tag, b"")
        if response is None:
            return bad(_ABORTED)
    parsed = auth.parse_plain(response)
    if parsed is None:
        return no("Invalid PLAIN authentication data.", AUTHENTICATIONFAILED)
    authzid, authcid, password = parsed
    if authzid and authzid.lower() != authcid.lower():
        return no("Acting as another user is not permitted.", AUTHORIZATIONFAILED)
    return await _password(session, authcid, password)


async def _login_mechanism(session: Session, command: AuthenticateCommand) -> Reply:
    """The LOGIN mechanism (draft-murchison-sasl-login): user name, then password."""
    username = command.initial_response
    if username is None:
        username = await session.sasl_exchange(command.tag, b"Username:")
        if username is None:
            return bad(_ABORTED)
    password = await session.sasl_exchange(command.tag, b"Password:")
    if password is None:
        return bad(_ABORTED)
    try:
        return await _password(session, username.decode("utf-8"), password.decode("utf-8"))
    except UnicodeDecodeError:
        return no("Invalid LOGIN authentication data.", AUTHENTICATIONFAILED)


async def _cram_md5(session: Session, command: AuthenticateCommand) -> Reply:
    """RFC 2195: the challenge is a unique message id; the answer `user hex-hmac`."""
    if command.initial_response is not None:
        return bad("CRAM-MD5 takes no initial response.")
    challenge = (
        f"<{secrets.randbelow(10**12)}.{int(time.time())}@{session.config.hostname}>"
    ).encode("ascii")
    response = await session.sasl_exchange(command.tag, challenge)
    if response is None:
        return bad(_ABORTED)
    username, _, digest = response.decode("utf-8", "replace").rpartition(" ")
    result = await run_orm(
        auth.cram_md5_login,
        username=username,
        challenge=challenge,
        digest=digest,
        remote_addr=session.conn.peer,
    )
    if result.account is None:
        return await _refused(result)
    return session.log_in(result.account, result.keyring)
