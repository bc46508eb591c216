"""Views of the assembly component, reached through the component registry.

Front office (``?v=``): overview, register (by code, rate limited), phone (agents), composition
(public, anonymised), report / report-json (published audit of each draw). Back office
(``manage_assembly``, ``?s=``): settings, campaign, letters.pdf, calls.csv, volunteers, quotas
and simulation, draw, panel (confirmations, replacements), sessions and attendance, inputs.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from parlons.core.sortition.audit import audit_json
from parlons.platform.assemblies import documents, rules, selectors, services, tasks
from parlons.platform.assemblies.forms import (
    InviteForm,
    PhoneForm,
    RegistrationForm,
    SeedForm,
    SessionForm,
    SettingsForm,
    UploadForm,
)
from parlons.platform.assemblies.models import PanelSession, Recipient, Volunteer
from parlons.platform.assemblies.sortition import build_pool, input_files

CODE_RATE = getattr(settings, "PARLONS_RATE_LIMITS", {}).get("assembly_code", "10/m")


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _form_errors(form) -> ValidationError:
    return ValidationError(" ".join(m for errors in form.errors.values() for m in errors))


def assembly_component(request, component, context):
    handler = FRONT_VIEWS.get(request.GET.get("v", ""))
    if handler is None:
        raise Http404
    return handler(request, component, {**context,
                                        "assembly": selectors.assembly_of(component)})


def registration_url(request, component) -> str:
    path = reverse("web:component_detail", args=[component.space.slug, component.pk])
    return request.build_absolute_uri(path + "?v=register")


def overview(request, component, context):
    assembly = context["assembly"]
    return render(request, "assemblies/overview.html", {
        **context, "draws": list(assembly.draws.all()),
        "panel_count": selectors.panel(assembly).count(),
        "can_phone": rules.can_register_by_phone(request.user, component)})


def _limited(request) -> bool:
    return is_ratelimited(request, group="assemblies.code", key="ip", rate=CODE_RATE,
                          method="POST", increment=True)


def _register(request, component, context, *, agent):
    assembly = context["assembly"]
    form = RegistrationForm(request.POST or None, assembly=assembly)
    status = 200
    if request.method == "POST":
        if not agent and _limited(request):
            return render(request, "errors/429.html", status=429)
        if form.is_valid():
            try:
                services.register_volunteer(
                    assembly=assembly, code=form.cleaned_data["code"], contact=form.contact(),
                    answers=form.answers(), consent=form.cleaned_data["consent"],
                    user=None if agent else request.user,
                    agent=request.user if agent else None)
            except ValidationError as error:
                form.add_error(None, _errors(error))
            else:
                if agent:
                    messages.success(request, _("The volunteer is registered."))
                    return redirect(request.get_full_path())
                return render(request, "assemblies/registered.html", context)
        status = 400
    return render(request, "assemblies/register.html",
                  {**context, "form": form, "agent": agent}, status=status)


def register(request, component, context):
    return _register(request, component, context, agent=False)


def phone(request, component, context):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not rules.can_register_by_phone(request.user, component):
        raise PermissionDenied
    return _register(request, component, context, agent=True)


def composition(request, component, context):
    assembly = context["assembly"]
    if not assembly.draws.exists():
        raise Http404
    return render(request, "assemblies/composition.html", {
        **context, "features": selectors.composition(assembly),
        "panel_count": selectors.panel(assembly).count()})


def report(request, component, context):
    record = selectors.get_draw(context["assembly"], request.GET.get("round"))
    return render(request, "assemblies/report.html", {**context, "draw": record})


def report_json(request, component, context):
    record = selectors.get_draw(context["assembly"], request.GET.get("round"))
    response = HttpResponse(audit_json(record.report), content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="audit-{record.round}.json"'
    return response


def report_html(request, component, context):
    """The core's self-contained HTML report, as a download."""
    record = selectors.get_draw(context["assembly"], request.GET.get("round"))
    response = HttpResponse(record.report_html, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{record.round}.html"'
    return response


FRONT_VIEWS = {"": overview, "register": register, "phone": phone, "composition": composition,
               "report": report, "report-json": report_json, "report-html": report_html}


# --- back office -------------------------------------------------------------------------------

def manage_assembly(request, component, context):
    """Organisers only (checked again here, whatever the caller checked)."""
    if not rules.can_organise(request.user, component):
        raise PermissionDenied
    assembly = selectors.assembly_of(component)
    section = request.GET.get("s", "")
    handler = MANAGE_VIEWS.get(section)
    if handler is None:
        raise Http404
    context = {**context, "assembly": assembly, "section": section,
               "manage_sections": manage_sections(),
               "front_url": reverse("web:component_detail",
                                    args=[component.space.slug, component.pk])}
    if request.method == "POST":
        try:
            response = handler(request, assembly, context, post=True)
        except ValidationError as error:
            messages.error(request, _errors(error))
            return redirect(request.get_full_path())
        if response is not None:
            return response
        return redirect(request.get_full_path())
    try:
        return handler(request, assembly, context, post=False)
    except ValidationError as error:  # e.g. the input files of a purged pool
        messages.error(request, _errors(error))
        return redirect(request.path)


def _settings(request, assembly, context, post):
    form = SettingsForm(request.POST if post else None, instance=assembly)
    if post:
        if not form.is_valid():
            return render(request, "assemblies/manage.html", {**context, "form": form},
                          status=400)
        services.update_settings(actor=request.user, assembly=assembly,
                                 **{f: form.cleaned_data[f] for f in form.Meta.fields})
        messages.success(request, _("The settings were saved."))
        return None
    return render(request, "assemblies/manage.html", {
        **context, "form": form, "counts": selectors.status_counts(assembly),
        "recipients": assembly.recipients.count(),
        "invited": assembly.recipients.filter(code__isnull=False).count()})


def _campaign(request, assembly, context, post):
    op = request.POST.get("op", "") if post else ""
    user = request.user
    if op == "import":
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            raise _form_errors(form)
        count = services.import_addresses(actor=user, assembly=assembly,
                                          raw=form.cleaned_data["file"])
        messages.success(request, _("%(count)d addresses were imported.") % {"count": count})
    elif op == "phones":
        form = PhoneForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Give the prefixes and a number between 1 and 50,000."))
        count = services.generate_phone_numbers(
            actor=user, assembly=assembly, prefixes=form.cleaned_data["prefixes"].splitlines(),
            count=form.cleaned_data["count"], seed=form.cleaned_data["seed"])
        messages.success(request, _("%(count)d phone numbers were generated.")
                         % {"count": count})
    elif op == "invite":
        form = InviteForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Choose the kind of recipients and a number."))
        batch = services.draw_invitations(actor=user, assembly=assembly, **form.cleaned_data)
        messages.success(request, _("%(count)d invitations were drawn (seed “%(seed)s”).")
                         % {"count": batch.size, "seed": batch.seed})
    elif post:
        raise Http404
    if post:
        return None
    recipients = assembly.recipients
    return render(request, "assemblies/campaign.html", {
        **context, "upload_form": UploadForm(), "phone_form": PhoneForm(),
        "invite_form": InviteForm(),
        "batches": list(assembly.batches.all()),
        "addresses": recipients.filter(kind=Recipient.Kind.ADDRESS).count(),
        "phones": recipients.filter(kind=Recipient.Kind.PHONE).count(),
        "letters": recipients.filter(kind=Recipient.Kind.ADDRESS, code__isnull=False).count(),
        "calls": recipients.filter(kind=Recipient.Kind.PHONE, code__isnull=False).count()})


def _invited(assembly, kind, request):
    recipients = assembly.recipients.filter(kind=kind, code__isnull=False)
    if request.GET.get("batch"):
        recipients = recipients.filter(batch_id=request.GET["batch"]
                                       if request.GET["batch"].isdigit() else 0)
    return list(recipients)


def _letters(request, assembly, context, post):
    if post:
        raise Http404
    recipients = _invited(assembly, Recipient.Kind.ADDRESS, request)
    if not recipients:
        raise Http404
    pdf = documents.letters_pdf(assembly, recipients,
                                registration_url(request, assembly.component))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="courriers.pdf"'
    return response


def _calls(request, assembly, context, post):
    if post:
        raise Http404
    text = documents.call_list_csv(_invited(assembly, Recipient.Kind.PHONE, request))
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appels.csv"'
    return response


def _volunteers(request, assembly, context, post):
    if post:
        raise Http404
    features = list(assembly.features.all())
    volunteers = list(assembly.volunteers.select_related("entered_by"))
    for volunteer in volunteers:
        volunteer.answer_list = [volunteer.answers.get(f.name, "") for f in features]
    return render(request, "assemblies/volunteers.html", {
        **context, "volunteers": volunteers, "features": features})


def _quotas(request, assembly, context, post):
    user = request.user
    op = request.POST.get("op", "") if post else ""
    if op == "import":
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            raise _form_errors(form)
        count = services.import_quotas(actor=user, assembly=assembly,
                                       raw=form.cleaned_data["file"])
        messages.success(request, _("%(count)d values were imported.") % {"count": count})
        return None
    if op == "shares":
        shares = {int(k[6:]): v for k, v in request.POST.items()
                  if k.startswith("share-") and k[6:].isdigit()}
        services.save_shares(actor=user, assembly=assembly, shares=shares)
        messages.success(request, _("The shares were saved and the quotas recomputed."))
        return None
    if op == "simulate":
        algorithm = request.POST.get("algorithm") or assembly.algorithm
        if algorithm not in dict(assembly._meta.get_field("algorithm").choices):
            raise Http404
        _compute(request, assembly, "simulate", algorithm,
                 _("The simulation is done: see below."))
        return redirect(request.get_full_path() + "#simulation")
    if post:
        raise Http404
    return render(request, "assemblies/quotas.html", {
        **context, "features": list(assembly.features.prefetch_related("values")),
        "upload_form": UploadForm(), "simulation": assembly.simulation,
        "algorithms": assembly._meta.get_field("algorithm").choices,
        "drawn": assembly.draws.exists()})


def _compute(request, assembly, kind: str, value: str, done: str) -> None:
    """Run a simulation or a draw in Celery; in-process (eager) it is finished on return."""
    result = tasks.run_computation.delay(assembly.pk, request.user.pk, kind, value)
    if not result.ready():
        messages.info(request, _("The computation is running; reload this page in a moment."))
    elif result.get():
        messages.error(request, result.get())
    else:
        messages.success(request, done)


def _draw(request, assembly, context, post):
    if post:
        form = SeedForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("The seed has at most 200 characters."))
        kind = "replace" if request.POST.get("op") == "replace" else "draw"
        _compute(request, assembly, kind, form.cleaned_data["seed"],
                 _("The draw is done; the audit report is published."))
        return None
    return render(request, "assemblies/draw.html", {
        **context, "form": SeedForm(), "draws": list(assembly.draws.all()),
        "counts": selectors.status_counts(assembly)})


def _panel(request, assembly, context, post):
    if post:
        volunteer = get_object_or_404(Volunteer, assembly=assembly,
                                      pk=request.POST.get("volunteer") or 0)
        op = request.POST.get("op")
        if op not in ("confirm", "decline"):
            raise Http404
        services.respond(actor=request.user, volunteer=volunteer, accept=op == "confirm")
        messages.success(request, _("The answer was recorded."))
        return None
    members = list(assembly.volunteers.filter(
        status__in=[*selectors.SEATED, Volunteer.Status.DECLINED]).select_related("draw"))
    return render(request, "assemblies/panel.html", {
        **context, "members": members, "counts": selectors.status_counts(assembly),
        "form": SeedForm()})


def _sessions(request, assembly, context, post):
    if post:
        if request.POST.get("op") == "attendance":
            session = get_object_or_404(PanelSession, assembly=assembly,
                                        pk=request.POST.get("session") or 0)
            present = [p for p in request.POST.getlist("present") if p.isdigit()]
            services.record_attendance(actor=request.user, session=session, present=present)
            messages.success(request, _("The attendance was saved."))
            return None
        form = SessionForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Give a title and a valid date."))
        services.create_session(actor=request.user, assembly=assembly, **form.cleaned_data)
        messages.success(request, _("The session was added."))
        return None
    sessions = list(assembly.sessions.prefetch_related("attendance"))
    for session in sessions:
        session.present_ids = {a.volunteer_id for a in session.attendance.all() if a.present}
    return render(request, "assemblies/sessions.html", {
        **context, "sessions": sessions, "form": SessionForm(),
        "members": list(selectors.panel(assembly))})


def _inputs(request, assembly, context, post):
    """The draw's input files (organisers only: the people file carries addresses)."""
    if post:
        raise Http404
    name = request.GET.get("file", "")
    files = input_files(build_pool(assembly, assembly.volunteers.exclude(
        personal_data_deleted=True)))
    if name not in files:
        raise Http404
    response = HttpResponse(files[name], content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def manage_sections() -> list[tuple[str, str]]:
    return [("", _("Settings")), ("campaign", _("Recruitment campaign")),
            ("volunteers", _("Volunteers")), ("quotas", _("Quotas and simulation")),
            ("draw", _("Public draw")), ("panel", _("Panel")), ("sessions", _("Sessions"))]


MANAGE_VIEWS = {"": _settings, "campaign": _campaign, "letters": _letters, "calls": _calls,
                "volunteers": _volunteers, "quotas": _quotas, "draw": _draw, "panel": _panel,
                "sessions": _sessions, "inputs": _inputs}


def search_assemblies(components, query: str, *, limit: int | None = None) -> list:
    """Assembly components whose title contains ``query``: at most ``limit`` (all when
    ``None``); no query, the titles are already loaded."""
    return [c for c in components
            if c.kind == "assembly" and query.casefold() in c.title.casefold()][:limit]
