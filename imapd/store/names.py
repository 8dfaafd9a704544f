"""Mailbox names: validation, the INBOX rule and hierarchy arithmetic.

Names are Unicode full paths with `/` as the hierarchy separator; the IMAP layer converts from
and to modified UTF-7. Names are case-sensitive except INBOX, which any case spelling of names,
also as the first segment of its inferiors (RFC 3501 5.1).
"""

from __future__ import annotations

from typing import Final

from mailplatform.errors import ValidationFailed

SEPARATOR: Final = "/"
INBOX: Final = "INBOX"
# Another account's mailboxes appear as user/<owner>/<folder>: the first segment is reserved.
SHARED_PREFIX: Final = "user"
MAX_NAME_LENGTH: Final = 512
MAX_SEGMENT_LENGTH: Final = 255
MAX_DEPTH: Final = 32
_FORBIDDEN: Final = frozenset("*%")


def mailbox_name_normalize(name: str, *, field: str = "name", shared_ok: bool = False) -> str:
    """The canonical form of a mailbox name, or ValidationFailed.

    Names under the shared prefix are refused unless `shared_ok` (a subscription may name
    another account's mailbox; a personal mailbox may not live there).
    """
    if not name:
        raise ValidationFailed("A mailbox name cannot be empty.", field=field, code="CANNOT")
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(
            f"A mailbox name has at most {MAX_NAME_LENGTH} characters.", field=field, code="CANNOT"
        )
    if any(c in _FORBIDDEN or ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise ValidationFailed(
            "A mailbox name cannot contain *, % or control characters.", field=field, code="CANNOT"
        )
    segments = name.split(SEPARATOR)
    if any(not segment for segment in segments):
        raise ValidationFailed(
            f"A mailbox name cannot start or end with {SEPARATOR} or have empty levels.",
            field=field,
            code="CANNOT",
        )
    if len(segments) > MAX_DEPTH or any(len(s) > MAX_SEGMENT_LENGTH for s in segments):
        raise ValidationFailed(
            f"A mailbox name has at most {MAX_DEPTH} levels of {MAX_SEGMENT_LENGTH} characters.",
            field=field,
            code="CANNOT",
        )
    if segments[0].casefold() == INBOX.casefold():
        segments[0] = INBOX
    elif segments[0] == SHARED_PREFIX and not shared_ok:
        raise ValidationFailed(
            f"Names under {SHARED_PREFIX}{SEPARATOR} are reserved for shared mailboxes.",
            field=field,
            code="CANNOT",
        )
    return SEPARATOR.join(segments)


def ancestors(name: str) -> list[str]:
    """The superior names of `name`, outermost first: a/b/c -> [a, a/b]."""
    segments = name.split(SEPARATOR)
    return [SEPARATOR.join(segments[:i]) for i in range(1, len(segments))]


def parent(name: str) -> str | None:
    head, sep, _ = name.rpartition(SEPARATOR)
    return head if sep else None


def is_inferior(name: str, of: str) -> bool:
    """Whether `name` lies strictly below `of` in the hierarchy (case-sensitive)."""
    return name.startswith(of + SEPARATOR)
