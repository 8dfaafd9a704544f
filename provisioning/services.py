"""The only write path for provisioning: tokens, the accounts they create, prune and warnings.

Accounts are created and deleted only through `accounts.services` (account_create with
created_via=TOKEN, account_delete). Every use, refusal and change of a token is audited.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts import passwords
from accounts.addresses import normalize_local_part, split_address
from accounts.audit import audit_record
from accounts.models import Account, AuditEvent, CreatedVia, Domain, User
from accounts.permissions import can_administer_account, can_manage_domain
from accounts.principals import Actor
from accounts.services import (
    UNSET,
    Maybe,
    account_create,
    account_delete,
    account_set_password,
    domain_get,
)
from mailplatform.errors import (
    Conflict,
    LimitExceeded,
    NotPermitted,
    ServiceError,
    TemporaryFailure,
    ValidationFailed,
)
from provisioning.delivery import deliver_to_inbox
from provisioning.errors import RateLimited, TokenRefused, TokenUnusable
from provisioning.expiry import expiry_deadline, expiry_seconds, normalize_expiry
from provisioning.mailservers import dclogin_url
from provisioning.models import Token, TokenAccount
from provisioning.tokens import (
    new_secret,
    random_local_part,
    secret_digest,
    secrets_match,
    validate_prefix,
    validate_secret,
    validate_token_name,
)
from provisioning.warning_mail import expiry_warning_message

logger = logging.getLogger(__name__)

# Audit actions; the rate limit counts the first two per client address.
ACTION_USE: Final = "token.use"
ACTION_REFUSE: Final = "token.refuse"
ACTION_RATE_LIMITED: Final = "token.rate_limited"
# With 31^8 local parts a collision is rare; a run of them means the address space is full.
LOCAL_PART_ATTEMPTS: Final = 10
PASSWORD_BYTES: Final = 18
STORE_UNAVAILABLE: Final = "The account store is unavailable; try again later."


@dataclass(frozen=True)
class ProvisionedAccount:
    """A new account and its password, which exists only here and in the response."""

    account: Account
    password: str
    expiry: str
    ttl: int | None


def _require(allowed: bool, what: str) -> None:
    if not allowed:
        raise NotPermitted(f"You may not {what}.")


def new_password() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


# --- tokens ---------------------------------------------------------------------------------


def _validate_maxuse(maxuse: int) -> int:
    if not 1 <= maxuse <= 2**31 - 1:
        raise ValidationFailed("maxuse must be a positive number.", field="maxuse")
    return maxuse


def _validate_fixed_local_part(local_part: str) -> str:
    return normalize_local_part(local_part, field="fixed_local_part") if local_part.strip() else ""


def _check_secret_free(secret: str, *, exclude_pk: int | None = None) -> str:
    digest = secret_digest(secret)
    others = Token.objects.filter(digest=digest)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise Conflict("Another token already has this secret.", field="secret")
    return digest


@transaction.atomic
def token_create(
    *,
    name: str,
    domain: Domain,
    acting_user: Actor,
    expiry: str = "1d",
    maxuse: int = 50,
    prefix: str = "tmp.",
    secret: str | None = None,
    single_use: bool = False,
    fixed_local_part: str = "",
    valid_until: datetime | None = None,
    is_active: bool = True,
) -> Token:
    """Create a token; `secret` None draws a new one (192 bits from `secrets`)."""
    _require(can_manage_domain(acting_user, domain), f"create tokens for {domain.name}")
    name = validate_token_name(name)
    secret = new_secret() if secret is None else validate_secret(secret)
    if Token.objects.filter(name=name).exists():
        raise Conflict(f"Token {name} already exists.", field="name")
    token = Token(
        name=name,
        secret=secret,
        digest=_check_secret_free(secret),
        domain=domain,
        prefix=validate_prefix(prefix),
        expiry=normalize_expiry(expiry),
        maxuse=_validate_maxuse(maxuse),
        single_use=single_use,
        fixed_local_part=_validate_fixed_local_part(fixed_local_part),
        valid_until=valid_until,
        is_active=is_active,
        created_by=acting_user if isinstance(acting_user, User) else None,
    )
    try:
        with transaction.atomic():
            token.save()
    except IntegrityError:
        raise Conflict(f"Token {name} already exists.", field="name") from None
    audit_record(
        actor=acting_user,
        action="token.create",
        target=name,
        detail={
            "domain": domain.name,
            "prefix": token.prefix,
            "expiry": token.expiry,
            "maxuse": token.maxuse,
            "single_use": single_use,
            "fixed_local_part": token.fixed_local_part,
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
    )
    return token


@transaction.atomic
def token_update(
    *,
    token: Token,
    acting_user: Actor,
    expiry: Maybe[str] = UNSET,
    maxuse: Maybe[int] = UNSET,
    prefix: Maybe[str] = UNSET,
    is_active: Maybe[bool] = UNSET,
    single_use: Maybe[bool] = UNSET,
    fixed_local_part: Maybe[str] = UNSET,
    valid_until: Maybe[datetime | None] = UNSET,
    secret: Maybe[str] = UNSET,
) -> Token:
    """Change a token. Only changed columns are written, so a concurrent use keeps its count."""
    _require(can_manage_domain(acting_user, token.domain), f"change token {token.name}")
    values: dict[str, Any] = {
        "expiry": expiry if expiry is UNSET else normalize_expiry(expiry),
        "maxuse": maxuse if maxuse is UNSET else _validate_maxuse(maxuse),
        "prefix": prefix if prefix is UNSET else validate_prefix(prefix),
        "is_active": is_active,
        "single_use": single_use,
        "fixed_local_part": fixed_local_part
        if fixed_local_part is UNSET
        else _validate_fixed_local_part(fixed_local_part),
        "valid_until": valid_until,
    }
    changes: dict[str, Any] = {}
    update_fields: list[str] = []
    for field, value in values.items():
        if value is not UNSET and getattr(token, field) != value:
            setattr(token, field, value)
            changes[field] = value.isoformat() if isinstance(value, datetime) else value
            update_fields.append(field)
    if secret is not UNSET and secret != token.secret:
        token.secret = validate_secret(secret)
        token.digest = _check_secret_free(token.secret, exclude_pk=token.pk)
        changes["secret"] = "changed"  # noqa: S105 (the audit log never holds a secret)
        update_fields += ["secret", "digest"]
    if changes:
        token.save(update_fields=[*update_fields, "updated_at"])
        audit_record(actor=acting_user, action="token.update", target=token.name, detail=changes)
    return token


@transaction.atomic
def token_delete(*, token: Token, acting_user: Actor) -> None:
    """Delete a token; the accounts it created stay until they expire."""
    _require(can_manage_domain(acting_user, token.domain), f"delete token {token.name}")
    name = token.name
    token.delete()
    audit_record(actor=acting_user, action="token.delete", target=name)


# --- accounts from tokens -------------------------------------------------------------------


def token_redeem(
    *, secret: str | None, remote_addr: str | None = None, now: datetime | None = None
) -> ProvisionedAccount:
    """What Delta Chat's POST /new_email?t=SECRET does: a new random account from the token.

    The token row is locked for the whole transaction, so concurrent requests can never create
    more accounts than the token allows. A store failure rolls everything back (TemporaryFailure).
    """
    now = now or timezone.now()
    _check_rate_limit(remote_addr, now)
    if not secret:
        audit_record(
            actor=None, action=ACTION_REFUSE, detail={"reason": "missing"}, remote_addr=remote_addr
        )
        raise TokenRefused("?t (token) parameter not specified.")
    return _use_token(
        load=lambda: _locked_token_by_secret(secret),
        local_part=None,
        password=None,
        acting_user=None,
        remote_addr=remote_addr,
        now=now,
    )


def token_account_add(
    *,
    address: str,
    acting_user: Actor,
    token: Token | None = None,
    password: str | None = None,
    expiry: str | None = None,
    now: datetime | None = None,
) -> ProvisionedAccount:
    """mailadm's add-user: a given address, with a token (its expiry, one use) or without.

    Without a token the account lives for `expiry` (default never); a missing password is drawn.
    """
    local_part, domain_name = split_address(address)
    now = now or timezone.now()
    expiry = normalize_expiry(expiry) if expiry else None
    if token is not None:
        token_pk = token.pk

        def load() -> Token:
            locked = _locked_token(Q(pk=token_pk))
            if locked is None:
                raise TokenRefused("The token no longer exists.")
            if locked.domain.name != domain_name:
                raise ValidationFailed(
                    f"Token {locked.name} creates addresses in {locked.domain.name}.",
                    field="address",
                )
            return locked

        return _use_token(
            load=load,
            local_part=local_part,
            password=password,
            acting_user=acting_user,
            remote_addr=None,
            now=now,
            expiry=expiry,
        )
    expiry = normalize_expiry(expiry or "never")
    domain = domain_get(name=domain_name)
    with transaction.atomic():
        return _provision(
            token=None,
            domain=domain,
            local_part=local_part,
            password=password,
            acting_user=acting_user,
            remote_addr=None,
            now=now,
            expiry=expiry,
        )


def _use_token(
    *,
    load: Callable[[], Token],
    local_part: str | None,
    password: str | None,
    acting_user: Actor,
    remote_addr: str | None,
    now: datetime,
    expiry: str | None = None,
) -> ProvisionedAccount:
    target = ""
    try:
        with transaction.atomic():
            token = load()
            target = token.name
            _check_usable(token, now)
            return _provision(
                token=token,
                domain=token.domain,
                local_part=local_part or token.fixed_local_part or None,
                password=password,
                acting_user=acting_user,
                remote_addr=remote_addr,
                now=now,
                expiry=expiry or token.expiry,
            )
    except (TokenRefused, TokenUnusable) as refusal:
        # Recorded after the rollback, so the refusal stays in the log.
        audit_record(
            actor=acting_user,
            action=ACTION_REFUSE,
            target=target,
            detail={"reason": refusal.reason},
            remote_addr=remote_addr,
        )
        raise
    except DatabaseError as exc:
        logger.warning("Token account creation failed: %s", type(exc).__name__)
        raise TemporaryFailure(STORE_UNAVAILABLE) from exc


def _locked_token(condition: Q) -> Token | None:
    return (
        Token.objects.select_for_update(of=("self",))
        .select_related("domain")
        .filter(condition)
        .first()
    )


def _locked_token_by_secret(secret: str) -> Token:
    token = _locked_token(Q(digest=secret_digest(secret)))
    if token is None or not secrets_match(token.secret, secret):
        raise TokenRefused("The token is invalid.")
    return token


def _check_usable(token: Token, now: datetime) -> None:
    if not token.is_active or not token.domain.is_active:
        raise TokenUnusable(f"Token {token.name} is inactive.")
    if token.valid_until is not None and token.valid_until <= now:
        raise TokenUnusable(f"Token {token.name} has expired.")
    if token.usecount >= token.use_limit:
        raise TokenUnusable(f"Token {token.name} is used up.")


def _check_rate_limit(remote_addr: str | None, now: datetime) -> None:
    """The audit log is the counter: it is shared by every process and already written."""
    limit = settings.PROVISIONING_RATE_LIMIT
    if not limit or not remote_addr:
        return
    window = settings.PROVISIONING_RATE_LIMIT_WINDOW
    attempts = AuditEvent.objects.filter(
        remote_addr=remote_addr,
        action__in=(ACTION_USE, ACTION_REFUSE),
        at__gte=now - timedelta(seconds=window),
    ).count()
    if attempts >= limit:
        audit_record(actor=None, action=ACTION_RATE_LIMITED, remote_addr=remote_addr)
        raise RateLimited(
            "Too many requests from your address; try again later.", retry_after=window
        )


def _provision(
    *,
    token: Token | None,
    domain: Domain,
    local_part: str | None,
    password: str | None,
    acting_user: Actor,
    remote_addr: str | None,
    now: datetime,
    expiry: str,
) -> ProvisionedAccount:
    password = password or new_password()
    try:
        account = _create_account(
            domain=domain,
            local_part=local_part,
            prefix=token.prefix if token is not None else "",
            password=password,
            acting_user=acting_user,
            expires_at=expiry_deadline(expiry, now),
        )
    except LimitExceeded as exc:
        if token is None:
            raise
        raise TokenUnusable(f"Token {token.name} cannot be used: {exc.reason}") from None
    TokenAccount.objects.create(account=account, token=token, remote_addr=remote_addr)
    detail: dict[str, Any] = {"address": account.address, "expiry": expiry}
    if token is not None:
        Token.objects.filter(pk=token.pk).update(usecount=F("usecount") + 1)
        token.usecount += 1
        detail["usecount"] = token.usecount
    audit_record(
        actor=acting_user,
        action=ACTION_USE if token is not None else "token_account.add",
        target=token.name if token is not None else account.address,
        detail=detail,
        remote_addr=remote_addr,
    )
    return ProvisionedAccount(
        account=account, password=password, expiry=expiry, ttl=expiry_seconds(expiry)
    )


def _create_account(
    *,
    domain: Domain,
    local_part: str | None,
    prefix: str,
    password: str,
    acting_user: Actor,
    expires_at: datetime | None,
) -> Account:
    def create(local: str) -> Account:
        return account_create(
            domain=domain,
            local_part=local,
            password=password,
            acting_user=acting_user,
            expires_at=expires_at,
            created_via=CreatedVia.TOKEN,
        )

    if local_part is not None:
        return create(local_part)
    for _ in range(LOCAL_PART_ATTEMPTS):
        try:
            return create(random_local_part(prefix))
        except Conflict:
            continue  # taken by an account or an alias: draw again
    raise TemporaryFailure("No free address was found; try again.")


# --- existing accounts ----------------------------------------------------------------------


def account_login_code(*, account: Account, acting_user: Actor, password: str | None = None) -> str:
    """A `dclogin:` code for an account. Without `password` a new one is set (and audited)."""
    _require(can_administer_account(acting_user, account), f"log in to {account.address}")
    if password is None:
        password = new_password()
        account_set_password(account=account, password=password, acting_user=acting_user)
    elif not account.password or not passwords.verify_password(password, account.password):
        raise ValidationFailed(f"That is not the password of {account.address}.", field="password")
    return dclogin_url(address=account.address, password=password)


# --- expiry: prune and warnings -------------------------------------------------------------


def _due_for_prune(now: datetime) -> Q:
    due = Q(account__expires_at__lte=now, prune_claimed_at=None)
    grace = settings.PROVISIONING_PRUNE_LOGIN_GRACE
    if grace:
        due &= ~Q(account__last_login_at__gt=now - timedelta(seconds=grace))
    return due


def token_accounts_prune(*, now: datetime | None = None, dry_run: bool = False) -> list[str]:
    """Delete expired token accounts with all their mail; returns the addresses (to be) deleted.

    Each deletion claims its row in its own transaction, so two prune runs never delete the
    same account twice and one failure does not undo the others.
    """
    now = now or timezone.now()
    due = list(
        TokenAccount.objects.filter(_due_for_prune(now))
        .select_related("account__domain")
        .order_by("account__expires_at")
    )
    if dry_run:
        return [record.account.address for record in due]
    pruned: list[str] = []
    for record in due:
        address = record.account.address
        try:
            with transaction.atomic():
                claimed = TokenAccount.objects.filter(_due_for_prune(now), pk=record.pk).update(
                    prune_claimed_at=now
                )
                if claimed:
                    account_delete(account=record.account, acting_user=None)
        except (ServiceError, DatabaseError):
            logger.exception("Pruning %s failed; the next run tries again", address)
            continue
        if claimed:
            pruned.append(address)
    return pruned


def _due_for_warning(now: datetime, warn_before: timedelta) -> Q:
    # Accounts whose whole life is shorter than the warning period get none: a one-day account
    # should not be told on its first hour that it expires.
    return Q(
        warned_at=None,
        account__expires_at__gt=now,
        account__expires_at__lte=now + warn_before,
        account__created_at__lt=F("account__expires_at") - warn_before,
    )


def token_accounts_warn(*, now: datetime | None = None) -> list[str]:
    """Put the expiry warning into the INBOX of accounts that expire soon; once per account."""
    if not settings.PROVISIONING_WARN_BEFORE:
        return []
    now = now or timezone.now()
    due = _due_for_warning(now, timedelta(seconds=settings.PROVISIONING_WARN_BEFORE))
    warned: list[str] = []
    for record in TokenAccount.objects.filter(due).select_related("account__domain"):
        account = record.account
        try:
            with transaction.atomic():
                # The claim and the delivery commit together: a failed delivery is retried.
                if not TokenAccount.objects.filter(due, pk=record.pk).update(warned_at=now):
                    continue
                deliver_to_inbox(account=account, message=expiry_warning_message(account, now))
        except (ServiceError, DatabaseError, OSError):
            logger.exception("Expiry warning to %s failed; the next run tries again", account)
            continue
        warned.append(account.address)
    return warned
