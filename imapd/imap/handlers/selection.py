"""Selecting a mailbox and the commands about the selection as a whole: SELECT / EXAMINE
(RFC 3501 6.3.1-2, RFC 7162 CONDSTORE/QRESYNC parameters), CLOSE, UNSELECT (RFC 3691), CHECK,
EXPUNGE and UID EXPUNGE (RFC 4315), IDLE (RFC 2177)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from imapd.imap import responses
from imapd.imap.commands import (
    CheckCommand,
    CloseCommand,
    ExpungeCommand,
    IdleCommand,
    SelectCommand,
    UnselectCommand,
)
from imapd.imap.connection import InactivityTimeout, LineTooLongError
from imapd.imap.framing import is_idle_done
from imapd.imap.handlers.any_state import send_updates
from imapd.imap.reply import Reply, bad, ok
from imapd.imap.selected import SelectedMailbox
from imapd.imap.sequence import resolve_uids, select_indices
from imapd.store.dto import UidSet

if TYPE_CHECKING:
    from imapd.imap.session import Session


async def select(session: Session, command: SelectCommand) -> Reply:
    """RFC 3501 6.3.1 SELECT and 6.3.2 EXAMINE. A failed SELECT leaves no mailbox selected."""
    if command.qresync is not None and not session.qresync:
        return bad("QRESYNC is not enabled.")
    if session.selected is not None:
        # RFC 7162 3.2.11: the end of the previous selection is announced.
        session.send(responses.untagged_status("OK", "Previous mailbox closed.", responses.CLOSED))
        session.select(None)
    if command.condstore:
        session.enable_condstore()
    data = await session.require_backend().select(
        command.mailbox, claim_recent=not command.readonly
    )
    view = SelectedMailbox(
        command.mailbox, data, readonly=command.readonly, refresher=session.server.refresher
    )
    send = session.send
    session.send_all(view.flags_announcement())
    send(responses.exists_response(len(view)))
    send(responses.recent_response(view.recent_count()))
    unseen = view.first_unseen()
    if unseen is not None:
        send(responses.untagged_status("OK", "First unseen.", responses.unseen_code(unseen)))
    send(
        responses.untagged_status("OK", "UIDs valid", responses.uidvalidity_code(view.uidvalidity))
    )
    uidnext = max(data.status.uidnext, view.uids[-1] + 1 if len(view) else 1)
    send(responses.untagged_status("OK", "Predicted next UID", responses.uidnext_code(uidnext)))
    if session.condstore:
        send(responses.untagged_status("OK", "Highest", responses.highest_modseq_code(view.modseq)))
    send(responses.untagged_status("OK", "Ok", responses.mailboxid_code(view.object_id)))
    if command.qresync is not None and command.qresync.uidvalidity == view.uidvalidity:
        await _resynchronise(session, view, command)
    session.select(view)
    code = responses.READ_ONLY if command.readonly else responses.READ_WRITE
    return ok("Select completed." if not command.readonly else "Examine completed.", code)


async def _resynchronise(session: Session, view: SelectedMailbox, command: SelectCommand) -> None:
    """RFC 7162 3.2.5.1: what the client missed since its modseq: VANISHED (EARLIER) for the
    expunged UIDs it knows, FETCH for the messages changed or added."""
    params = command.qresync
    assert params is not None
    backend = session.require_backend()
    vanished = await backend.expunged_since(view.mailbox_id, params.modseq)
    if params.known_uids is not None and vanished:
        known = set(resolve_uids(params.known_uids, sorted(vanished)))
        vanished = [uid for uid in vanished if uid in known]
    if vanished:
        session.send(responses.vanished_response(vanished, earlier=True))
    for i, modseq in enumerate(view.modseqs):
        if modseq > params.modseq:
            session.send(view.fetch_flags_line(i, uid=True, modseq=True))


async def close(session: Session, command: CloseCommand) -> Reply:
    """RFC 3501 6.4.2: expunge quietly (unless read-only, or without the RFC 4314 `e`
    right), then leave the mailbox."""
    view = session.require_selected()
    backend = session.require_backend()
    if not view.readonly and "e" in backend.rights_on(view.mailbox_id):
        await backend.expunge(view.mailbox_id, None)
    session.select(None)
    return ok("Close completed.")


async def unselect(session: Session, command: UnselectCommand) -> Reply:
    """RFC 3691: leave the mailbox without expunging."""
    session.select(None)
    return ok("Unselect completed.")


async def check(session: Session, command: CheckCommand) -> Reply:
    """RFC 3501 6.4.1: nothing to checkpoint (every change is committed); report changes."""
    await send_updates(session, force=True)
    return ok("Check completed.")


async def expunge(session: Session, command: ExpungeCommand) -> Reply:
    """RFC 3501 6.4.3, and RFC 4315 2.1 UID EXPUNGE (only the given UIDs)."""
    view = session.require_selected()
    if view.readonly:
        return ok("Expunge ignored with read-only mailbox.")  # as Dovecot answers
    uids = None
    if command.uid and command.uid_set is not None:
        indices = select_indices(
            command.uid_set, view.uids, by_uid=True, saved_uids=view.saved_uids
        )
        if not indices:
            return ok("Expunge completed.")
        uids = UidSet.of(view.uids[i] for i in indices)
    removed = await session.require_backend().expunge(view.mailbox_id, uids)
    session.send_all(view.remove(removed, qresync=session.qresync))
    return ok("Expunge completed.")


async def idle(session: Session, command: IdleCommand) -> Reply:
    """RFC 2177: report changes as they happen until DONE. `* OK Still here` is sent (and the
    mailbox looked at in the store) every IMAP_IDLE_KEEPALIVE."""
    conn = session.conn
    config = session.config
    loop = asyncio.get_running_loop()
    session.send(responses.continuation("idling"))
    await session.flush()
    view = session.selected
    if view is not None:
        view.on_notify = conn.notify
    next_keepalive = loop.time() + config.idle_keepalive
    timeout = config.timeout_authenticated
    try:
        await send_updates(session, force=True)
        await session.flush()
        while True:
            if conn.has_line():
                try:
                    line = await conn.read_line(config.max_line_length + 2, timeout)
                except LineTooLongError:
                    return bad("Expected DONE.")
                return ok("Idle completed.") if is_idle_done(line) else bad("Expected DONE.")
            now = loop.time()
            if now >= conn.last_activity + timeout:
                raise InactivityTimeout
            if now >= next_keepalive:
                session.send(responses.untagged_status("OK", "Still here"))
                await send_updates(session, force=True)
                await session.flush()
                next_keepalive = now + config.idle_keepalive
                continue
            await conn.wait(min(next_keepalive, conn.last_activity + timeout))
            if view is not None and view.needs_refresh:
                await send_updates(session, force=False)
                await session.flush()
    finally:
        if view is not None:
            view.on_notify = None
