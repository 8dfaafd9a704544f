"""Reads of tokens and token accounts, scoped to what the actor administers.

A token outside the actor's domains gives the same NotFound as one that does not exist.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Account
from accounts.permissions import domains_managed_by
from accounts.principals import Actor
from mailplatform.errors import NotFound
from provisioning.models import Token, TokenAccount


def tokens_visible_to(actor: Actor) -> QuerySet[Token]:
    return Token.objects.filter(domain__in=domains_managed_by(actor)).select_related("domain")


def token_get_for_actor(*, name: str, actor: Actor) -> Token:
    token = tokens_visible_to(actor).filter(name=name.strip()).first()
    if token is None:
        raise NotFound(f"No token {name}.", field="token")
    return token


def token_accounts_visible_to(
    actor: Actor, *, token: Token | None = None
) -> QuerySet[TokenAccount]:
    accounts = TokenAccount.objects.filter(
        account__domain__in=domains_managed_by(actor)
    ).select_related("account__domain", "token")
    return accounts if token is None else accounts.filter(token=token)


def token_account_get_for_actor(*, account: Account, actor: Actor) -> TokenAccount:
    """The provisioning record of `account`; NotFound when it has none or is not the actor's."""
    record = token_accounts_visible_to(actor).filter(account=account).first()
    if record is None:
        raise NotFound(f"{account.address} is not an account created by a token.", field="address")
    return record
