"""The session states of RFC 3501 3, and the sets of them each command is valid in."""

from __future__ import annotations

from enum import Enum


class State(Enum):
    NOT_AUTHENTICATED = "not authenticated"
    AUTHENTICATED = "authenticated"
    SELECTED = "selected"
    LOGOUT = "logout"


ANY = frozenset({State.NOT_AUTHENTICATED, State.AUTHENTICATED, State.SELECTED})
NOT_AUTHENTICATED = frozenset({State.NOT_AUTHENTICATED})
AUTHENTICATED = frozenset({State.AUTHENTICATED, State.SELECTED})
SELECTED = frozenset({State.SELECTED})


def state_error(state: State, allowed: frozenset[State]) -> str:
    """Why a command valid in `allowed` is refused in `state` (tagged BAD text)."""
    if state is State.NOT_AUTHENTICATED and allowed & AUTHENTICATED:
        return "Please log in first."
    if state is State.AUTHENTICATED and allowed == SELECTED:
        return "No mailbox selected."
    return "Command not valid in this state."
