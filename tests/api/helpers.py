"""Assertions shared by the API tests."""

from __future__ import annotations

from typing import Any


def assert_error(response: Any, status_code: int, code: str, field: str | None = None) -> None:
    """The response carries the platform's JSON error shape with this status and code."""
    assert response.status_code == status_code, response.content
    body = response.json()
    assert body["status_code"] == status_code
    assert body["code"] == code
    assert body["reason"]
    if field is not None:
        assert field in body.get("fields", {}), body


def names(response: Any, key: str) -> set[str]:
    """The `key` of every object in a paginated list answer."""
    assert response.status_code == 200, response.content
    return {item[key] for item in response.json()["results"]}
