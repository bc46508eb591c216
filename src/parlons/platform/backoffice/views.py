"""Back office for city officers. Every object is looked up inside the current organisation
(404 otherwise) and every action checks a named rule (403 otherwise)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parlons.platform.accounts.selectors import user_roles
from parlons.platform.organisations import rules as org_rules
from parlons.platform.organisations import services as org_services
from parlons.platform.organisations.forms import NamedItemForm, OrganisationSettingsForm, RoleForm
from parlons.platform.organisations.models import Area, OrganisationRole, Theme
from parlons.platform.spaces import registry, rules, selectors, services
from parlons.platform.spaces.forms import (
    ComponentCreateForm,
    ComponentForm,
    ForcePhaseForm,
    PhaseForm,
    SpaceForm,
    SpaceRoleForm,
)
from parlons.platform.spaces.models import Component, Phase, Space, SpaceRole


def staff_required(view):
    """Logged in, and staff of the organisation or admin of at least one of its spaces."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        org = request.organisation
        if not (org_rules.is_organisation_staff(request.user, org)
                or user_roles(request.user).has_space_role_in(org.pk, SpaceRole.Role.ADMIN)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _space(request, pk) -> Space:
    space = get_object_or_404(Space, organisation=request.organisation, pk=pk)
    if not rules.can_manage_space(request.user, space):
        raise PermissionDenied
    return space


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@staff_required
def dashboard(request):
    org = request.organisation
    spaces = [s for s in Space.objects.filter(organisation=org).prefetch_related("phases")
              if rules.can_manage_space(request.user, s)]
    for space in spaces:
        space.current = selectors.current_phase(space)
    return render(request, "backoffice/dashboard.html", {
        "spaces": spaces,
        "can_create": rules.can_create_space(request.user, org),
        "is_admin": org_rules.is_organisation_admin(request.user, org),
    })


@staff_required
def organisation_settings(request):
    org = request.organisation
    if not org_rules.can_manage_organisation(request.user, org):
        raise PermissionDenied
    form = OrganisationSettingsForm(request.POST or None, request.FILES or None, instance=org)
    if request.method == "POST" and form.is_valid():
        try:
            org_services.update_settings(actor=request.user, organisation=org,
                                         data=form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The settings were saved."))
            return redirect("backoffice:organisation_settings")
    if request.method == "POST":
        org.refresh_from_db()
    return render(request, "backoffice/organisation_settings.html", {"form": form})


@staff_required
def organisation_roles(request):
    org = request.organisation
    if not org_rules.can_assign_organisation_roles(request.user, org):
        raise PermissionDenied
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org_services.assign_role(actor=request.user, organisation=org, user=form.user,
                                 role=form.cleaned_data["role"])
        messages.success(request, _("The role was given."))
        return redirect("backoffice:organisation_roles")
    roles = OrganisationRole.objects.filter(organisation=org).select_related("user")
    return render(request, "backoffice/organisation_roles.html", {"form": form, "roles": roles})


@require_POST
@staff_required
def organisation_role_remove(request, pk):
    assignment = get_object_or_404(OrganisationRole, organisation=request.organisation, pk=pk)
    try:
        org_services.remove_role(actor=request.user, assignment=assignment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The role was removed."))
    return redirect("backoffice:organisation_roles")


@staff_required
def territory(request):
    org = request.organisation
    if not org_rules.can_manage_organisation(request.user, org):
        raise PermissionDenied
    area_form = NamedItemForm(request.POST if request.POST.get("kind") == "area" else None,
                              prefix="area")
    theme_form = NamedItemForm(request.POST if request.POST.get("kind") == "theme" else None,
                               prefix="theme")
    for kind, form in (("area", area_form), ("theme", theme_form)):
        if request.method == "POST" and request.POST.get("kind") == kind and form.is_valid():
            try:
                if kind == "area":
                    org_services.create_area(actor=request.user, organisation=org,
                                             name=form.cleaned_data["name"],
                                             population=form.cleaned_data["population"])
                else:
                    org_services.create_theme(actor=request.user, organisation=org,
                                              name=form.cleaned_data["name"])
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("backoffice:territory")
    theme_form.fields.pop("population")
    return render(request, "backoffice/territory.html", {
        "area_form": area_form, "theme_form": theme_form,
        "areas": Area.objects.filter(organisation=org),
        "themes": Theme.objects.filter(organisation=org),
    })


@require_POST
@staff_required
def territory_delete(request, kind, pk):
    model = {"area": Area, "theme": Theme}.get(kind)
    if model is None:
        raise Http404
    item = get_object_or_404(model, organisation=request.organisation, pk=pk)
    org_services.delete_area_or_theme(actor=request.user, item=item)
    messages.success(request, _("Deleted."))
    return redirect("backoffice:territory")


@staff_required
def space_create(request):
    org = request.organisation
    if not rules.can_create_space(request.user, org):
        raise PermissionDenied
    form = SpaceForm(request.POST or None, request.FILES or None, organisation=org)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("themes", "areas")}
        try:
            space = services.create_space(actor=request.user, organisation=org, data=data,
                                          themes=form.cleaned_data["themes"],
                                          areas=form.cleaned_data["areas"])
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The space was created. Now add its phases."))
            return redirect("backoffice:phases" if space.has_phases else "backoffice:components",
                            space.pk)
    return render(request, "backoffice/space_form.html", {"form": form})


@staff_required
def space_edit(request, pk):
    space = _space(request, pk)
    form = SpaceForm(request.POST or None, request.FILES or None, instance=space,
                     organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()
                if k not in ("themes", "areas", "kind")}
        try:
            services.update_space(actor=request.user, space=space, data=data,
                                  themes=form.cleaned_data["themes"],
                                  areas=form.cleaned_data["areas"])
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The space was saved."))
            return redirect("backoffice:space_edit", space.pk)
    space.refresh_from_db()
    return render(request, "backoffice/space_form.html", {
        "form": form, "space": space, "can_delete": rules.can_delete_space(request.user, space)})


@require_POST
@staff_required
def space_delete(request, pk):
    space = get_object_or_404(Space, organisation=request.organisation, pk=pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the deletion."))
        return redirect("backoffice:space_edit", space.pk)
    services.delete_space(actor=request.user, space=space)
    messages.success(request, _("The space was deleted."))
    return redirect("backoffice:dashboard")


@staff_required
def phases(request, pk):
    space = _space(request, pk)
    if not space.has_phases:
        raise Http404
    form = PhaseForm(request.POST if request.POST.get("form") == "phase" else None)
    force_form = ForcePhaseForm(request.POST if request.POST.get("form") == "force" else None,
                                space=space, initial={"phase": space.forced_phase})
    if request.method == "POST" and request.POST.get("form") == "phase" and form.is_valid():
        try:
            services.create_phase(actor=request.user, space=space, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The phase was added."))
            return redirect("backoffice:phases", space.pk)
    if request.method == "POST" and request.POST.get("form") == "force" and force_form.is_valid():
        services.force_phase(actor=request.user, space=space,
                             phase=force_form.cleaned_data["phase"])
        messages.success(request, _("The current phase was changed."))
        return redirect("backoffice:phases", space.pk)
    current = selectors.current_phase(space)
    return render(request, "backoffice/phases.html", {
        "space": space, "form": form, "force_form": force_form,
        "phases": [(p, selectors.phase_status(p, current)) for p in space.phases.all()]})


def _phase(request, pk) -> Phase:
    phase = get_object_or_404(Phase.objects.select_related("space"),
                              space__organisation=request.organisation, pk=pk)
    if not rules.can_manage_space(request.user, phase.space):
        raise PermissionDenied
    return phase


@staff_required
def phase_edit(request, pk):
    phase = _phase(request, pk)
    form = PhaseForm(request.POST or None, instance=phase)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_phase(actor=request.user, phase=phase, data=form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The phase was saved."))
            return redirect("backoffice:phases", phase.space_id)
    return render(request, "backoffice/phase_form.html", {"form": form, "phase": phase,
                                                          "space": phase.space})


@require_POST
@staff_required
def phase_delete(request, pk):
    phase = _phase(request, pk)
    space_id = phase.space_id
    services.delete_phase(actor=request.user, phase=phase)
    messages.success(request, _("The phase was deleted."))
    return redirect("backoffice:phases", space_id)


@staff_required
def components(request, pk):
    space = _space(request, pk)
    form = ComponentCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        component = services.create_component(actor=request.user, space=space,
                                              kind=form.cleaned_data["kind"],
                                              title=form.cleaned_data["title"])
        messages.success(request, _("The component was added."))
        return redirect("backoffice:component_edit", component.pk)
    items = [(c, registry.get(c.kind)) for c in space.components.all()]
    return render(request, "backoffice/components.html",
                  {"space": space, "form": form, "items": items})


def _component(request, pk) -> Component:
    component = get_object_or_404(Component.objects.select_related("space"),
                                  space__organisation=request.organisation, pk=pk)
    if not rules.can_manage_space(request.user, component.space):
        raise PermissionDenied
    return component


@staff_required
def component_edit(request, pk):
    component = _component(request, pk)
    space = component.space
    phases_list = list(space.phases.all())
    form = ComponentForm(request.POST or None, component=component, phases=phases_list,
                         initial={"title": component.title, "position": component.position,
                                  "is_published": component.is_published})
    if request.method == "POST" and form.is_valid():
        services.update_component(actor=request.user, component=component,
                                  title=form.cleaned_data["title"],
                                  is_published=form.cleaned_data["is_published"],
                                  position=form.cleaned_data["position"])
        for phase, name in form.phase_fields:
            services.set_allowed_actions(actor=request.user, component=component, phase=phase,
                                         actions=form.cleaned_data.get(name, []))
        messages.success(request, _("The component was saved."))
        return redirect("backoffice:component_edit", component.pk)
    return render(request, "backoffice/component_form.html", {
        "form": form, "component": component, "space": space,
        "component_type": registry.get(component.kind)})


@staff_required
def component_manage(request, pk):
    component = _component(request, pk)
    component_type = registry.get(component.kind)
    if component_type is None or component_type.manage_view is None:
        raise Http404
    return component_type.manage_view(request, component,
                                      {"component": component, "space": component.space})


@require_POST
@staff_required
def component_delete(request, pk):
    component = _component(request, pk)
    space_id = component.space_id
    services.delete_component(actor=request.user, component=component)
    messages.success(request, _("The component was deleted."))
    return redirect("backoffice:components", space_id)


@staff_required
def space_roles(request, pk):
    space = _space(request, pk)
    form = SpaceRoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assign_space_role(
                actor=request.user, space=space, user=form.user, role=form.cleaned_data["role"],
                title=form.cleaned_data["title"], term_start=form.cleaned_data["term_start"],
                term_end=form.cleaned_data["term_end"])
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The role was given."))
            return redirect("backoffice:space_roles", space.pk)
    roles = space.roles.select_related("user")
    return render(request, "backoffice/space_roles.html",
                  {"space": space, "form": form, "roles": roles})


@require_POST
@staff_required
def space_role_remove(request, pk):
    space_role = get_object_or_404(SpaceRole.objects.select_related("space"),
                                   space__organisation=request.organisation, pk=pk)
    services.remove_space_role(actor=request.user, space_role=space_role)
    messages.success(request, _("The role was removed."))
    return redirect("backoffice:space_roles", space_role.space_id)
