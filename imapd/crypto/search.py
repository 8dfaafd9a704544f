"""SEARCH FROM/TO/CC/BCC/SUBJECT in a mailbox holding encrypted contents.

Encrypted contents keep no `*_search` text for SQL to match, so a criterion tree that names a
text is evaluated as sets of UIDs: every subtree without a text criterion is one SQL query (as
`imapd.store.search` would run it), each text criterion is its SQL match (contents in clear)
plus the encrypted contents whose decrypted header fields contain the needle, and AND / OR /
NOT combine the sets. Header fields are decrypted once per search, only for the messages the
cheaper parts of an AND leave, with the session's keyring.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Q

from imapd.crypto.keyring import Keyring
from imapd.crypto.sealing import search_texts_open
from imapd.models import Message
from imapd.store import search as store_search


def names_text(criterion: store_search.Criterion) -> bool:
    match criterion:
        case store_search.Text():
            return True
        case store_search.And(parts) | store_search.Or(parts):
            return any(map(names_text, parts))
        case store_search.Not(part):
            return names_text(part)
    return False


class EncryptedTextSearch:
    """One SEARCH over a mailbox of an encrypted account."""

    def __init__(
        self,
        *,
        mailbox_id: int,
        keyring: Keyring | None,
        condition: Callable[[store_search.Criterion], Q],
    ) -> None:
        self.mailbox_id = mailbox_id
        self.keyring = keyring
        self.condition = condition
        self._universe: set[int] | None = None
        self._sealed: dict[int, tuple[int, bytes, str]] | None = None
        self._texts: dict[int, dict[str, str]] = {}

    def run(self, criterion: store_search.Criterion) -> list[int]:
        return sorted(self._uids(criterion, None))

    # -- sets ------------------------------------------------------------------------------

    def _query(self, criterion: store_search.Criterion) -> set[int]:
        return set(
            Message.objects.filter(self.condition(criterion), mailbox_id=self.mailbox_id)
            .values_list("uid", flat=True)
            .iterator(chunk_size=10_000)
        )

    def _all(self) -> set[int]:
        if self._universe is None:
            self._universe = self._query(store_search.All())
        return self._universe

    def _uids(self, criterion: store_search.Criterion, scope: set[int] | None) -> set[int]:
        if not names_text(criterion):
            found = self._query(criterion)
            return found if scope is None else found & scope
        match criterion:
            case store_search.Text(field, needle):
                return self._text(criterion, field, needle, scope)
            case store_search.And(parts):
                plain = [p for p in parts if not names_text(p)]
                if plain:
                    scope = self._uids(store_search.And(tuple(plain)), scope)
                for part in (p for p in parts if names_text(p)):
                    if not scope and scope is not None:
                        break
                    scope = self._uids(part, scope)
                return self._all() if scope is None else scope
            case store_search.Or(parts):
                union: set[int] = set()
                for part in parts:
                    union |= self._uids(part, scope)
                return union
            case store_search.Not(part):
                base = self._all() if scope is None else scope
                return base - self._uids(part, base)
        raise TypeError(f"Unknown search criterion {criterion!r}")

    def _text(
        self,
        criterion: store_search.Criterion,
        field: str,
        needle: str,
        scope: set[int] | None,
    ) -> set[int]:
        found = self._query(criterion)  # contents in clear
        folded = needle.casefold()
        candidates: Iterable[int] = self._sealed_rows().keys()
        if scope is not None:
            found &= scope
            candidates = (uid for uid in candidates if uid in scope)
        found.update(uid for uid in candidates if folded in self._texts_of(uid)[field])
        return found

    # -- decryption ------------------------------------------------------------------------

    def _sealed_rows(self) -> dict[int, tuple[int, bytes, str]]:
        if self._sealed is None:
            self._sealed = {
                uid: (pair_id, bytes(sealed_key or b""), header_fields)
                for uid, pair_id, sealed_key, header_fields in Message.objects.filter(
                    mailbox_id=self.mailbox_id, content__key_pair__isnull=False
                )
                .values_list(
                    "uid",
                    "content__key_pair_id",
                    "content__sealed_key",
                    "content__header_fields",
                )
                .iterator(chunk_size=5000)
            }
        return self._sealed

    def _texts_of(self, uid: int) -> dict[str, str]:
        texts = self._texts.get(uid)
        if texts is None:
            pair_id, sealed_key, header_fields = self._sealed_rows()[uid]
            texts = search_texts_open(
                key_pair_id=pair_id,
                sealed_key=sealed_key,
                header_fields=header_fields,
                keyring=self.keyring,
            )
            self._texts[uid] = texts
        return texts
