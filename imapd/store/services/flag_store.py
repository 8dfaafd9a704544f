"""STORE (RFC 3501 6.4.6) with CONDSTORE's UNCHANGEDSINCE (RFC 7162 3.1.3)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.lookups import Exact

from imapd.models import AccountStore, Mailbox, Message
from imapd.store.dto import FlagRow, StoreResult, UidSet
from imapd.store.flags import (
    ALL_KEYWORD_BITS,
    ALL_SYSTEM_FLAGS,
    DELETED,
    SEEN,
    keyword_mask,
    parse_flags,
)
from imapd.store.notifier import ChangeKind
from imapd.store.queries import uid_filters
from imapd.store.services._common import lock_mailbox, lock_store, publish, register_keywords


class StoreMode(StrEnum):
    """RFC 3501 STORE: FLAGS (replace), +FLAGS (add), -FLAGS (remove)."""

    REPLACE = "replace"
    ADD = "add"
    REMOVE = "remove"


@transaction.atomic
def flags_store(
    *,
    mailbox: Mailbox,
    uids: UidSet,
    mode: StoreMode,
    flags: Iterable[str],
    unchangedsince: int | None = None,
) -> StoreResult:
    """RFC 3501 6.4.6 STORE, with RFC 7162 UNCHANGEDSINCE; one UPDATE per UID filter.

    Only messages whose flags actually change get the new modseq and are returned; UIDs
    refused because their modseq is above `unchangedsince` are returned as `modified`.
    """
    parsed = parse_flags(flags)
    if mode is not StoreMode.REMOVE and parsed.keywords:
        store = lock_store(mailbox.account_id)
        registry = register_keywords(store, parsed.keywords)
    else:
        registry = (
            AccountStore.objects.filter(account_id=mailbox.account_id)
            .values_list("keywords", flat=True)
            .first()
            or []
        )
    system, keywords = parsed.system, keyword_mask(registry, parsed.keywords)
    locked = lock_mailbox(mailbox.pk)
    if mode is not StoreMode.REPLACE and not system and not keywords:
        return StoreResult(modseq=locked.highest_modseq, changed=(), modified=())
    modseq = locked.highest_modseq + 1
    modified: list[int] = []
    seen_delta = deleted_delta = 0
    for uid_q in uid_filters(uids):
        selected = Message.objects.filter(uid_q, mailbox=locked)
        if unchangedsince is not None:
            modified.extend(
                selected.filter(modseq__gt=unchangedsince).values_list("uid", flat=True)
            )
            selected = selected.filter(modseq__lte=unchangedsince)
        changing = selected.filter(_would_change(mode, system, keywords))
        counts = changing.aggregate(
            total=Count("pk"),
            seen=Count("pk", filter=Exact(F("flags").bitand(SEEN), SEEN)),
            deleted=Count("pk", filter=Exact(F("flags").bitand(DELETED), DELETED)),
        )
        if not counts["total"]:
            continue
        seen_delta += _bit_delta(mode, system, SEEN, counts["total"], counts["seen"])
        deleted_delta += _bit_delta(mode, system, DELETED, counts["total"], counts["deleted"])
        changing.update(modseq=modseq, **_new_values(mode, system, keywords))
    changed = tuple(
        FlagRow._make(row)
        for row in Message.objects.filter(mailbox=locked, modseq=modseq)
        .order_by("uid")
        .values_list("uid", "flags", "keywords", "modseq")
    )
    if changed:
        Mailbox.objects.filter(pk=locked.pk).update(
            highest_modseq=modseq,
            unseen_count=F("unseen_count") - seen_delta,
            deleted_count=F("deleted_count") + deleted_delta,
        )
        publish(locked, modseq, ChangeKind.FLAGS)
    else:
        modseq = locked.highest_modseq
    return StoreResult(modseq=modseq, changed=changed, modified=tuple(sorted(modified)))


def _would_change(mode: StoreMode, system: int, keywords: int) -> Q:
    flags_bits, keyword_bits = F("flags").bitand(system), F("keywords").bitand(keywords)
    if mode is StoreMode.ADD:
        return Q(~Exact(flags_bits, system)) | Q(~Exact(keyword_bits, keywords))
    if mode is StoreMode.REMOVE:
        return Q(~Exact(flags_bits, 0)) | Q(~Exact(keyword_bits, 0))
    return ~Q(flags=system) | ~Q(keywords=keywords)


def _new_values(mode: StoreMode, system: int, keywords: int) -> dict[str, object]:
    if mode is StoreMode.ADD:
        return {"flags": F("flags").bitor(system), "keywords": F("keywords").bitor(keywords)}
    if mode is StoreMode.REMOVE:
        return {
            "flags": F("flags").bitand(ALL_SYSTEM_FLAGS & ~system),
            "keywords": F("keywords").bitand(ALL_KEYWORD_BITS & ~keywords),
        }
    return {"flags": system, "keywords": keywords}


def _bit_delta(mode: StoreMode, system: int, bit: int, total: int, had: int) -> int:
    """How many of `total` changing messages gain (+) or lose (-) `bit`, `had` having it."""
    if mode is StoreMode.REPLACE:
        return (total if system & bit else 0) - had
    if not system & bit:
        return 0
    return total - had if mode is StoreMode.ADD else -had
