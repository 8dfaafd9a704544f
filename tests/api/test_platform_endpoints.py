"""Endpoints outside the resource API: ping, health, the OpenAPI schema and its docs page."""

from __future__ import annotations

from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

import mailplatform


def test_ping_answers_without_authentication_with_the_version(anon: APIClient) -> None:
    response = anon.get("/api/v1/ping")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": mailplatform.__version__}


def test_healthz_checks_database_and_broker(anon: APIClient, db) -> None:
    response = anon.get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_schema_is_valid_openapi_with_bearer_auth(anon: APIClient, db) -> None:
    response = anon.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # raises on anything that is not OpenAPI 3
    bearer = schema["components"]["securitySchemes"]["bearerAuth"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    for path in (
        "/api/v1/domains/",
        "/api/v1/domains/{name}",
        "/api/v1/accounts/",
        "/api/v1/accounts/{address}",
        "/api/v1/accounts/{address}/password",
        "/api/v1/aliases/",
        "/api/v1/aliases/{address}",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/auth/whoami",
    ):
        assert path in schema["paths"], path
    assert {"bearerAuth": []} in schema["paths"]["/api/v1/accounts/"]["get"]["security"]
    assert "security" not in schema["paths"]["/api/v1/auth/login"]["post"]


def test_schema_never_exposes_password_hashes(anon: APIClient, db) -> None:
    account = anon.get("/api/schema/?format=json").json()["components"]["schemas"]["Account"]
    assert "password" not in account["properties"]


def test_docs_page_renders_from_local_assets(anon: APIClient, db) -> None:
    response = anon.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "/static/drf_spectacular_sidecar/" in html  # served here, not from a CDN
