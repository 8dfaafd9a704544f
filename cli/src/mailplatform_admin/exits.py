"""Exit statuses (sysexits.h where an MTA reads them) and the errors that carry them."""

from __future__ import annotations

from typing import Final

OK: Final = 0
REFUSED: Final = 1  # the server (or this command) refused: fix the request, do not retry as is
USAGE: Final = 2  # bad arguments, as argparse exits
DATAERR: Final = 65  # EX_DATAERR: nothing to deliver
NOUSER: Final = 67  # EX_NOUSER: unknown recipient
UNAVAILABLE: Final = 69  # EX_UNAVAILABLE: refused for good
TEMPFAIL: Final = 75  # EX_TEMPFAIL: try again later (network, server error, timeout)


class CommandFailed(Exception):
    """A failure this command detected itself, with its exit status."""

    def __init__(self, message: str, status: int = REFUSED) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
