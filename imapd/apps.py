from __future__ import annotations

from django.apps import AppConfig


class ImapdConfig(AppConfig):
    name = "imapd"
