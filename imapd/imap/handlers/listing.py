"""LIST (RFC 3501 6.3.8, RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154 SPECIAL-USE,
RFC 3348 CHILDREN) and LSUB (RFC 3501 6.3.9).

`*` matches any characters, `%` any but the hierarchy separator; the reference name is put in
front of the pattern. INBOX matches in any case, also as the first level of a pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from imapd.imap import responses
from imapd.imap.commands import ListCommand, LsubCommand
from imapd.imap.handlers.mailboxes import status_items
from imapd.imap.reply import Reply, ok
from imapd.store import names
from imapd.store.dto import MailboxEntry

if TYPE_CHECKING:
    from imapd.imap.session import Session

SEPARATOR = names.SEPARATOR


def pattern_regex(reference: str, pattern: str) -> re.Pattern[str]:
    """A regex for the mailbox names `reference` + `pattern` matches."""
    full = pattern if not reference else reference + pattern
    if full[:5].upper() == names.INBOX and (len(full) == 5 or full[5] in (SEPARATOR, "*", "%")):
        full = names.INBOX + full[5:]
    parts = []
    for char in full:
        if char == "*":
            parts.append(".*")
        elif char == "%":
            parts.append(f"[^{re.escape(SEPARATOR)}]*")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


@dataclass(slots=True)
class _Line:
    name: str
    attributes: list[str]
    childinfo: tuple[str, ...] = ()
    selectable: bool = True
    mailbox_id: int | None = None


def _ordered(entries: list[MailboxEntry]) -> list[MailboxEntry]:
    """INBOX first, as clients expect, then by name."""
    return sorted(entries, key=lambda e: (e.name != names.INBOX, e.name))


async def list_(session: Session, command: ListCommand) -> Reply:
    """RFC 3501 6.3.8 and RFC 5258."""
    if len(command.patterns) == 1 and command.patterns[0] == "" and not command.extended:
        # The hierarchy delimiter and root (RFC 3501 6.3.8).
        session.send(responses.list_response(["\\Noselect"], SEPARATOR, ""))
        return ok("List completed.")
    entries, subscriptions = await session.require_backend().mailboxes()
    regexes = [pattern_regex(command.reference, p) for p in command.patterns]

    def matches(name: str) -> bool:
        return any(regex.fullmatch(name) for regex in regexes)

    selection = set(command.selection)
    returns = set(command.return_options)
    show_subscribed = "SUBSCRIBED" in selection or "SUBSCRIBED" in returns
    subscribed = set(subscriptions)
    by_name = {entry.name: entry for entry in entries}
    lines: list[_Line] = []
    if "SUBSCRIBED" in selection:
        candidates = sorted(subscribed, key=lambda n: (n != names.INBOX, n))
        for name in candidates:
            if not matches(name):
                continue
            entry = by_name.get(name)
            attributes = ["\\Subscribed"]
            if entry is None:
                attributes.insert(0, "\\NonExistent")
                lines.append(_Line(name, attributes, selectable=False))
                continue
            lines.append(_Line(name, _attributes(entry, show_subscribed=True), mailbox_id=entry.id))
        if "RECURSIVEMATCH" in selection:
            listed = {line.name for line in lines}
            for entry in _ordered(entries):
                if entry.name in listed or not matches(entry.name):
                    continue
                if any(names.is_inferior(sub, entry.name) for sub in subscribed):
                    lines.append(
                        _Line(
                            entry.name,
                            _attributes(entry, show_subscribed=False),
                            childinfo=("SUBSCRIBED",),
                            mailbox_id=entry.id,
                        )
                    )
    else:
        for entry in _ordered(entries):
            if not matches(entry.name):
                continue
            if "SPECIAL-USE" in selection and not entry.special_use:
                continue
            lines.append(
                _Line(
                    entry.name,
                    _attributes(entry, show_subscribed=show_subscribed),
                    selectable=not entry.noselect,
                    mailbox_id=entry.id,
                )
            )
    statuses = {}
    if "STATUS" in returns and command.status_items:
        wanted = [line.mailbox_id for line in lines if line.selectable and line.mailbox_id]
        statuses = await session.require_backend().statuses(wanted)
    for line in lines:
        session.send(
            responses.list_response(line.attributes, SEPARATOR, line.name, childinfo=line.childinfo)
        )
        status = statuses.get(line.mailbox_id) if line.mailbox_id is not None else None
        if status is not None:
            session.send(
                responses.status_response(line.name, status_items(status, command.status_items))
            )
    return ok("List completed.")


def _attributes(entry: MailboxEntry, *, show_subscribed: bool) -> list[str]:
    attributes = []
    if entry.noselect:
        attributes.append("\\Noselect")
    attributes.append("\\HasChildren" if entry.has_children else "\\HasNoChildren")
    if show_subscribed and entry.subscribed:
        attributes.append("\\Subscribed")
    if entry.special_use:
        attributes.append(entry.special_use)
    return attributes


async def lsub(session: Session, command: LsubCommand) -> Reply:
    """RFC 3501 6.3.9: subscribed names; with `%`, an unsubscribed level above a subscribed
    name is listed as \\Noselect."""
    entries, subscriptions = await session.require_backend().mailboxes()
    regex = pattern_regex(command.reference, command.pattern)
    by_name = {entry.name: entry for entry in entries}
    found: dict[str, list[str]] = {}
    for name in sorted(subscriptions, key=lambda n: (n != names.INBOX, n)):
        if regex.fullmatch(name):
            entry = by_name.get(name)
            found[name] = ["\\Noselect"] if entry is not None and entry.noselect else []
            continue
        for ancestor in names.ancestors(name):
            if (
                ancestor not in found
                and ancestor not in subscriptions
                and regex.fullmatch(ancestor)
            ):
                found[ancestor] = ["\\Noselect"]
    for name, attributes in found.items():
        session.send(responses.list_response(attributes, SEPARATOR, name, lsub=True))
    return ok("Lsub completed.")
