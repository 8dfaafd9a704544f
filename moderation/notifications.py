"""The e-mail the moderation app sends: confirmation links, decisions, notices to moderators.

Each message is rendered in its reader's language from `templates/moderation/email/`, and sent
with Django's e-mail backend (EMAIL_BACKEND; see moderation.mail_backend for the platform's own).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from moderation.models import Registration

log = logging.getLogger(__name__)


def public_url(path: str) -> str:
    """An absolute link from the configured PUBLIC_URL (never from the request's Host header)."""
    return f"{settings.PUBLIC_URL}{path}"


def _send(
    *,
    template: str,
    context: dict[str, Any],
    language: str,
    to: list[str] | None = None,
    bcc: list[str] | None = None,
) -> None:
    with translation.override(language):
        subject = render_to_string(f"moderation/email/{template}_subject.txt", context)
        body = render_to_string(f"moderation/email/{template}.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to or [],
        bcc=bcc or [],
        # RFC 3834: an automatic message, which must not trigger auto-replies.
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.send()


def confirmation_send(*, registration: Registration, secret: str) -> None:
    """The link that proves the contact address works; raises when it cannot be sent."""
    _send(
        to=[registration.contact_email],
        template="confirm",
        context={
            "registration": registration,
            "confirm_url": public_url(reverse("moderation:register-confirm", args=[secret])),
            "valid_until": registration.confirm_before,
        },
        language=registration.language,
    )


def decision_send(*, registration: Registration) -> None:
    """Tell the registrant the outcome. A lost notice must not undo the decision: log it."""
    try:
        _send(
            to=[registration.contact_email],
            template="decision",
            context={
                "registration": registration,
                "approved": registration.user_id is not None,
                "login_url": public_url(reverse("moderation:login")),
            },
            language=registration.language,
        )
    except Exception:
        log.exception("could not tell registration %s of its decision", registration.pk)


def moderators_notify(*, registration: Registration) -> None:
    """Tell those who may decide (with an e-mail address) that a registration waits."""
    domains = list(registration.domains.all())
    moderators = (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(managed_domains__in=domains))
        .exclude(email="")
        .distinct()
    )
    recipients = sorted({user.email for user in moderators})
    if not recipients:
        return
    try:
        _send(
            bcc=recipients,  # moderators need not learn each other's addresses
            template="moderate",
            context={
                "registration": registration,
                "domains": domains,
                "admin_url": public_url(
                    reverse("admin:moderation_registration_change", args=[registration.pk])
                ),
            },
            language=settings.LANGUAGE_CODE,
        )
    except Exception:
        log.exception("could not tell moderators of registration %s", registration.pk)
