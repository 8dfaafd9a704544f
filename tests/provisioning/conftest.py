"""Fixtures for provisioning: tokens, a bearer-token API client and a QR decoder."""

from __future__ import annotations

import io
from typing import Any

import pytest
import zxingcpp
from django.test import Client
from PIL import Image

from accounts import services as account_services
from accounts.models import Domain, User
from provisioning import services
from provisioning.models import Token


def decode_qr(png: bytes) -> list[str]:
    """The texts of the QR codes in a PNG, read back by an independent decoder (zxing-cpp)."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.fixture
def token(domain: Domain) -> Token:
    return services.token_create(name="oneday", domain=domain, acting_user=None, expiry="1d")


@pytest.fixture
def make_token(domain: Domain):
    def make(name: str = "t", **options: Any) -> Token:
        options.setdefault("domain", domain)
        return services.token_create(name=name, acting_user=None, **options)

    return make


def bearer_client(user: User) -> Client:
    _, secret = account_services.api_token_create(principal=user)
    return Client(headers={"Authorization": f"Bearer {secret}"})
