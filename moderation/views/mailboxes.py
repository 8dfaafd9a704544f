"""The owner's pages: their mailboxes with quota use, new mailboxes, aliases, passwords,
deletion requests and exports.

Every mailbox is looked up among the user's own (moderation.selectors.owned_mailbox_get), so a
mailbox of someone else is the same 404 as one that does not exist.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Account, Alias
from accounts.services import owner_alias_limit, owner_mailbox_limit
from mailplatform.errors import Conflict, NotFound, ServiceError
from moderation import selectors, services
from moderation.export import export_filename
from moderation.forms import AliasAddForm, MailboxCreateForm, PasswordChangeForm
from moderation.models import ActionKind, PendingAction
from moderation.views._common import add_service_error, client_ip, web_user


def _owned(request: HttpRequest, address: str) -> Account:
    try:
        return selectors.owned_mailbox_get(user=web_user(request), address=address)
    except NotFound:
        raise Http404(_("No such mailbox.")) from None


def _add_address_error(form: forms.Form, error: ServiceError) -> None:
    """A taken address is the local part's error; anything else the service said, as is."""
    if isinstance(error, Conflict) and error.field == "local_part":
        form.add_error("local_part", _("This address is already taken."))
    else:
        add_service_error(form, error)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = web_user(request)
    rows = selectors.owner_dashboard(user=user)
    open_actions = (
        selectors.pending_actions_visible_to(user)
        .filter(
            account__owner=user,
            kind=ActionKind.DELETION,
            state__in=selectors.OPEN_ACTION_STATES,
        )
        .order_by("due_at")
    )
    limit = owner_mailbox_limit(user)
    return render(
        request,
        "moderation/dashboard.html",
        {
            "rows": rows,
            "open_actions": open_actions,
            "mailbox_limit": limit,
            "may_create": len(rows) < limit
            and selectors.domains_for_new_mailbox(user=user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mailbox_new(request: HttpRequest) -> HttpResponse:
    user = web_user(request)
    domains = selectors.domains_for_new_mailbox(user=user)
    form = MailboxCreateForm(request.POST or None, domains=domains)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.mailbox_create(
                owner=user,
                domain=data["domain"],
                local_part=data["local_part"],
                password=data["password"],
                acting_user=user,
            )
        except ServiceError as error:
            _add_address_error(form, error)
        else:
            messages.success(request, _("Mailbox %(address)s created.") % {"address": account})
            return redirect("moderation:mailbox", address=account.address)
    return render(
        request,
        "moderation/mailbox_new.html",
        {
            "form": form,
            "mailbox_count": selectors.owned_mailboxes(user=user).count(),
            "mailbox_limit": owner_mailbox_limit(user),
            "has_domains": domains.exists(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mailbox_detail(request: HttpRequest, address: str) -> HttpResponse:
    """The mailbox, its aliases, and the form that adds one (POST)."""
    user = web_user(request)
    account = _owned(request, address)
    form = AliasAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            alias = services.mailbox_alias_add(
                account=account, local_part=form.cleaned_data["local_part"], acting_user=user
            )
        except ServiceError as error:
            _add_address_error(form, error)
        else:
            messages.success(request, _("Alias %(address)s added.") % {"address": alias})
            return redirect("moderation:mailbox", address=account.address)
    return render(
        request,
        "moderation/mailbox_detail.html",
        {
            "row": selectors.mailbox_overview(account=account),
            "form": form,
            "alias_limit": owner_alias_limit(account.owner),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def alias_remove(request: HttpRequest, address: str, alias_id: int) -> HttpResponse:
    user = web_user(request)
    account = _owned(request, address)
    alias = Alias.objects.filter(pk=alias_id, targets__account=account).select_related("domain")
    found = alias.first()
    if found is None:
        raise Http404(_("No such alias."))
    try:
        services.mailbox_alias_remove(account=account, alias=found, acting_user=user)
    except ServiceError as error:
        messages.error(request, error.reason)
    else:
        messages.success(request, _("Alias %(address)s removed.") % {"address": found})
    return redirect("moderation:mailbox", address=account.address)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def password_change(request: HttpRequest, address: str) -> HttpResponse:
    user = web_user(request)
    account = _owned(request, address)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.mailbox_password_change(
                account=account,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                acting_user=user,
                remote_addr=client_ip(request),
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("The password of %(address)s was changed. Use the new one in your mail apps.")
                % {"address": account},
            )
            return redirect("moderation:mailbox", address=account.address)
    return render(
        request,
        "moderation/password_change.html",
        {"account": account, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def deletion_request(request: HttpRequest, address: str) -> HttpResponse:
    """GET asks for confirmation; POST disables the mailbox and schedules its deletion."""
    user = web_user(request)
    account = _owned(request, address)
    if request.method == "POST":
        try:
            action = services.deletion_request(account=account, acting_user=user)
        except ServiceError as error:
            messages.error(request, error.reason)
        else:
            messages.success(
                request,
                _("%(address)s is disabled and will be deleted on %(due)s unless you cancel.")
                % {"address": account, "due": _when(action)},
            )
        return redirect("moderation:dashboard")
    return render(
        request,
        "moderation/deletion_confirm.html",
        {
            "row": selectors.mailbox_overview(account=account),
            "grace_hours": max(1, settings.DELETION_GRACE // 3600),
        },
    )


def _when(action: PendingAction) -> str:
    return date_format(localtime(action.due_at), "DATETIME_FORMAT")


@login_required
def export(request: HttpRequest, address: str) -> HttpResponse | StreamingHttpResponse:
    user = web_user(request)
    account = _owned(request, address)
    try:
        archive = services.mailbox_export(account=account, acting_user=user)
    except ServiceError as error:  # an encrypted mailbox (imapd.crypto)
        messages.error(request, error.reason)
        return redirect("moderation:dashboard")
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(account)}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def action_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = web_user(request)
    try:
        action = selectors.pending_action_get(actor=user, pk=pk)
    except NotFound:
        raise Http404(_("No such request.")) from None
    try:
        services.pending_action_cancel(action=action, acting_user=user)
    except ServiceError as error:
        messages.error(request, error.reason)
    else:
        if action.kind == ActionKind.DELETION:
            messages.success(
                request,
                _("Deletion cancelled: %(address)s works again.") % {"address": action.address},
            )
        else:
            messages.success(request, _("Request cancelled."))
    return redirect("moderation:dashboard")
