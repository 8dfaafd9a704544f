from __future__ import annotations

from django.apps import AppConfig


class MailplatformConfig(AppConfig):
    """The project package as an app, so platform-wide management commands live here."""

    name = "mailplatform"
    verbose_name = "Mail platform"
