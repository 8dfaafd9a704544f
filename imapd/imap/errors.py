"""The one error the command parser raises."""

from __future__ import annotations


class ParseError(Exception):
    """A command that cannot be parsed.

    With a `tag` the server answers `tag <status> [code] message` and the connection lives on;
    without one (the line did not start with a valid tag) it answers `* BAD message`.
    `status` is "BAD" for grammar errors and "NO" where the RFC asks for a refusal instead
    (BADCHARSET, USEATTR); `code` is the response code's text without brackets, if any.
    """

    def __init__(
        self,
        tag: str | None,
        message: str,
        *,
        code: str | None = None,
        status: str = "BAD",
    ) -> None:
        super().__init__(message)
        self.tag = tag
        self.message = message
        self.code = code
        self.status = status

    def __repr__(self) -> str:
        return f"ParseError(tag={self.tag!r}, message={self.message!r}, code={self.code!r})"
