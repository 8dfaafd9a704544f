"""One handler per IMAP command, and the states each is valid in (RFC 3501 6).

A handler is `async def handler(session, command) -> Reply | None`; None means it sent its
own tagged response (LOGOUT, STARTTLS). SORT and THREAD are parsed but not offered, and are
answered BAD by the session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from imapd.imap import commands as c
from imapd.imap.handlers import (
    acl,
    any_state,
    listing,
    login,
    mailboxes,
    messages,
    quota,
    selection,
)
from imapd.imap.reply import Reply
from imapd.imap.states import ANY, AUTHENTICATED, NOT_AUTHENTICATED, SELECTED, State

if TYPE_CHECKING:
    from imapd.imap.session import Session

HandlerFunction = Callable[["Session", Any], Awaitable[Reply | None]]


@dataclass(frozen=True, slots=True)
class Handler:
    handler: HandlerFunction
    states: frozenset[State]


HANDLERS: dict[type[c.Command], Handler] = {
    c.CapabilityCommand: Handler(any_state.capability, ANY),
    c.NoopCommand: Handler(any_state.noop, ANY),
    c.LogoutCommand: Handler(any_state.logout, ANY),
    c.IdCommand: Handler(any_state.id_, ANY),
    c.EnableCommand: Handler(any_state.enable, AUTHENTICATED),
    c.StartTlsCommand: Handler(login.starttls, NOT_AUTHENTICATED),
    c.LoginCommand: Handler(login.login, NOT_AUTHENTICATED),
    c.AuthenticateCommand: Handler(login.authenticate, NOT_AUTHENTICATED),
    c.SelectCommand: Handler(selection.select, AUTHENTICATED),
    c.CreateCommand: Handler(mailboxes.create, AUTHENTICATED),
    c.DeleteCommand: Handler(mailboxes.delete, AUTHENTICATED),
    c.RenameCommand: Handler(mailboxes.rename, AUTHENTICATED),
    c.SubscribeCommand: Handler(mailboxes.subscribe, AUTHENTICATED),
    c.UnsubscribeCommand: Handler(mailboxes.unsubscribe, AUTHENTICATED),
    c.ListCommand: Handler(listing.list_, AUTHENTICATED),
    c.LsubCommand: Handler(listing.lsub, AUTHENTICATED),
    c.NamespaceCommand: Handler(mailboxes.namespace, AUTHENTICATED),
    c.StatusCommand: Handler(mailboxes.status, AUTHENTICATED),
    c.AppendCommand: Handler(mailboxes.append, AUTHENTICATED),
    c.IdleCommand: Handler(selection.idle, AUTHENTICATED),
    c.GetQuotaCommand: Handler(quota.getquota, AUTHENTICATED),
    c.GetQuotaRootCommand: Handler(quota.getquotaroot, AUTHENTICATED),
    c.SetQuotaCommand: Handler(quota.setquota, AUTHENTICATED),
    c.MyRightsCommand: Handler(acl.myrights, AUTHENTICATED),
    c.SetAclCommand: Handler(acl.setacl, AUTHENTICATED),
    c.DeleteAclCommand: Handler(acl.deleteacl, AUTHENTICATED),
    c.GetAclCommand: Handler(acl.getacl, AUTHENTICATED),
    c.ListRightsCommand: Handler(acl.listrights, AUTHENTICATED),
    c.CheckCommand: Handler(selection.check, SELECTED),
    c.CloseCommand: Handler(selection.close, SELECTED),
    c.UnselectCommand: Handler(selection.unselect, SELECTED),
    c.ExpungeCommand: Handler(selection.expunge, SELECTED),
    c.SearchCommand: Handler(messages.search, SELECTED),
    c.FetchCommand: Handler(messages.fetch, SELECTED),
    c.StoreCommand: Handler(messages.store, SELECTED),
    c.CopyCommand: Handler(messages.copy, SELECTED),
    c.MoveCommand: Handler(messages.move, SELECTED),
}
