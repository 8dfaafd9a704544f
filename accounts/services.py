"""The only write path for domains, accounts, aliases and API tokens.

Every interface (admin site, REST API, management commands, Celery, the mail daemon) calls these
functions. They validate, check the actor's rights, write in one transaction and audit.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any, Final, TypeAlias, TypeVar, Union

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import ngettext

from accounts import passwords
from accounts.addresses import (
    normalize_domain,
    normalize_local_part,
    split_address,
    validate_external_address,
)
from accounts.audit import audit_record
from accounts.models import Account, Alias, AliasTarget, ApiToken, CreatedVia, Domain, User
from accounts.permissions import (
    can_administer_account,
    can_manage_domain,
    can_use_account,
    is_superadmin,
)
from accounts.principals import AccountPrincipal, Actor
from imapd.crypto import services as crypto
from imapd.crypto.keys import RecoveryKey
from imapd.store.services import account_store_delete, mailboxes_create_defaults
from mailplatform.errors import Conflict, LimitExceeded, NotFound, NotPermitted, ValidationFailed


class _Unset(Enum):
    UNSET = "UNSET"


UNSET: Final = _Unset.UNSET
T = TypeVar("T")
Maybe: TypeAlias = Union[T, _Unset]  # noqa: UP007 (a generic alias needs Union here)

ROLE_NAMES: Final = frozenset({"admin"})


def _require(allowed: bool, what: str) -> None:
    if not allowed:
        raise NotPermitted(f"You may not {what}.")


# --- domains -------------------------------------------------------------------------------


@transaction.atomic
def domain_create(
    *,
    name: str,
    acting_user: Actor,
    is_active: bool = True,
    max_accounts: int | None = None,
    max_aliases: int | None = None,
    default_quota_bytes: int | None = None,
    registration_open: bool = False,
) -> Domain:
    _require(is_superadmin(acting_user), "create domains")
    normalized = normalize_domain(name)
    if Domain.objects.filter(name=normalized).exists():
        raise Conflict(f"Domain {normalized} already exists.", field="name")
    domain = Domain.objects.create(
        name=normalized,
        is_active=is_active,
        max_accounts=max_accounts,
        max_aliases=max_aliases,
        default_quota_bytes=default_quota_bytes,
        registration_open=registration_open,
    )
    audit_record(actor=acting_user, action="domain.create", target=normalized)
    return domain


@transaction.atomic
def domain_update(
    *,
    domain: Domain,
    acting_user: Actor,
    is_active: Maybe[bool] = UNSET,
    max_accounts: Maybe[int | None] = UNSET,
    max_aliases: Maybe[int | None] = UNSET,
    default_quota_bytes: Maybe[int | None] = UNSET,
    registration_open: Maybe[bool] = UNSET,
) -> Domain:
    # Domain admins may tune their domain's defaults but not its limits or whether it exists.
    limits_changed = any(v is not UNSET for v in (is_active, max_accounts, max_aliases))
    _require(
        is_superadmin(acting_user) if limits_changed else can_manage_domain(acting_user, domain),
        f"change domain {domain.name}",
    )
    changes = _apply(
        domain,
        is_active=is_active,
        max_accounts=max_accounts,
        max_aliases=max_aliases,
        default_quota_bytes=default_quota_bytes,
        registration_open=registration_open,
    )
    if changes:
        domain.save(update_fields=list(changes))
        audit_record(actor=acting_user, action="domain.update", target=domain.name, detail=changes)
    return domain


@transaction.atomic
def domain_delete(*, domain: Domain, acting_user: Actor, force: bool = False) -> None:
    """Delete a domain; with accounts or aliases left it needs `force`, which deletes them."""
    _require(is_superadmin(acting_user), "delete domains")
    count = domain.accounts.count()
    if count and not force:
        raise Conflict(
            f"Domain {domain.name} still has {count} account(s); "
            "delete them first or force the deletion."
        )
    for account in domain.accounts.all():
        account_delete(account=account, acting_user=acting_user)
    name = domain.name
    domain.delete()
    audit_record(actor=acting_user, action="domain.delete", target=name)


def domain_get(*, name: str) -> Domain:
    try:
        return Domain.objects.get(name=normalize_domain(name))
    except Domain.DoesNotExist:
        raise NotFound(f"No domain {name}.") from None


# --- accounts -------------------------------------------------------------------------------


def _validate_roles(roles: Iterable[str]) -> list[str]:
    result = sorted({r.strip().lower() for r in roles if r.strip()})
    unknown = set(result) - ROLE_NAMES
    if unknown:
        raise ValidationFailed(
            f"Unknown role(s): {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(ROLE_NAMES))}.",
            field="roles",
        )
    return result


def _validate_params(params: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key or len(key) > 64:
            raise ValidationFailed(f"Invalid parameter name {key!r}.", field="params")
        out[key] = str(value)
    return out


def _validate_password(password: str) -> str:
    if not password or len(password) > 1024 or "\x00" in password:
        raise ValidationFailed(
            "A password must be 1 to 1024 characters without NUL.", field="password"
        )
    return password


def _validate_quota(limit: int | None, field: str = "quota_bytes") -> int | None:
    if limit is not None and limit < 0:
        raise ValidationFailed("A quota cannot be negative.", field=field)
    return limit


def _default_quota(domain: Domain) -> int | None:
    quota = (
        domain.default_quota_bytes
        if domain.default_quota_bytes is not None
        else settings.DEFAULT_QUOTA_BYTES
    )
    return quota or None


@transaction.atomic
def account_create(
    *,
    domain: Domain,
    local_part: str,
    password: str | None,
    acting_user: Actor,
    quota_bytes: Maybe[int | None] = UNSET,
    quota_messages: int | None = None,
    expires_at: datetime | None = None,
    roles: Iterable[str] = (),
    params: Mapping[str, Any] | None = None,
    owner: User | None = None,
    is_active: bool = True,
    created_via: str = CreatedVia.ADMIN,
    scheme: str | None = None,
) -> Account:
    """Create an account; `password=None` creates one that cannot log in until a password is set."""
    is_domain_admin = can_manage_domain(acting_user, domain)
    if not is_domain_admin:
        # Self-service (moderation app): a plain owner creates mailboxes for themselves, only in
        # the domains granted to them and with the domain's defaults; their limit applies below.
        if not (
            isinstance(acting_user, User)
            and owner in (None, acting_user)
            and _domain_granted(acting_user, domain)
        ):
            raise NotPermitted(f"You may not create accounts in {domain.name}.")
        _require(
            quota_bytes is UNSET and expires_at is None and not params and is_active,
            "set the quota, expiry, parameters or state of an account",
        )
        owner = acting_user
    if owner is not None and (not is_domain_admin or created_via == CreatedVia.SELF_SERVICE):
        _check_mailbox_limit(owner)
    local = normalize_local_part(local_part)
    role_list = _validate_roles(roles)
    if role_list and not is_superadmin(acting_user):
        raise NotPermitted("Only a superadmin may grant roles.")
    # Lock the domain row so that concurrent creations cannot overshoot max_accounts.
    domain = Domain.objects.select_for_update().get(pk=domain.pk)
    if domain.max_accounts is not None and domain.accounts.count() >= domain.max_accounts:
        raise LimitExceeded(
            f"Domain {domain.name} has reached its limit of {domain.max_accounts} accounts."
        )
    if Account.objects.filter(domain=domain, local_part=local).exists():
        raise Conflict(f"Account {local}@{domain.name} already exists.", field="local_part")
    if Alias.objects.filter(domain=domain, local_part=local).exists():
        raise Conflict(f"{local}@{domain.name} is already an alias.", field="local_part")
    account = Account(
        domain=domain,
        local_part=local,
        is_active=is_active,
        quota_bytes=_default_quota(domain)
        if quota_bytes is UNSET
        else _validate_quota(quota_bytes),
        quota_messages=_validate_quota(quota_messages, "quota_messages"),
        expires_at=expires_at,
        roles=role_list,
        params=_validate_params(params or {}),
        owner=owner,
        created_via=created_via,
        created_by=acting_user if isinstance(acting_user, User) else None,
        password=passwords.hash_password(_validate_password(password), scheme)
        if password is not None
        else "",
    )
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise Conflict(
            f"Account {local}@{domain.name} already exists.", field="local_part"
        ) from None
    mailboxes_create_defaults(account=account)
    crypto.account_keys_for_new_account(account=account, password=password, acting_user=acting_user)
    audit_record(
        actor=acting_user,
        action="account.create",
        target=account.address,
        detail={"via": created_via},
    )
    return account


@transaction.atomic
def account_update(
    *,
    account: Account,
    acting_user: Actor,
    is_active: Maybe[bool] = UNSET,
    quota_bytes: Maybe[int | None] = UNSET,
    quota_messages: Maybe[int | None] = UNSET,
    expires_at: Maybe[datetime | None] = UNSET,
    roles: Maybe[Iterable[str]] = UNSET,
    params: Maybe[Mapping[str, Any]] = UNSET,
    owner: Maybe[User | None] = UNSET,
) -> Account:
    _require(can_administer_account(acting_user, account), f"change {account.address}")
    if roles is not UNSET:
        _require(is_superadmin(acting_user), "change roles")
    changes = _apply(
        account,
        is_active=is_active,
        quota_bytes=quota_bytes if quota_bytes is UNSET else _validate_quota(quota_bytes),
        quota_messages=quota_messages
        if quota_messages is UNSET
        else _validate_quota(quota_messages, "quota_messages"),
        expires_at=expires_at,
        roles=roles if roles is UNSET else _validate_roles(roles),
        params=params if params is UNSET else _validate_params(params),
        owner=owner,
    )
    if changes:
        account.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=acting_user, action="account.update", target=account.address, detail=changes
        )
    return account


@transaction.atomic
def account_set_password(
    *,
    account: Account,
    password: str,
    acting_user: Actor,
    scheme: str | None = None,
    old_password: str | None = None,
    recovery_key: RecoveryKey | None = None,
    discard_encrypted_mail: bool = False,
) -> Account:
    """Set a new password. Owners and the account itself may; pymap-admin's rule for tokens.

    An encrypted account's private keys follow in this transaction (imapd.crypto): re-wrapped
    when `old_password` or the operator's `recovery_key` opens them; without either, a reset
    that would make its mail unreadable is refused unless `discard_encrypted_mail` confirms it.
    """
    _require(can_use_account(acting_user, account), f"change the password of {account.address}")
    keys = crypto.account_keys_follow_password(
        account=account,
        new_password=_validate_password(password),
        acting_user=acting_user,
        old_password=old_password,
        recovery_key=recovery_key,
        discard_encrypted_mail=discard_encrypted_mail,
    )
    account.password = passwords.hash_password(password, scheme)
    account.save(update_fields=["password", "updated_at"])
    audit_record(
        actor=acting_user,
        action="account.set_password",
        target=account.address,
        detail={"scheme": passwords.scheme_of(account.password)} | ({"keys": keys} if keys else {}),
    )
    return account


@transaction.atomic
def account_clear_password(*, account: Account, acting_user: Actor) -> Account:
    """Remove the password: the account exists and receives mail but cannot log in."""
    _require(can_administer_account(acting_user, account), f"change {account.address}")
    account.password = ""
    account.save(update_fields=["password", "updated_at"])
    audit_record(actor=acting_user, action="account.clear_password", target=account.address)
    return account


@transaction.atomic
def account_delete(*, account: Account, acting_user: Actor) -> None:
    """The one deletion service: the account, its aliases' targets and (later) all its mail."""
    _require(can_administer_account(acting_user, account), f"delete {account.address}")
    address = account.address
    alias_ids = list(Alias.objects.filter(targets__account=account).values_list("pk", flat=True))
    account_store_delete(account=account)
    account.delete()
    # Aliases left with no destination would swallow mail; remove them with the account.
    Alias.objects.filter(pk__in=alias_ids, targets__isnull=True).delete()
    audit_record(actor=acting_user, action="account.delete", target=address)


def account_get(*, address: str) -> Account:
    local, domain = split_address(address)
    try:
        return Account.objects.select_related("domain").get(local_part=local, domain__name=domain)
    except Account.DoesNotExist:
        raise NotFound(f"No account {address}.") from None


def account_authenticate(
    *, address: str, password: str, now: datetime | None = None
) -> Account | None:
    """The account when the address and password match and it may log in now, else None.

    A successful login with a password stored in an older scheme rehashes it to the default.
    """
    try:
        local, domain = split_address(address)
        account = Account.objects.select_related("domain").get(
            local_part=local, domain__name=domain
        )
    except (ValidationFailed, Account.DoesNotExist):
        # Spend the same time as a real check so the answer does not reveal which addresses exist.
        passwords.verify_password(password, _dummy_hash())
        return None
    if not account.password or not passwords.verify_password(password, account.password):
        return None
    if account.login_refusal(now or timezone.now()) is not None:
        return None
    fields = ["last_login_at"]
    account.last_login_at = timezone.now()
    if passwords.needs_rehash(account.password):
        account.password = passwords.hash_password(password)
        fields.append("password")
    Account.objects.filter(pk=account.pk).update(**{f: getattr(account, f) for f in fields})
    return account


@functools.cache
def _dummy_hash() -> str:
    return passwords.hash_password(secrets.token_urlsafe(16))


# --- aliases --------------------------------------------------------------------------------


def _resolve_targets(targets: Iterable[str]) -> list[tuple[Account | None, str]]:
    """Local addresses become accounts, others stay external; local unknowns are errors."""
    resolved: list[tuple[Account | None, str]] = []
    local_domains = set(Domain.objects.values_list("name", flat=True))
    seen: set[str] = set()
    for raw in targets:
        address = validate_external_address(raw)
        domain = address.rpartition("@")[2]
        if domain in local_domains:
            try:
                account = account_get(address=address)
            except (NotFound, ValidationFailed):
                raise ValidationFailed(
                    f"{address} is not an account on this platform.", field="targets"
                ) from None
            key = account.address
            item: tuple[Account | None, str] = (account, "")
        else:
            key, item = address, (None, address)
        if key not in seen:
            seen.add(key)
            resolved.append(item)
    if not resolved:
        raise ValidationFailed("An alias needs at least one destination.", field="targets")
    return resolved


def _check_alias_targets_allowed(actor: Actor, targets: list[tuple[Account | None, str]]) -> None:
    for account, _external in targets:
        if account is not None:
            _require(can_use_account(actor, account), f"deliver to {account.address}")
        elif not is_superadmin(actor) and isinstance(actor, AccountPrincipal):
            raise NotPermitted("Only administrators may forward to external addresses.")


@transaction.atomic
def alias_create(
    *,
    domain: Domain,
    local_part: str,
    targets: Iterable[str],
    acting_user: Actor,
    is_active: bool = True,
) -> Alias:
    """Create `local_part@domain`; an empty `local_part` is the domain's catch-all."""
    resolved = _resolve_targets(targets)
    local = normalize_local_part(local_part) if local_part.strip() else ""
    if not can_manage_domain(acting_user, domain):
        # Owners may add aliases for their own accounts (self-service), never catch-alls.
        _require(
            bool(local) and all(a is not None for a, _ in resolved),
            f"create aliases in {domain.name}",
        )
    _check_alias_targets_allowed(acting_user, resolved)
    if not can_manage_domain(acting_user, domain):
        _check_alias_limit([a for a, _ext in resolved if a is not None])
    domain = Domain.objects.select_for_update().get(pk=domain.pk)
    if domain.max_aliases is not None and domain.aliases.count() >= domain.max_aliases:
        raise LimitExceeded(
            f"Domain {domain.name} has reached its limit of {domain.max_aliases} aliases."
        )
    if Alias.objects.filter(domain=domain, local_part=local).exists():
        raise Conflict(f"Alias {local}@{domain.name} already exists.", field="local_part")
    if local and Account.objects.filter(domain=domain, local_part=local).exists():
        raise Conflict(f"{local}@{domain.name} is already an account.", field="local_part")
    alias = Alias.objects.create(
        domain=domain,
        local_part=local,
        is_active=is_active,
        created_by=acting_user if isinstance(acting_user, User) else None,
    )
    _set_targets(alias, resolved)
    audit_record(
        actor=acting_user,
        action="alias.create",
        target=alias.address,
        detail={"targets": [str(t) for t in alias.targets.all()]},
    )
    return alias


def _set_targets(alias: Alias, resolved: list[tuple[Account | None, str]]) -> None:
    alias.targets.all().delete()
    AliasTarget.objects.bulk_create(
        AliasTarget(alias=alias, account=account, external_address=external)
        for account, external in resolved
    )


def _can_manage_alias(actor: Actor, alias: Alias) -> bool:
    if can_manage_domain(actor, alias.domain):
        return True
    accounts = [t.account for t in alias.targets.select_related("account__domain")]
    return bool(accounts) and all(a is not None and can_use_account(actor, a) for a in accounts)


@transaction.atomic
def alias_update(
    *,
    alias: Alias,
    acting_user: Actor,
    targets: Maybe[Iterable[str]] = UNSET,
    is_active: Maybe[bool] = UNSET,
) -> Alias:
    _require(_can_manage_alias(acting_user, alias), f"change alias {alias.address}")
    changes = _apply(alias, is_active=is_active)
    if changes:
        alias.save(update_fields=list(changes))
    if targets is not UNSET:
        resolved = _resolve_targets(targets)
        _check_alias_targets_allowed(acting_user, resolved)
        if not can_manage_domain(acting_user, alias.domain):
            current = set(alias.targets.values_list("account_id", flat=True))
            _check_alias_limit([a for a, _ext in resolved if a is not None and a.pk not in current])
        _set_targets(alias, resolved)
        changes["targets"] = [str(t) for t in alias.targets.all()]
    if changes:
        audit_record(actor=acting_user, action="alias.update", target=alias.address, detail=changes)
    return alias


@transaction.atomic
def alias_delete(*, alias: Alias, acting_user: Actor) -> None:
    _require(_can_manage_alias(acting_user, alias), f"delete alias {alias.address}")
    address = alias.address
    alias.delete()
    audit_record(actor=acting_user, action="alias.delete", target=address)


def alias_get(*, address: str) -> Alias:
    local, _, domain = address.strip().lower().rpartition("@")
    try:
        return Alias.objects.select_related("domain").get(
            local_part=local, domain__name=normalize_domain(domain, field="address")
        )
    except Alias.DoesNotExist:
        raise NotFound(f"No alias {address}.") from None


# --- self-service limits (the moderation app's pages, and owners using the API) ------------


def owner_mailbox_limit(owner: User) -> int:
    """How many mailboxes `owner` may have: their own limit, else MAX_MAILBOXES_PER_USER."""
    if owner.max_mailboxes is not None:
        return owner.max_mailboxes
    return int(settings.MAX_MAILBOXES_PER_USER)


def owner_alias_limit(owner: User | None) -> int:
    """How many aliases may deliver to one mailbox of `owner` when the owner adds them."""
    if owner is not None and owner.max_aliases_per_mailbox is not None:
        return owner.max_aliases_per_mailbox
    return int(settings.MAX_ALIASES_PER_MAILBOX)


def _domain_granted(user: User, domain: Domain) -> bool:
    # Grants belong to the moderation app, which builds on this one: import it late.
    from moderation.selectors import domain_is_granted

    return domain_is_granted(user=user, domain=domain)


def _check_mailbox_limit(owner: User) -> None:
    # Lock the owner's row so that concurrent creations cannot overshoot the limit together.
    owner = User.objects.select_for_update().get(pk=owner.pk)
    limit = owner_mailbox_limit(owner)
    if Account.objects.filter(owner=owner).count() >= limit:
        raise LimitExceeded(
            ngettext(
                "You have reached your limit of %(limit)d mailbox.",
                "You have reached your limit of %(limit)d mailboxes.",
                limit,
            )
            % {"limit": limit}
        )


def _check_alias_limit(accounts: list[Account]) -> None:
    """Refuse when an owner's alias would give one of these mailboxes more than its limit."""
    ids = [a.pk for a in accounts]
    # Lock only the account rows (PostgreSQL refuses FOR UPDATE across the nullable owner join).
    list(Account.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    for account in Account.objects.filter(pk__in=ids).select_related("owner", "domain"):
        limit = owner_alias_limit(account.owner)
        if AliasTarget.objects.filter(account=account).count() >= limit:
            raise LimitExceeded(
                ngettext(
                    "%(address)s has reached its limit of %(limit)d alias.",
                    "%(address)s has reached its limit of %(limit)d aliases.",
                    limit,
                )
                % {"address": account.address, "limit": limit}
            )


# --- API tokens -----------------------------------------------------------------------------

TOKEN_PREFIX: Final = "mpt_"  # noqa: S105 (a public marker, not a secret)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    principal: User | Account,
    name: str = "",
    expires_at: datetime | None = None,
    acting_user: Actor = None,
) -> tuple[ApiToken, str]:
    """Create a bearer token; returns the row and the secret, which is shown only this once."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        digest=token_digest(secret),
        prefix=secret[:10],
        name=name[:100],
        user=principal if isinstance(principal, User) else None,
        account=principal if isinstance(principal, Account) else None,
        expires_at=expires_at,
    )
    audit_record(
        actor=acting_user if acting_user is not None else None,
        action="api_token.create",
        target=str(principal),
        detail={
            "prefix": token.prefix,
            "name": name,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return token, secret


def api_token_revoke(*, token: ApiToken, acting_user: Actor) -> None:
    audit_record(
        actor=acting_user,
        action="api_token.revoke",
        target=str(token.user or token.account),
        detail={"prefix": token.prefix},
    )
    token.delete()


# --- helpers --------------------------------------------------------------------------------


def _apply(obj: Any, **values: Any) -> dict[str, Any]:
    """Set the given (non-UNSET) attributes; return those that changed, JSON-friendly."""
    changed: dict[str, Any] = {}
    for name, value in values.items():
        if value is UNSET or getattr(obj, name) == value:
            continue
        setattr(obj, name, value)
        changed[name] = (
            value.isoformat()
            if isinstance(value, datetime)
            else (value.pk if hasattr(value, "pk") else value)
        )
    return changed
