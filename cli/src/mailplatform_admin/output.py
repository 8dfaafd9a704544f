"""What commands print: `key: value` lines and tables for people, one JSON document with --json."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def show(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(map(show, value)) or "-"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items())) or "-"
    return str(value)


def table(rows: Iterable[Sequence[object]], header: Sequence[str]) -> str:
    cells = [list(header), *([show(v) for v in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


class Output:
    def __init__(self, *, as_json: bool) -> None:
        self.as_json = as_json

    def result(self, data: Any, human: str | None = None) -> None:
        """`data` as JSON with --json, else `human` (or `data` as key: value lines)."""
        if self.as_json:
            print(json.dumps(data, indent=2, sort_keys=True))
        elif human is not None:
            print(human)
        elif isinstance(data, Mapping):
            print("\n".join(f"{key}: {show(value)}" for key, value in data.items()))
        else:
            print(show(data))

    def error(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        if self.as_json:
            print(json.dumps({"error": message, **(details or {})}), file=sys.stderr)
        else:
            print(f"mailplatform-admin: {message}", file=sys.stderr)
