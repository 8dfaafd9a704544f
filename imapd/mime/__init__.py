"""MIME analysis for the IMAP server: pure functions over a message's raw bytes.

- analyze(raw) -> MessageSummary: ENVELOPE, BODY, BODYSTRUCTURE and the header strings used by
  SEARCH/SORT/THREAD, computed once at delivery and stored as JSON.
- get_section / get_binary_section / binary_size / partial: FETCH BODY[...] and BINARY[...].
- body_contains / text_contains / header_contains / search_text: SEARCH BODY, TEXT, HEADER.

Nothing here raises on malformed mail; nothing here produces IMAP syntax (values are plain
trees of None, str, int and list for the response encoder).
"""

from __future__ import annotations

from imapd.mime.line_ends import normalize_line_ends
from imapd.mime.search_text import (
    body_contains,
    header_contains,
    iter_search_texts,
    search_text,
    text_contains,
)
from imapd.mime.sections import (
    SectionSpec,
    binary_size,
    get_binary_section,
    get_section,
    partial,
)
from imapd.mime.summary import MessageSummary, analyze, parse_sent_date

__all__ = [
    "MessageSummary",
    "SectionSpec",
    "analyze",
    "binary_size",
    "body_contains",
    "get_binary_section",
    "get_section",
    "header_contains",
    "iter_search_texts",
    "normalize_line_ends",
    "parse_sent_date",
    "partial",
    "search_text",
    "text_contains",
]
