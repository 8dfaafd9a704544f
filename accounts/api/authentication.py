"""Placeholder: bearer-token authentication is built in accounts.api (issue 2)."""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication


class BearerTokenAuthentication(BaseAuthentication):
    pass
