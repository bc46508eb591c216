"""Views of the opinions component, reached through the component registry.

Front office (``web:component_detail``): voting page; ``?view=results`` the map and the
tables; ``?view=moderate`` moderation for moderators; ``?view=export`` the Polis zip.
Back office (``backoffice:component_manage``): settings, seeding, moderation, recompute.
"""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_ratelimit.exceptions import Ratelimited

from parlons.platform.common import ratelimit
from parlons.platform.common.network import client_ip
from parlons.platform.opinions import rules, selectors, services
from parlons.platform.opinions.export import polis_zip
from parlons.platform.opinions.forms import SeedForm, SettingsForm, StatementForm
from parlons.platform.opinions.models import Statement, Vote
from parlons.platform.opinions.presentation import results_context
from parlons.platform.spaces import selectors as space_selectors

COOKIE = "parlons_opinions"
COOKIE_SALT = "parlons.opinions.browser"
COOKIE_MAX_AGE = 365 * 24 * 3600


def _rate(name: str, default: str) -> str:
    limits = getattr(settings, "PARLONS_RATE_LIMITS", {})
    return limits.get(name) or os.environ.get("PARLONS_RATE_" + name.upper(), default)


def _browser_id(request) -> str | None:
    value = request.get_signed_cookie(COOKIE, default=None, salt=COOKIE_SALT)
    return value if value and len(value) <= 64 else None


def _with_cookie(request, response, browser_id: str | None):
    if browser_id and _browser_id(request) != browser_id:
        response.set_signed_cookie(COOKIE, browser_id, salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE,
                                   httponly=True, samesite="Lax",
                                   secure=settings.SESSION_COOKIE_SECURE)
    return response


def attach_browser_votes(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: what this browser did without an account (its signed
    cookie) is attached to the account that just logged in (or signed up and logged in)."""
    browser_id = _browser_id(request) if request is not None else None
    if browser_id:
        services.merge_browser_into_user(browser_id=browser_id, user=user)


def _limited(request, name: str, who: str) -> bool:
    """Count one POST per person (user or browser) and per IP address (one cache round
    trip for both)."""
    return ratelimit.hit([(f"opinions.{name}", who, _rate(f"opinions_{name}", "60/m")),
                          (f"opinions.{name}.ip", client_ip(request),
                           _rate(f"opinions_{name}_ip", "600/m"))])


def component_view(request, component, context):
    component._opinions_actions_now = list(context.get("allowed_actions") or [])
    view = request.GET.get("view", "")
    if view == "results":
        return _results(request, component, context)
    if view == "export":
        return _export(request, component)
    if view == "moderate":
        return _moderate(request, component, context)
    if request.method == "POST":
        return _participate(request, component, context)
    return _voting_page(request, component, context)


def _voting_context(request, component, context, browser_id, *, error: str = "",
                    form=None, participant=None) -> dict:
    participant = participant or selectors.find_participant(component, user=request.user,
                                                            browser_id=browser_id)
    cfg = selectors.component_settings(component)
    can_vote = rules.can_participate(request.user, component, "vote")
    can_submit = cfg["submissions"] and rules.can_participate(request.user, component,
                                                              "submit_statement")
    statement, done, total = selectors.next_statement(component, participant)
    return {**context, "statement": statement if can_vote else None,
            "can_vote": can_vote, "can_submit": can_submit, "settings": cfg,
            "login_needed": rules.needs_login(request.user, component, "vote"),
            "done": done, "total": total, "error": error,
            "qualifications": Vote.Qualification.choices[1:],
            "form": form or StatementForm(),
            "can_view_results": rules.can_view_results(request.user, component),
            "can_moderate": rules.can_moderate(request.user, component),
            "can_export": rules.can_export(request.user, component)}


def _voting_page(request, component, context, *, error: str = "", form=None, status=200,
                 browser_id: str | None = None, participant=None):
    browser_id = browser_id or _browser_id(request)
    ctx = _voting_context(request, component, context, browser_id, error=error, form=form,
                          participant=participant)
    template = ("opinions/_voting.html" if request.htmx and not form
                else "opinions/component.html")
    return render(request, template, ctx, status=status)


def _participate(request, component, context):
    action = request.POST.get("action", "vote")
    if action not in ("vote", "submit_statement"):
        return _voting_page(request, component, context, status=400,
                            error=_("Unknown action."))
    if not rules.can_participate(request.user, component, action):
        if not request.user.is_authenticated:
            return redirect_to_login(request.path)
        raise PermissionDenied
    browser_id = None
    if not request.user.is_authenticated:
        browser_id = _browser_id(request) or secrets.token_urlsafe(24)
    who = f"u{request.user.pk}" if request.user.is_authenticated else f"b{browser_id}"
    if _limited(request, action, who):
        return import_string(settings.RATELIMIT_VIEW)(request, Ratelimited())
    participant = None
    try:
        if action == "vote":
            participant, _vote = services.vote_as(
                actor=request.user, component=component, browser_id=browser_id,
                statement_id=request.POST.get("statement"), value=request.POST.get("value", ""),
                qualification=request.POST.get("qualification", ""))
        else:
            form = StatementForm(request.POST)
            if not form.is_valid():
                return _voting_page(request, component, context, form=form, status=400,
                                    browser_id=browser_id)
            services.submit_as(actor=request.user, component=component, browser_id=browser_id,
                               text=form.cleaned_data["text"])
            messages.success(request, _("Thank you: your statement will be shown once a "
                                        "moderator has read it."))
    except services.OpinionsError as exc:
        return _voting_page(request, component, context, error=str(exc), status=400,
                            browser_id=browser_id)
    if request.htmx and action == "vote":
        response = _voting_page(request, component, context, browser_id=browser_id,
                                participant=participant)
    else:
        response = redirect(request.path)
    return _with_cookie(request, response, browser_id)


def _results(request, component, context):
    if not rules.can_view_results(request.user, component):
        raise PermissionDenied
    ctx = {**context, **results_context(component),
           "can_export": rules.can_export(request.user, component),
           "can_moderate": rules.can_moderate(request.user, component)}
    return render(request, "opinions/results.html", ctx)


def _export(request, component):
    if not rules.can_export(request.user, component):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    response = HttpResponse(polis_zip(component), content_type="application/zip")
    response["Content-Disposition"] = (f'attachment; filename="opinions-{component.pk}'
                                       '-polis.zip"')
    return response


def _moderation_post(request, component) -> str | None:
    """Handle the moderation and recompute buttons; returns an error message or None."""
    action = request.POST.get("action", "")
    try:
        if action in ("accept", "reject"):
            services.moderate_statement(actor=request.user, component=component,
                                        statement_id=request.POST.get("statement"),
                                        accept=action == "accept")
            messages.success(request, _("The statement was accepted.") if action == "accept"
                             else _("The statement was rejected."))
        elif action == "recompute":
            services.request_recompute(actor=request.user, component=component)
            messages.success(request, _("The map is being recomputed."))
        else:
            return _("Unknown action.")
    except services.OpinionsError as exc:
        return str(exc)
    return None


def _moderation_context(component) -> dict:
    return {"pending": list(selectors.pending_statements(component)),
            "statements": list(selectors.statements_with_counts(component)),
            "map": selectors.opinion_map(component)}


def _moderate(request, component, context):
    if not rules.can_moderate(request.user, component):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        error = _moderation_post(request, component) or ""
        if not error:
            return redirect(request.get_full_path())
    return render(request, "opinions/moderate.html",
                  {**context, **_moderation_context(component), "error": error},
                  status=400 if error else 200)


def manage_component(request, component, context):
    """Back office: settings, seeded statements, moderation, recompute."""
    cfg = selectors.component_settings(component)
    settings_form = SettingsForm(request.POST if request.POST.get("action") == "settings"
                                 else None, initial=cfg, prefix="settings")
    seed_form = SeedForm(request.POST if request.POST.get("action") == "seed" else None,
                         prefix="seed")
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "settings" and settings_form.is_valid():
            services.update_settings(actor=request.user, component=component,
                                     **settings_form.cleaned_data)
            messages.success(request, _("The settings were saved."))
            return redirect(request.path)
        if action == "seed" and seed_form.is_valid():
            try:
                services.seed_statement(actor=request.user, component=component,
                                        text=seed_form.cleaned_data["text"],
                                        is_meta=seed_form.cleaned_data["is_meta"])
            except services.OpinionsError as exc:
                error = str(exc)
            else:
                messages.success(request, _("The statement was added."))
                return redirect(request.path)
        elif action not in ("settings", "seed"):
            error = _moderation_post(request, component) or ""
            if not error:
                return redirect(request.path)
    return render(request, "opinions/manage.html",
                  {**context, **_moderation_context(component), "settings_form": settings_form,
                   "seed_form": seed_form, "error": error},
                  status=400 if request.method == "POST" else 200)  # a valid POST redirected


def search_component(components, query: str, *, limit: int | None = None) -> list:
    """Opinions components whose title or an accepted statement contains ``query``: at most
    ``limit`` (no bound when ``None``), with one query that stops there."""
    candidates = [c for c in components if c.kind == "opinions"]
    by_title = {c.pk for c in candidates if query.lower() in c.title.lower()}
    statements = Statement.objects.filter(component=OuterRef("pk"),
                                          state=Statement.State.ACCEPTED, text__icontains=query)
    by_statement = {c.pk for c in space_selectors.components_having(
        [c for c in candidates if c.pk not in by_title], statements, limit)}
    return [c for c in candidates if c.pk in by_title or c.pk in by_statement][:limit]
