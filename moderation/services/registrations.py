"""Registration: asking for a web login, confirming the contact address, moderation, purge.

Every state change is a conditional UPDATE on the expected state, so two moderators (or a
moderator and the purge) can never both act on one request.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Domain, User
from accounts.principals import Actor
from mailplatform.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from moderation import notifications
from moderation.models import OPEN_REGISTRATION_STATES, Registration, RegistrationState
from moderation.permissions import can_moderate
from moderation.rate_limit import rate_limit_hit
from moderation.selectors import domains_open_for_registration
from moderation.services.grants import domain_grant_create
from provisioning.errors import RateLimited

MAX_REASON_LENGTH = 2000


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _messages(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def _validate_username(username: str) -> str:
    username = username.strip()
    try:
        if not username or len(username) > 150:
            raise ValidationError(_("Choose a username of 1 to 150 characters."))
        UnicodeUsernameValidator()(username)
    except ValidationError as error:
        raise ValidationFailed(_messages(error), field="username") from None
    taken = User.objects.filter(username__iexact=username).exists() or (
        Registration.objects.filter(
            username__iexact=username, state__in=OPEN_REGISTRATION_STATES
        ).exists()
    )
    if taken:
        raise Conflict(_("This username is already taken."), field="username")
    return username


def _validate_contact(contact_email: str) -> str:
    contact_email = contact_email.strip()
    try:
        validate_email(contact_email)
    except ValidationError:
        raise ValidationFailed(_("Enter a valid e-mail address."), field="contact_email") from None
    return contact_email


def _validate_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailed(
            _("Tell the moderators why you want an account (at most %(max)d characters).")
            % {"max": MAX_REASON_LENGTH},
            field="reason",
        )
    return reason


def _validate_domains(domains: Iterable[Domain]) -> list[Domain]:
    wanted = {domain.pk: domain for domain in domains}
    open_ids = set(
        domains_open_for_registration().filter(pk__in=wanted).values_list("pk", flat=True)
    )
    if not wanted or set(wanted) != open_ids:
        raise ValidationFailed(
            _("Choose at least one of the domains open for registration."), field="domains"
        )
    return list(wanted.values())


def _validate_web_password(password: str, username: str, contact_email: str) -> None:
    try:
        validate_password(password, User(username=username, email=contact_email))
    except ValidationError as error:
        raise ValidationFailed(_messages(error), field="password") from None


def registration_submit(
    *,
    username: str,
    password: str,
    contact_email: str,
    reason: str,
    domains: Iterable[Domain],
    language: str = "en",
    remote_addr: str | None = None,
    now: datetime | None = None,
) -> Registration:
    """Record a request and mail its confirmation link; nothing is kept if the mail fails."""
    now = now or timezone.now()
    if rate_limit_hit(
        scope="registration",
        client=remote_addr,
        limit=settings.REGISTRATION_RATE_LIMIT,
        window=settings.REGISTRATION_RATE_LIMIT_WINDOW,
    ):
        audit_record(actor=None, action="registration.rate_limited", remote_addr=remote_addr)
        raise RateLimited(
            _("Too many registrations from your address; try again later."),
            retry_after=settings.REGISTRATION_RATE_LIMIT_WINDOW,
        )
    with transaction.atomic():
        return _submit(
            username=username,
            password=password,
            contact_email=contact_email,
            reason=reason,
            domains=domains,
            language=language,
            remote_addr=remote_addr,
            now=now,
        )


def _submit(
    *,
    username: str,
    password: str,
    contact_email: str,
    reason: str,
    domains: Iterable[Domain],
    language: str,
    remote_addr: str | None,
    now: datetime,
) -> Registration:
    username = _validate_username(username)
    contact_email = _validate_contact(contact_email)
    reason = _validate_reason(reason)
    wanted = _validate_domains(domains)
    _validate_web_password(password, username, contact_email)
    secret = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                username=username,
                password=make_password(password),
                contact_email=contact_email,
                reason=reason,
                language=language[:16],
                confirm_digest=_digest(secret),
                remote_addr=remote_addr,
                created_at=now,
                confirm_before=now + timedelta(seconds=settings.REGISTRATION_CONFIRM_TTL),
            )
    except IntegrityError:  # someone else asked for the same name a moment ago
        raise Conflict(_("This username is already taken."), field="username") from None
    registration.domains.set(wanted)
    audit_record(
        actor=None,
        action="registration.submit",
        target=username,
        detail={"domains": sorted(d.name for d in wanted), "contact": contact_email},
        remote_addr=remote_addr,
    )
    notifications.confirmation_send(registration=registration, secret=secret)
    return registration


@transaction.atomic
def registration_confirm(*, secret: str, now: datetime | None = None) -> Registration:
    """The contact address is proven: the request joins the moderation queue."""
    now = now or timezone.now()
    invalid = NotFound(_("This confirmation link is not valid or has expired."))
    if not secret:
        raise invalid
    registration = Registration.objects.filter(
        confirm_digest=_digest(secret),
        state=RegistrationState.UNCONFIRMED,
        confirm_before__gt=now,
    ).first()
    if registration is None:
        raise invalid
    claimed = Registration.objects.filter(
        pk=registration.pk, state=RegistrationState.UNCONFIRMED
    ).update(state=RegistrationState.PENDING, confirmed_at=now, confirm_digest="")
    if not claimed:
        raise invalid
    registration.refresh_from_db()
    audit_record(actor=None, action="registration.confirm", target=registration.username)
    transaction.on_commit(lambda: notifications.moderators_notify(registration=registration))
    return registration


def _require_moderator(acting_user: Actor, registration: Registration) -> None:
    if not can_moderate(acting_user, registration):
        raise NotPermitted(_("You may not decide this registration."))


def _decide(
    *,
    registration: Registration,
    acting_user: Actor,
    state: RegistrationState,
    reason: str,
    now: datetime,
) -> Registration:
    claimed = Registration.objects.filter(
        pk=registration.pk, state=RegistrationState.PENDING
    ).update(
        state=state,
        decided_at=now,
        decided_by=acting_user if isinstance(acting_user, User) else None,
        decision_reason=reason,
        password="" if state == RegistrationState.DENIED else registration.password,
    )
    if not claimed:
        raise Conflict(_("Only a confirmed registration waiting for moderation can be decided."))
    registration.refresh_from_db()
    return registration


@transaction.atomic
def registration_approve(
    *,
    registration: Registration,
    acting_user: Actor,
    reason: str = "",
    now: datetime | None = None,
) -> User:
    """Create the registrant's web login and grant the domains asked for; tell them."""
    now = now or timezone.now()
    _require_moderator(acting_user, registration)
    if User.objects.filter(username__iexact=registration.username).exists():
        raise Conflict(_("The username %(name)s is taken now.") % {"name": registration.username})
    registration = _decide(
        registration=registration,
        acting_user=acting_user,
        state=RegistrationState.APPROVED,
        reason=reason.strip(),
        now=now,
    )
    # The hash the registrant chose moves to the new user; the request keeps no copy.
    user = User(username=registration.username, email=registration.contact_email)
    user.password = registration.password
    user.save()
    Registration.objects.filter(pk=registration.pk).update(user=user, password="")
    registration.user, registration.password = user, ""
    domains = list(registration.domains.all())
    for domain in domains:
        domain_grant_create(user=user, domain=domain, acting_user=acting_user)
    audit_record(
        actor=acting_user,
        action="registration.approve",
        target=registration.username,
        detail={"domains": sorted(d.name for d in domains), "reason": registration.decision_reason},
    )
    transaction.on_commit(lambda: notifications.decision_send(registration=registration))
    return user


@transaction.atomic
def registration_deny(
    *,
    registration: Registration,
    acting_user: Actor,
    reason: str,
    now: datetime | None = None,
) -> Registration:
    """Refuse a request; the reason is mailed to the registrant."""
    _require_moderator(acting_user, registration)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("Give the registrant a reason."), field="reason")
    registration = _decide(
        registration=registration,
        acting_user=acting_user,
        state=RegistrationState.DENIED,
        reason=reason,
        now=now or timezone.now(),
    )
    audit_record(
        actor=acting_user,
        action="registration.deny",
        target=registration.username,
        detail={"reason": reason},
    )
    transaction.on_commit(lambda: notifications.decision_send(registration=registration))
    return registration


@transaction.atomic
def registrations_purge(*, now: datetime | None = None) -> list[str]:
    """Delete requests never confirmed in time; returns their usernames."""
    now = now or timezone.now()
    expired = Registration.objects.filter(
        state=RegistrationState.UNCONFIRMED, confirm_before__lte=now
    )
    usernames = sorted(expired.values_list("username", flat=True))
    if usernames:
        expired.delete()
        audit_record(
            actor=None,
            action="registration.purge",
            detail={"usernames": usernames, "count": len(usernames)},
        )
    return usernames
