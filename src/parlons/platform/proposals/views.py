"""Views of the proposals component: thin, over selectors, services and rules.

Every object is fetched inside ``request.organisation`` (a foreign id is a 404). Forms post and
redirect, so everything works without JavaScript; htmx requests get the fragment back.
"""

from __future__ import annotations

import datetime as dt
import secrets
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from parlons.platform.organisations.models import Area, Theme
from parlons.platform.proposals import rules, selectors, services
from parlons.platform.proposals.forms import (
    AgentProposalForm,
    AnswerForm,
    AssignForm,
    CommentEditForm,
    CommentForm,
    ComponentSettingsForm,
    CustomStateForm,
    NoteForm,
    ProposalForm,
    ReasonForm,
    ReportForm,
)
from parlons.platform.proposals.models import Channel, Comment, Proposal
from parlons.platform.proposals.places import render_places
from parlons.platform.proposals.thread import ThreadOptions, render_thread
from parlons.platform.spaces import registry as space_registry
from parlons.platform.spaces import rules as space_rules
from parlons.platform.spaces import selectors as space_selectors

SEED_KEY = "proposals_seed"


def _errors_to_messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _context(request, component) -> dict:
    space = component.space
    if not space_rules.can_view_component(request.user, component):
        raise Http404
    current = space_selectors.current_phase(space)
    actions = space_selectors.allowed_actions(component, current)
    return {"space": space, "component": component, "current_phase": current,
            "allowed_actions": actions,
            "can": {name: rules.can_act(request.user, component, name)
                    for name in ("create", "comment", "support")},
            "is_staff": rules.is_staff_of(request.user, space),
            "can_moderate": rules.can_moderate(request.user, space),
            "can_evaluate": rules.can_evaluate(request.user, space),
            "can_agent": rules.can_create_for_citizen(request.user, component)}


def with_component(view):
    @wraps(view)
    def wrapper(request, component_id, *args, **kwargs):
        component = selectors.get_component(request.organisation, component_id)
        return view(request, component, _context(request, component), *args, **kwargs)

    return wrapper


def with_proposal(view):
    @wraps(view)
    def wrapper(request, component_id, pk, *args, **kwargs):
        proposal = selectors.get_proposal(request.organisation, component_id, pk)
        context = _context(request, proposal.component)
        if not rules.can_view_proposal(request.user, proposal):
            raise Http404
        context["proposal"] = proposal
        return view(request, proposal, context, *args, **kwargs)

    return wrapper


def _detail(proposal: Proposal, anchor: str = "") -> str:
    url = reverse("proposals:detail", args=[proposal.component_id, proposal.pk])
    return f"{url}#{anchor}" if anchor else url


# ----------------------------------------------------------------------------- list


def component_view(request, component, context):
    """The list (called by ``web.views.component_detail`` through the registry)."""
    if request.method != "GET":
        raise PermissionDenied
    filters = selectors.ListFilters.from_params(request.GET)
    seed = 0
    if filters.sort == "random":
        seed = request.session.get(SEED_KEY)
        if not isinstance(seed, int):
            seed = secrets.randbelow(2**31)
            request.session[SEED_KEY] = seed
    page = selectors.proposal_page(component, filters, request.user, seed)
    org = request.organisation
    context.update({
        "filters": filters, "page": page.page,
        "rows": _list_lines(component, page.page.object_list, page.supported_ids),
        "you_support": _("You support it"),
        "themes": list(Theme.objects.filter(organisation=org)),
        "areas": list(Area.objects.filter(organisation=org)),
        "sorts": [("recent", _("most recent")), ("supported", _("most supported")),
                  ("commented", _("most commented")), ("random", _("random"))],
        "states": [("evaluating", _("under review")), ("accepted", _("accepted")),
                   ("rejected", _("not accepted")), ("not_answered", _("not answered yet")),
                   ("withdrawn", _("withdrawn"))],
        "channels": [("online", _("online")), ("paper", _("paper form")),
                     ("stand", _("stand")), ("workshop", _("workshop")), ("phone", _("phone"))],
        "query_string": _query_without_page(request),
        "conf": services.settings_of(component),
        "can": {name: rules.can_act(request.user, component, name)
                for name in ("create", "comment", "support")},
        "can_agent": rules.can_create_for_citizen(request.user, component),
    })
    return render(request, "proposals/list.html", context)


def _list_lines(component, rows: list[selectors.ListRow], supported: set[int]) -> list[dict]:
    """What each line of the list prints, ready made: the template does no work per line."""
    prefix = reverse("proposals:detail", args=[component.pk, 0]).removesuffix("0/")
    channels = dict(Channel.choices)
    withdrawn = _("withdrawn")
    lines = []
    for row in rows:
        meta = [row.author_name, row.area, row.theme,
                str(channels.get(row.channel, "")) if row.channel != Channel.ONLINE else None]
        lines.append({
            "url": f"{prefix}{row.pk}/", "title": row.title,
            "meta": " · ".join(part for part in meta if part),
            "supports": ngettext("%(counter)s support", "%(counter)s supports",
                                 row.support_count) % {"counter": row.support_count},
            "comments": ngettext("%(counter)s comment", "%(counter)s comments",
                                 row.comment_count) % {"counter": row.comment_count},
            "state": withdrawn if row.state == Proposal.State.WITHDRAWN else row.answer_label,
            "supported": row.pk in supported})
    return lines


@require_GET
@with_component
def proposals_map(request, component, context):
    """The proposals with a map point: a Leaflet map (JavaScript) over the accessible list of
    places, which is all there is without JavaScript or without a tile server."""
    filters = selectors.ListFilters.from_params(request.GET)
    seed = request.session.get(SEED_KEY, 0) if filters.sort == "random" else 0
    found = selectors.map_points(component, filters, seed if isinstance(seed, int) else 0)
    prefix = reverse("proposals:detail", args=[component.pk, 0]).removesuffix("0/")
    for point in found.points:
        point["url"] = f"{prefix}{point['id']}/"
    context.update({"points": found.points, "truncated": found.truncated,
                    "limit": selectors.MAP_LIMIT,
                    "map": _map_settings(component, found.points[0] if found.points else None),
                    "places_html": render_places(found.points),
                    "list_url": reverse("web:component_detail",
                                        args=[component.space.slug, component.pk]),
                    "query_string": _query_without_page(request)})
    return render(request, "proposals/map.html", context)


def _map_settings(component, first_point: dict | None = None) -> dict:
    """Tiles, attribution and initial view (around ``first_point``, else the component's
    points) of a map."""
    from django.conf import settings

    if first_point is not None:
        lat, lon, zoom = first_point["lat"], first_point["lon"], 14
    else:
        lat, lon, zoom = selectors.map_view(component)
    return {"tiles": settings.PARLONS_MAP_TILES_URL,
            "attribution": settings.PARLONS_MAP_ATTRIBUTION,
            "center": f"{lat:.6f},{lon:.6f}", "zoom": zoom}


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def search_component(components, query: str, *, limit: int | None = None) -> list:
    """Proposals components among ``components`` with a public proposal matching ``query``
    (site search): one query that stops at ``limit`` components (no bound when ``None``)."""
    candidates = [c for c in components if c.kind == "proposals"]
    # the same "public" and the same matching as the list of the component, per component
    proposals = selectors.search(selectors.public_proposals(OuterRef("pk")), query)
    return space_selectors.components_having(candidates, proposals, limit)


# ----------------------------------------------------------------------------- detail


@require_GET
@with_proposal
def detail(request, proposal, context):
    thread = selectors.comment_thread(proposal, request.user, staff=context["is_staff"])
    reply_to = None
    reply = request.GET.get("reply", "")
    if reply.isdigit() and len(reply) < 12:
        reply_to = next((c for c in thread.comments if c.pk == int(reply) and c.is_visible),
                        None)
    comment_form = CommentForm(initial={"parent": reply_to.pk} if reply_to else None)
    prefix = reverse("proposals:comment_report", args=[proposal.component_id, 0])
    thread_html = render_thread(thread.comments, ThreadOptions(
        user_id=request.user.pk, is_staff=context["is_staff"],
        can_vote=context["can"]["comment"], can_moderate=context["can_moderate"],
        comment_prefix=prefix.removesuffix("0/signaler/"), my_votes=thread.my_votes,
        edit_window_minutes=services.settings_of(proposal.component).comment_edit_window_minutes))
    supported, following = selectors.visitor_state(proposal, request.user)
    context.update({
        "user_id": request.user.pk, "reply_to": reply_to, "thread_html": thread_html,
        "answer": selectors.published_answer(proposal),
        "attachments": list(proposal.attachments.all()),
        "versions": list(proposal.versions.select_related("edited_by")),
        "comments": thread.comments, "my_votes": thread.my_votes,
        "supported": supported, "following": following,
        "comment_form": comment_form,
        "report_form": ReportForm(),
        "can_edit": rules.can_edit_proposal(request.user, proposal),
        "can_withdraw": rules.can_withdraw_proposal(request.user, proposal),
        "conf": services.settings_of(proposal.component),
    })
    return render(request, "proposals/detail.html", context)


# ----------------------------------------------------------------------------- create / edit


@login_required
@with_component
def create(request, component, context):
    if not context["can"]["create"]:
        raise PermissionDenied
    form = ProposalForm(request.POST or None, request.FILES or None,
                        organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                proposal = services.create_proposal(actor=request.user, component=component,
                                                    **_proposal_fields(form))
                _maybe_attach(request, proposal, form)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect("proposals:publish", component.pk, proposal.pk)
    context["form"] = form
    context["map"] = _map_settings(component)
    return render(request, "proposals/form.html", context)


def _proposal_fields(form) -> dict:
    data = form.cleaned_data
    return {name: data.get(name) for name in ("title", "body", "theme", "area", "address",
                                              "latitude", "longitude")} | {
        "address": data.get("address") or ""}


def _maybe_attach(request, proposal, form) -> None:
    upload = form.cleaned_data.get("attachment")
    if upload:
        try:
            services.add_attachment(actor=request.user, proposal=proposal, upload=upload)
        except ValidationError as error:
            raise ValidationError({"attachment": error.messages}) from None


@login_required
@with_proposal
def edit(request, proposal, context):
    if not rules.can_edit_proposal(request.user, proposal):
        raise PermissionDenied
    initial = {"title": proposal.title, "body": proposal.body, "theme": proposal.theme,
               "area": proposal.area, "address": proposal.address,
               "latitude": proposal.latitude, "longitude": proposal.longitude}
    form = ProposalForm(request.POST or None, request.FILES or None, initial=initial,
                        organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.update_proposal(actor=request.user, proposal=proposal,
                                         **_proposal_fields(form))
                _maybe_attach(request, proposal, form)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The proposal was saved."))
            if proposal.state == Proposal.State.DRAFT:
                return redirect("proposals:publish", proposal.component_id, proposal.pk)
            return redirect(_detail(proposal))
    context["form"] = form
    context["map"] = _map_settings(proposal.component)
    return render(request, "proposals/form.html", context)


@login_required
@with_proposal
def publish(request, proposal, context):
    """The "similar proposals" step: support an existing one, or publish."""
    if proposal.author_id != request.user.pk or proposal.state != Proposal.State.DRAFT:
        raise PermissionDenied
    if request.method == "POST":
        try:
            proposal = services.publish_proposal(actor=request.user, proposal=proposal)
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            if proposal.state == Proposal.State.PENDING:
                messages.success(request, _("Thank you! Your proposal will be public once a "
                                            "moderator has approved it."))
            else:
                messages.success(request, _("Your proposal is published."))
            return redirect(_detail(proposal))
    context["similar"] = selectors.similar_proposals(proposal.component, proposal.title,
                                                     proposal.body, exclude=proposal.pk)
    return render(request, "proposals/publish.html", context)


@require_POST
@login_required
@with_proposal
def withdraw(request, proposal, context):
    services.withdraw_proposal(actor=request.user, proposal=proposal)
    messages.success(request, _("The proposal was withdrawn."))
    return redirect(_detail(proposal))


@login_required
@with_component
def create_for_citizen(request, component, context):
    if not context["can_agent"]:
        raise PermissionDenied
    form = AgentProposalForm(request.POST or None, request.FILES or None,
                             organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                proposal = services.create_proposal(
                    actor=request.user, component=component, on_behalf_of=form.citizen,
                    channel=form.cleaned_data["channel"], **_proposal_fields(form))
                _maybe_attach(request, proposal, form)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The proposal was entered for the citizen."))
            return redirect(_detail(proposal))
    context["form"] = form
    context["agent"] = True
    context["map"] = _map_settings(component)
    return render(request, "proposals/form.html", context)


# ----------------------------------------------------------------------------- supports, follows


@require_POST
@login_required
@with_proposal
def toggle_support(request, proposal, context):
    try:
        if selectors.is_supported_by(proposal, request.user):
            proposal = services.unsupport(actor=request.user, proposal=proposal)
        else:
            proposal = services.support(actor=request.user, proposal=proposal)
    except ValidationError as error:
        _errors_to_messages(request, error)
    if request.htmx:
        context.update({"proposal": proposal, "conf": services.settings_of(proposal.component),
                        "supported": selectors.is_supported_by(proposal, request.user)})
        return render(request, "proposals/_support.html", context)
    return redirect(_detail(proposal, "support"))


@require_POST
@login_required
@with_proposal
def toggle_follow(request, proposal, context):
    following = services.toggle_follow(actor=request.user, proposal=proposal)
    messages.success(request, _("You follow this proposal.") if following
                     else _("You no longer follow this proposal."))
    return redirect(_detail(proposal))


def _follow_message(following: bool) -> str:
    return (_("You follow this process: you will be told when a new phase starts.") if following
            else _("You no longer follow this process."))


def follow_panel(request, space) -> space_registry.PanelContent | None:
    """The "Follow this process" panel of the process page (processes with phases only)."""
    if not space.has_phases:
        return None
    following = selectors.is_following(request.user, space=space)
    return space_registry.PanelContent("proposals/_follow_space.html",
                                       {"following": following})


@require_POST
@login_required
def follow_space(request, slug):
    """Follow a process (or any space one can see): its new phases are notified. An htmx
    request gets the button back (and the message for the status region) instead of a
    redirect."""
    space = space_selectors.get_space(request.organisation, slug)
    if not space_rules.can_view_space(request.user, space):
        raise Http404
    following = services.follow_space(actor=request.user, space=space)
    if request.htmx:
        return render(request, "proposals/_follow_space_form.html",
                      {"space": space, "following": following,
                       "follow_message": _follow_message(following)})
    messages.success(request, _follow_message(following))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("web:space_detail", args=[space.slug])
    return redirect(back)


# ----------------------------------------------------------------------------- comments


@require_POST
@login_required
@with_proposal
def comment(request, proposal, context):
    form = CommentForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_detail(proposal, "comments"))
    parent = None
    if form.cleaned_data.get("parent"):
        parent = get_object_or_404(Comment, proposal=proposal, pk=form.cleaned_data["parent"])
    try:
        created = services.add_comment(actor=request.user, proposal=proposal,
                                       body=form.cleaned_data["body"],
                                       alignment=form.cleaned_data["alignment"], parent=parent)
    except ValidationError as error:
        _errors_to_messages(request, error)
        return redirect(_detail(proposal, "comments"))
    if not created.is_approved:
        messages.success(request, _("Thank you! Your comment will be public once approved."))
    return redirect(_detail(proposal, f"comment-{created.pk}"))


def _comment(request, component_id, comment_id) -> Comment:
    comment = get_object_or_404(
        Comment.objects.select_related("proposal__component__space__organisation"),
        proposal__component__space__organisation=request.organisation,
        proposal__component_id=component_id, pk=comment_id)
    if not rules.can_view_proposal(request.user, comment.proposal):
        raise Http404
    return comment


@require_POST
@login_required
@with_proposal
def comment_vote(request, proposal, context):
    """One form for the whole thread: the button says ``<comment id>:up`` or ``:down``."""
    pk, _sep, direction = request.POST.get("vote", "").partition(":")
    if not pk.isdigit() or direction not in ("up", "down"):
        raise Http404
    comment = get_object_or_404(Comment, proposal=proposal, pk=pk)
    services.vote_comment(actor=request.user, comment=comment,
                          value=1 if direction == "up" else -1)
    return redirect(_detail(proposal, f"comment-{comment.pk}"))


@require_POST
@login_required
@with_proposal
def comment_delete(request, proposal, context):
    pk = request.POST.get("comment", "")
    if not pk.isdigit():
        raise Http404
    comment = get_object_or_404(Comment, proposal=proposal, pk=pk)
    services.delete_comment(actor=request.user, comment=comment)
    messages.success(request, _("Your comment was deleted."))
    return redirect(_detail(proposal, f"comment-{comment.pk}"))


@login_required
def comment_edit(request, component_id, comment_id):
    """The author rewrites their comment during the edit window (setting of the component)."""
    comment = _comment(request, component_id, comment_id)
    proposal = comment.proposal
    window = services.settings_of(proposal.component).comment_edit_window_minutes
    if not rules.can_edit_comment(request.user, comment, window):
        if comment.author_id == request.user.pk and not comment.is_deleted:
            messages.error(request, _("This comment can no longer be edited."))
            return redirect(_detail(proposal, f"comment-{comment.pk}"))
        raise PermissionDenied
    form = CommentEditForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            edited = services.edit_comment(actor=request.user, comment=comment,
                                           body=form.cleaned_data["body"])
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Your comment was saved.") if edited.is_approved else
                             _("Your comment was saved; it will be public again once a "
                               "moderator has approved it."))
            return redirect(_detail(proposal, f"comment-{comment.pk}"))
    context = _context(request, proposal.component)
    context.update({"proposal": proposal, "edited_comment": comment, "form": form,
                    "editable_until": comment.created_at + dt.timedelta(minutes=window)})
    return render(request, "proposals/comment_edit.html", context)


# ----------------------------------------------------------------------------- reports


@login_required
@with_proposal
def report_proposal(request, proposal, context):
    return _report(request, context, {"proposal": proposal}, _detail(proposal))


@login_required
def report_comment(request, component_id, comment_id):
    comment = _comment(request, component_id, comment_id)
    context = _context(request, comment.proposal.component)
    context.update({"proposal": comment.proposal, "reported_comment": comment})
    return _report(request, context, {"comment": comment}, _detail(comment.proposal))


@login_required
def report_user(request, user_id):
    person = get_object_or_404(get_user_model(), pk=user_id, is_active=True)
    context = {"reported_user": person}
    return _report(request, context, {"reported_user": person,
                                      "organisation": request.organisation},
                   reverse("web:home"))


def _report(request, context, target: dict, back: str):
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report(actor=request.user, reason=form.cleaned_data["reason"],
                            details=form.cleaned_data["details"], **target)
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(request, _("Thank you: the moderators will look at your report."))
            proposal = target.get("proposal")
            if proposal is not None:
                proposal.refresh_from_db(fields=["state"])
                if not rules.can_view_proposal(request.user, proposal):
                    # this report hid it: back to the list rather than to a 404
                    back = reverse("web:component_detail",
                                   args=[proposal.component.space.slug, proposal.component_id])
        return redirect(back)
    context.update({"form": form, "back": back})
    return render(request, "proposals/report.html", context)


# ----------------------------------------------------------------------------- staff


def staff_only(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapper


@staff_only
@with_component
def manage(request, component, context):
    """Answers of the component: state, assignment, batch publication (evaluators)."""
    if not context["can_evaluate"]:
        raise PermissionDenied
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("proposal") if i.isdigit()]
        count = services.publish_answers(actor=request.user, component=component,
                                         proposal_ids=ids)
        messages.success(request, _("%(count)d answers were published.") % {"count": count})
        return redirect("proposals:manage", component.pk)
    proposals = list(Proposal.objects.filter(component=component)
                     .exclude(state=Proposal.State.DRAFT)
                     .select_related("author", "answer__custom_state", "area", "theme")
                     .order_by("-support_count", "-pk")[:500])
    context["proposals"] = proposals
    return render(request, "proposals/manage.html", context)


@staff_only
@with_proposal
def answer(request, proposal, context):
    if not context["can_evaluate"]:
        raise PermissionDenied
    space = proposal.component.space
    existing = getattr(proposal, "answer", None)
    initial = ({"state": existing.state, "custom_state": existing.custom_state,
                "text": existing.text, "cost": existing.cost} if existing else {})
    form = AnswerForm(request.POST if request.POST.get("form") == "answer" else None,
                      initial=initial, space=space)
    note_form = NoteForm(request.POST if request.POST.get("form") == "note" else None)
    assign_form = AssignForm(request.POST if request.POST.get("form") == "assign" else None)
    try:
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            services.answer_proposal(actor=request.user, proposal=proposal, state=data["state"],
                                     text=data["text"], cost=data["cost"],
                                     custom_state=data["custom_state"], publish=data["publish"])
            messages.success(request, _("The answer was saved."))
            return redirect("proposals:answer", proposal.component_id, proposal.pk)
        if note_form.is_bound and note_form.is_valid():
            services.add_staff_note(actor=request.user, proposal=proposal,
                                    body=note_form.cleaned_data["body"])
            return redirect("proposals:answer", proposal.component_id, proposal.pk)
        if assign_form.is_bound and assign_form.is_valid():
            evaluator = get_user_model().objects.filter(
                email=assign_form.cleaned_data["evaluator_email"].lower()).first()
            if evaluator is None:
                raise ValidationError(_("No account has this e-mail address."))
            services.assign_evaluator(actor=request.user, proposal=proposal, evaluator=evaluator)
            return redirect("proposals:answer", proposal.component_id, proposal.pk)
    except ValidationError as error:
        _errors_to_messages(request, error)
    context.update({"form": form, "note_form": note_form, "assign_form": assign_form,
                    "notes": list(proposal.staff_notes.select_related("author")),
                    "assignments": list(proposal.assignments.select_related("evaluator"))})
    return render(request, "proposals/answer.html", context)


@require_POST
@staff_only
@with_proposal
def moderate_proposal(request, proposal, context):
    action = request.POST.get("action")
    try:
        if action == "hide":
            services.hide_proposal(actor=request.user, proposal=proposal,
                                   reason=request.POST.get("reason", ""))
        elif action == "unhide":
            services.unhide_proposal(actor=request.user, proposal=proposal,
                                     reason=request.POST.get("reason", ""))
        elif action == "approve":
            services.approve_proposal(actor=request.user, proposal=proposal)
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, _("Done."))
    return redirect(request.POST.get("next") == "queue" and reverse("proposals:queue")
                    or _detail(proposal))


@staff_only
def moderate_comment(request, component_id, comment_id):
    comment = _comment(request, component_id, comment_id)
    if request.method != "POST":
        if not rules.can_moderate(request.user, comment.proposal.component.space):
            raise PermissionDenied
        context = _context(request, comment.proposal.component)
        context.update({"proposal": comment.proposal, "moderated": comment,
                        "form": ReasonForm()})
        return render(request, "proposals/moderate_comment.html", context)
    action = request.POST.get("action")
    try:
        if action == "hide":
            services.hide_comment(actor=request.user, comment=comment,
                                  reason=request.POST.get("reason", ""))
        elif action == "unhide":
            services.unhide_comment(actor=request.user, comment=comment)
        elif action == "approve":
            services.approve_comment(actor=request.user, comment=comment)
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, _("Done."))
    return redirect(request.POST.get("next") == "queue" and reverse("proposals:queue")
                    or _detail(comment.proposal, f"comment-{comment.pk}"))


def _moderates_organisation(user, organisation) -> bool:
    return services._can_moderate_organisation(user, organisation)


@staff_only
def queue(request):
    """Moderation queue of the organisation, or of one space with ``?space=slug``."""
    org = request.organisation
    space = None
    if request.GET.get("space"):
        space = space_selectors.get_space(org, request.GET["space"])
        if not rules.can_moderate(request.user, space):
            raise PermissionDenied
    elif not _moderates_organisation(request.user, org):
        raise PermissionDenied
    from parlons.platform.proposals.models import ModerationLog, UserBlock

    log = ModerationLog.objects.filter(organisation=org)
    if space is not None:
        log = log.filter(space=space)
    context = selectors.moderation_queue(org, space)
    context.update({"queue_space": space, "reason_form": ReasonForm(),
                    "log": list(log.select_related("actor")[:50]),
                    "blocks": list(UserBlock.objects.filter(organisation=org,
                                                            lifted_at__isnull=True)
                                   .select_related("user")) if space is None else []})
    return render(request, "proposals/queue.html", context)


@require_POST
@staff_only
def block(request, user_id):
    person = get_object_or_404(get_user_model(), pk=user_id)
    try:
        if request.POST.get("action") == "unblock":
            services.unblock_user(actor=request.user, organisation=request.organisation,
                                  user=person, reason=request.POST.get("reason", ""))
        else:
            services.block_user(actor=request.user, organisation=request.organisation,
                                user=person, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        _errors_to_messages(request, error)
    else:
        messages.success(request, _("Done."))
    return redirect("proposals:queue")


def manage_component(request, component, context):
    """Back-office settings of the component (space admins, through the registry)."""
    initial = services.settings_of(component).__dict__
    form = ComponentSettingsForm(request.POST if request.POST.get("form") == "settings" else None,
                                 initial=initial)
    state_form = CustomStateForm(request.POST if request.POST.get("form") == "state" else None)
    if form.is_bound and form.is_valid():
        services.update_component_settings(actor=request.user, component=component,
                                           values=form.cleaned_data)
        messages.success(request, _("The settings were saved."))
        return redirect(request.path)
    if state_form.is_bound and state_form.is_valid():
        services.add_custom_state(actor=request.user, space=component.space,
                                  name=state_form.cleaned_data["name"])
        return redirect(request.path)
    context.update({"form": form, "state_form": state_form,
                    "states": list(component.space.answer_states.all())})
    return render(request, "proposals/manage_component.html", context)


# ----------------------------------------------------------------------------- notifications


@login_required
def notifications(request):
    from parlons.platform.proposals.forms import NotificationSettingsForm
    from parlons.platform.proposals.models import Notification

    form = NotificationSettingsForm(request.POST or None, initial={
        "email_frequency": services.frequency_of(request.user)})
    if request.method == "POST" and form.is_valid():
        services.set_frequency(user=request.user,
                               frequency=form.cleaned_data["email_frequency"])
        messages.success(request, _("Your settings were saved."))
        return redirect("proposals:notifications")
    items = list(Notification.objects.filter(user=request.user,
                                             organisation=request.organisation)[:100])
    Notification.objects.filter(pk__in=[n.pk for n in items if n.read_at is None]).update(
        read_at=timezone.now())
    return render(request, "proposals/notifications.html", {"form": form, "items": items})


@csrf_exempt  # the signed token is the credential (RFC 8058 one-click POST)
def unsubscribe(request, token):
    """One click, no login: the signed token names the person."""
    from django.core import signing

    from parlons.platform.proposals.tasks import UNSUBSCRIBE_SALT

    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)["u"]
    except (signing.BadSignature, KeyError, TypeError):
        raise Http404 from None
    person = get_object_or_404(get_user_model(), pk=user_id)
    if request.method == "POST":
        services.set_frequency(user=person, frequency="never")
        return render(request, "proposals/unsubscribed.html", {"done": True})
    return render(request, "proposals/unsubscribed.html", {"done": False, "token": token})


# ----------------------------------------------------------------------------- exports, open data

EXPORT_TYPES = {"csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "json": "application/json"}


@staff_only
@with_component
def export(request, component, context, kind, fmt):
    from django.http import HttpResponse

    from parlons.platform.proposals import exports

    if not rules.can_export(request.user, component.space):
        raise PermissionDenied
    if kind not in ("proposals", "comments") or fmt not in EXPORT_TYPES:
        raise Http404
    columns, rows = exports.component_rows(component, kind)
    body = {"csv": exports.to_csv, "xlsx": exports.to_xlsx, "json": exports.to_json}[fmt](
        columns, rows)
    response = HttpResponse(body, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = (f'attachment; filename="{kind}-{component.pk}.{fmt}"')
    return response


def open_data(request):
    """Public page: anonymised CSV files of the organisation, with their data dictionary."""
    from django.core.files.storage import default_storage

    from parlons.platform.organisations.rules import is_organisation_admin
    from parlons.platform.proposals import exports, tasks

    org = request.organisation
    is_admin = is_organisation_admin(request.user, org)
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied
        tasks.regenerate_open_data.delay(org.pk)
        messages.success(request, _("The files will be regenerated in a few moments."))
        return redirect("proposals:open_data")
    files = []
    for name, columns in exports.COLUMNS.items():
        path = exports.open_data_path(org, name)
        exists = default_storage.exists(path)
        files.append({"name": name, "columns": columns, "exists": exists,
                      "updated": default_storage.get_modified_time(path) if exists else None})
    return render(request, "proposals/open_data.html", {"files": files, "is_admin": is_admin})


@require_GET
def open_data_file(request, name):
    from django.core.files.storage import default_storage
    from django.http import FileResponse

    from parlons.platform.proposals import exports

    if name not in exports.COLUMNS:
        raise Http404
    path = exports.open_data_path(request.organisation, name)
    if not default_storage.exists(path):
        raise Http404
    return FileResponse(default_storage.open(path, "rb"), as_attachment=True,
                        filename=f"{request.organisation.slug}-{name}.csv",
                        content_type="text/csv; charset=utf-8")
