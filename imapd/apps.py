from __future__ import annotations

from django.apps import AppConfig


class ImapdConfig(AppConfig):
    name = "imapd"

    def ready(self) -> None:
        from accounts.directory import directory_changed
        from imapd.store.notifier import directory_change_publish

        directory_changed.connect(directory_change_publish, dispatch_uid="imapd.directory")
