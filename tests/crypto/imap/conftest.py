"""The real daemon for these tests: the fixtures of tests/imapd/server, shared as they are."""

from __future__ import annotations

from tests.imapd.server.conftest import (  # noqa: F401 (fixtures used by name)
    _isolated,
    daemon,
    imap_db,
    socket_dir,
)
