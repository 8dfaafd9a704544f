"""Commands on the selected mailbox's messages: FETCH (RFC 3501 6.4.5, RFC 7162 CHANGEDSINCE /
VANISHED), STORE (6.4.6, RFC 7162 UNCHANGEDSINCE), SEARCH (6.4.4, RFC 4731 ESEARCH, RFC 5182
SEARCHRES), COPY (6.4.7, RFC 4315 COPYUID), MOVE (RFC 6851), and their UID forms (6.4.8).

Sequence sets are resolved against the session's view (`select_indices`), so the numbers the
client uses are the ones it was told about.
"""

from __future__ import annotations

import functools
from itertools import compress
from typing import TYPE_CHECKING

from imapd.imap import responses
from imapd.imap.commands import CopyCommand, FetchCommand, MoveCommand, SearchCommand, StoreCommand
from imapd.imap.fetch import FetchItem
from imapd.imap.fetch_exec import (
    BATCH_MESSAGES,
    BatchJob,
    FetchPlan,
    render_batch,
    render_from_view,
)
from imapd.imap.reply import Reply, bad, no, ok
from imapd.imap.search_eval import Evaluator, SearchView, cost, uses_modseq
from imapd.imap.selected import SelectedMailbox
from imapd.imap.sequence import SequenceOutOfRange, SequenceSet, select_indices
from imapd.store.dto import UidSet
from imapd.store.flags import SEEN

if TYPE_CHECKING:
    from imapd.imap.session import Session

_INVALID_SET = "Invalid messageset"


def _indices(view: SelectedMailbox, sequence_set: SequenceSet, uid: bool) -> list[int]:
    """Positions in the view; a sequence number past the end raises SequenceOutOfRange."""
    return select_indices(
        sequence_set, view.uids, by_uid=uid, saved_uids=view.saved_uids, strict=not uid
    )


# -- FETCH ---------------------------------------------------------------------------------


async def fetch(session: Session, command: FetchCommand) -> Reply:
    view = session.require_selected()
    backend = session.require_backend()
    try:
        indices = _indices(view, command.sequence_set, command.uid)
    except SequenceOutOfRange:
        return bad(_INVALID_SET)
    if command.changed_since is not None or FetchItem("MODSEQ") in command.attributes:
        session.enable_condstore()
    if command.changed_since is not None:
        since = command.changed_since
        indices = [i for i in indices if view.modseqs[i] > since]
        if command.vanished:
            await _send_vanished(session, view, command.sequence_set, since)
    plan = FetchPlan.make(
        command.attributes, uid=command.uid, add_modseq=command.changed_since is not None
    )
    flags_changed: set[int] = set()
    # Without the `s` right (RFC 4314) reading leaves \Seen alone.
    may_set_seen = "s" in backend.rights_on(view.mailbox_id)
    if plan.sets_seen and not view.readonly and indices and may_set_seen:
        unseen = [view.uids[i] for i in indices if not view.flags[i] & SEEN]
        if unseen:
            # RFC 3501 6.4.5: BODY[...] sets \Seen; done first, so FLAGS can say so.
            outcome = await backend.store(
                view.mailbox_id, UidSet.of(unseen), "add", ("\\Seen",), None
            )
            flags_changed = set(view.update_rows(outcome.result.changed))
            view.advance(outcome.result.modseq)
    if plan.view_only:
        for chunk in render_from_view(view, indices, plan):
            session.send(chunk)
            await session.flush()
        return ok("Fetch completed.")
    missing = 0
    unknown_cte = False
    position = 0
    while position < len(indices):
        batch = indices[position : position + BATCH_MESSAGES]
        job = BatchJob(
            plan=plan,
            seqs=[i + 1 for i in batch],
            uids=[view.uids[i] for i in batch],
            flags=[
                view.flags_raw(i) if plan.wants_flags or i in flags_changed else None for i in batch
            ],
            modseqs=[view.modseqs[i] for i in batch],
        )
        result = await backend.read(view.mailbox_id, functools.partial(render_batch, job))
        missing += result.missing
        unknown_cte = unknown_cte or result.unknown_cte
        position += result.consumed
        session.send(result.data)
        await session.flush()
    if unknown_cte:
        return no("Unknown Content-Transfer-Encoding.", responses.UNKNOWN_CTE)
    if missing:
        return no("Some of the requested messages no longer exist.", responses.EXPUNGEISSUED)
    return ok("Fetch completed.")


async def _send_vanished(
    session: Session, view: SelectedMailbox, uid_set: SequenceSet, since: int
) -> None:
    """RFC 7162 3.2.6: UIDs in the set expunged since the client's modseq."""
    expunged = await session.require_backend().expunged_since(view.mailbox_id, since)
    if not expunged or uid_set.saved:
        return
    # `*` here is the last expunged UID rather than the mailbox's last; `n:*` still means
    # every UID from n up, which is what a client resynchronising asks.
    wanted = [expunged[i] for i in select_indices(uid_set, expunged, by_uid=True)]
    if wanted:
        session.send(responses.vanished_response(wanted, earlier=True))


# -- STORE ---------------------------------------------------------------------------------


async def store(session: Session, command: StoreCommand) -> Reply:
    view = session.require_selected()
    try:
        indices = _indices(view, command.sequence_set, command.uid)
    except SequenceOutOfRange:
        return bad(_INVALID_SET)
    if command.unchanged_since is not None:
        session.enable_condstore()
    if view.readonly:
        return ok("Store ignored with read-only mailbox.")  # as Dovecot answers
    if not indices:
        return ok("Store completed.")
    outcome = await session.require_backend().store(
        view.mailbox_id,
        UidSet.of(view.uids[i] for i in indices),
        command.mode,
        command.flags,
        command.unchanged_since,
    )
    if outcome.keyword_names is not None and view.set_keyword_names(outcome.keyword_names):
        session.send_all(view.flags_announcement())
    changed = view.update_rows(outcome.result.changed)
    view.advance(outcome.result.modseq)
    if not command.silent:
        for i in sorted(changed):
            session.send(view.fetch_flags_line(i, uid=command.uid, modseq=session.condstore))
    modified = outcome.result.modified
    if modified:
        positions = [view.index_of(uid) for uid in modified]
        numbers = modified if command.uid else [i + 1 for i in positions if i is not None]
        return ok("Conditional store failed.", responses.modified_code(numbers))
    return ok("Store completed.")


# -- SEARCH --------------------------------------------------------------------------------


async def search(session: Session, command: SearchCommand) -> Reply:
    view = session.require_selected()
    key = command.key
    with_modseq = uses_modseq(key)
    if with_modseq:
        session.enable_condstore()
    search_view = SearchView(
        uids=view.uids,
        flags=view.flags,
        keywords=view.keywords,
        modseqs=view.modseqs,
        keyword_names=view.keyword_names,
        recent=view.recent_mask(),
        saved_uids=view.saved_uids,
    )
    if cost(key) == 0:
        mask = Evaluator(search_view, None).run(key)
    else:
        mask = await session.require_backend().read(
            view.mailbox_id, lambda reader: Evaluator(search_view, reader).run(key)
        )
    matched = list(compress(range(len(mask)), mask))
    uids = [view.uids[i] for i in matched]
    numbers = uids if command.uid else [i + 1 for i in matched]
    highest = max((view.modseqs[i] for i in matched), default=None) if with_modseq else None
    options = command.return_options
    if options is None:
        session.send(responses.search_response(numbers, highest_modseq=highest))
        return ok("Search completed.")
    if "SAVE" in options:
        view.saved_uids = _saved(options, uids)
    shown = set(options) - {"SAVE"}
    if shown or "SAVE" not in options:
        if not shown:
            shown = {"ALL"}
        session.send(
            responses.esearch_response(
                command.tag,
                uid=command.uid,
                minimum=min(numbers) if "MIN" in shown and numbers else None,
                maximum=max(numbers) if "MAX" in shown and numbers else None,
                all_numbers=numbers if "ALL" in shown else None,
                count=len(numbers) if "COUNT" in shown else None,
                highest_modseq=highest if numbers else None,
            )
        )
    return ok("Search completed.")


def _saved(options: tuple[str, ...], uids: list[int]) -> list[int]:
    """RFC 5182 2.4: with MIN and/or MAX alone, only those are saved."""
    if not uids or {"ALL", "COUNT"} & set(options) or not {"MIN", "MAX"} & set(options):
        return uids
    saved = []
    if "MIN" in options:
        saved.append(uids[0])
    if "MAX" in options and uids[-1] not in saved:
        saved.append(uids[-1])
    return saved


# -- COPY and MOVE -------------------------------------------------------------------------


async def copy(session: Session, command: CopyCommand) -> Reply:
    return await _copy_or_move(session, command, move=False)


async def move(session: Session, command: MoveCommand) -> Reply:
    return await _copy_or_move(session, command, move=True)


async def _copy_or_move(
    session: Session, command: CopyCommand | MoveCommand, *, move: bool
) -> Reply:
    view = session.require_selected()
    try:
        indices = _indices(view, command.sequence_set, command.uid)
    except SequenceOutOfRange:
        return bad(_INVALID_SET)
    if move and view.readonly:
        return no("Mailbox is read-only.", responses.READ_ONLY)
    if not indices:
        return ok("No messages found.")
    result = await session.require_backend().copy(
        view.mailbox_id, UidSet.of(view.uids[i] for i in indices), command.mailbox, move=move
    )
    code = None
    if result.source_uids:
        code = responses.copyuid_code(
            result.uidvalidity, zip(result.source_uids, result.dest_uids, strict=True)
        )
    if not move:
        return ok("Copy completed.", code)
    if code is not None:
        # RFC 6851 4.3: COPYUID goes in an untagged OK before the expunges.
        session.send(responses.untagged_status("OK", "Moved UIDs.", code))
    session.send_all(view.remove(result.source_uids, qresync=session.qresync))
    return ok("Move completed.")
