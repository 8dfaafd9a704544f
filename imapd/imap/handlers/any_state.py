"""Commands valid in every state (RFC 3501 6.1) and ENABLE (RFC 5161), ID (RFC 2971)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from imapd.imap import responses
from imapd.imap.capabilities import ENABLEABLE
from imapd.imap.commands import (
    CapabilityCommand,
    EnableCommand,
    IdCommand,
    LogoutCommand,
    NoopCommand,
)
from imapd.imap.config import SERVER_NAME
from imapd.imap.reply import Reply, ok

if TYPE_CHECKING:
    from imapd.imap.session import Session

log = logging.getLogger(__name__)


async def capability(session: Session, command: CapabilityCommand) -> Reply:
    """RFC 3501 6.1.1."""
    session.send(responses.capability_response(session.capabilities()))
    return ok("Capability completed.")


async def noop(session: Session, command: NoopCommand) -> Reply:
    """RFC 3501 6.1.2: also the client's way to poll the selected mailbox, so look at the
    store even when no change was announced."""
    await send_updates(session, force=True)
    return ok("NOOP completed.")


async def send_updates(session: Session, *, force: bool) -> None:
    if session.selected is not None:
        session.send_all(
            await session.selected.updates(
                session.require_backend(),
                expunge_ok=True,
                condstore=session.condstore,
                qresync=session.qresync,
                force=force,
            )
        )


async def logout(session: Session, command: LogoutCommand) -> None:
    """RFC 3501 6.1.3: BYE, then the tagged OK, then the server closes the connection."""
    session.bye("Logging out")
    session.answer(command.tag, "OK", "Logout completed.")


async def id_(session: Session, command: IdCommand) -> Reply:
    """RFC 2971: note what the client says about itself, say who we are."""
    if command.params:
        log.info(
            "imap client id from %s: %s",
            session.conn.peer or "local",
            ", ".join(f"{key}={value}" for key, value in command.params[:8]),
        )
    session.send(responses.id_response([("name", SERVER_NAME)]))
    return ok("ID completed.")


async def enable(session: Session, command: EnableCommand) -> Reply:
    """RFC 5161: CONDSTORE and QRESYNC (which implies CONDSTORE, RFC 7162 3.2.3)."""
    enabled: list[str] = []
    for name in command.capabilities:
        if name not in ENABLEABLE:
            continue
        if name == "QRESYNC" and not session.qresync:
            session.enable_condstore()
            session.qresync = True
            enabled.append(name)
        elif name == "CONDSTORE" and "CONDSTORE" not in enabled:
            was = session.condstore
            session.enable_condstore()
            if not was:
                enabled.append(name)
    session.send(responses.enabled_response(enabled))
    return ok("Enabled.")
