"""mailplatform-admin: the mail platform's remote administration command."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mailplatform-admin")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
