"""Spaces, phases and components through their services and views."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from parlons.platform.spaces import registry, rules, selectors, services
from parlons.platform.spaces.models import Phase, Space

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
D = dt.timedelta


def test_current_phase_follows_dates_and_can_be_forced(process, process_admin):
    assert selectors.current_phase(process).title == "Contributions"
    first = process.phases.get(title="Information")
    services.force_phase(actor=process_admin, space=process, phase=first)
    assert selectors.current_phase(Space.objects.get(pk=process.pk)).title == "Information"
    services.force_phase(actor=process_admin, space=process, phase=None)
    assert selectors.current_phase(Space.objects.get(pk=process.pk)).title == "Contributions"


def test_phase_status_for_the_timeline(process):
    current = selectors.current_phase(process)
    statuses = [selectors.phase_status(p, current) for p in process.phases.all()]
    assert statuses == ["past", "current"]


def test_overlapping_phase_is_refused_with_a_clear_message(process, process_admin):
    with pytest.raises(ValidationError) as error:
        services.create_phase(actor=process_admin, space=process, title="Vote",
                              start_date=TODAY + D(10), end_date=TODAY + D(30))
    assert "Contributions" in " ".join(error.value.messages)
    assert process.phases.count() == 2


def test_phases_are_renumbered_by_date(process, process_admin):
    services.create_phase(actor=process_admin, space=process, title="Avant",
                          start_date=TODAY - D(60), end_date=TODAY - D(30))
    assert list(process.phases.values_list("title", flat=True)) == [
        "Avant", "Information", "Contributions"]


def test_phase_of_another_space_cannot_be_forced(process, process_admin, organisation, org_admin):
    other = services.create_space(actor=org_admin, organisation=organisation,
                                  data={"title": "Autre", "kind": "process"})
    phase = services.create_phase(actor=org_admin, space=other, title="P",
                                  start_date=TODAY, end_date=TODAY)
    with pytest.raises(ValidationError):
        services.force_phase(actor=process_admin, space=process, phase=phase)


def test_permanent_body_has_no_phases_but_members_with_terms(organisation, org_admin, citizen):
    body = services.create_space(actor=org_admin, organisation=organisation,
                                 data={"title": "Conseil de quartier", "kind": "body",
                                       "is_published": True})
    with pytest.raises(ValidationError):
        services.create_phase(actor=org_admin, space=body, title="X", start_date=TODAY,
                              end_date=TODAY)
    role = services.assign_space_role(actor=org_admin, space=body, user=citizen, role="member",
                                      title="Présidente", term_start=TODAY,
                                      term_end=TODAY + D(365))
    assert role.title == "Présidente"
    with pytest.raises(ValidationError):
        services.assign_space_role(actor=org_admin, space=body, user=citizen, role="member",
                                   term_start=TODAY, term_end=TODAY - D(1))


def test_component_actions_per_phase(process, process_admin, citizen):
    registry.register(registry.ComponentType(key="test-ideas", name="Ideas",
                                             actions={"create": "Create", "comment": "Comment"}))
    component = services.create_component(actor=process_admin, space=process, kind="test-ideas",
                                          title="Idées", is_published=True)
    current = selectors.current_phase(process)
    past = process.phases.get(title="Information")
    services.set_allowed_actions(actor=process_admin, component=component, phase=current,
                                 actions=["comment", "create"])
    services.set_allowed_actions(actor=process_admin, component=component, phase=past,
                                 actions=[])
    assert selectors.allowed_actions(component, current) == ["create", "comment"]
    assert rules.can_participate(citizen, component, "create")
    from django.contrib.auth.models import AnonymousUser

    assert not rules.can_participate(AnonymousUser(), component, "create")
    services.force_phase(actor=process_admin, space=process, phase=past)
    component.space.refresh_from_db()
    assert not rules.can_participate(citizen, component, "create")
    with pytest.raises(ValidationError):
        services.set_allowed_actions(actor=process_admin, component=component, phase=current,
                                     actions=["vote"])


def test_unknown_component_type_is_refused(process, process_admin):
    with pytest.raises(ValidationError):
        services.create_component(actor=process_admin, space=process, kind="nope", title="X")


def test_citizen_cannot_create_or_edit(process, citizen, organisation):
    with pytest.raises(PermissionDenied):
        services.create_space(actor=citizen, organisation=organisation, data={"title": "X"})
    with pytest.raises(PermissionDenied):
        services.update_space(actor=citizen, space=process, data={"title": "Piraté"})
    assert Space.objects.get(pk=process.pk).title == "Place du Marché"


def test_description_html_is_sanitised(organisation, org_admin):
    space = services.create_space(
        actor=org_admin, organisation=organisation,
        data={"title": "XSS", "description": '<p onclick="x()">ok<script>alert(1)</script>'
                                             '<a href="javascript:alert(1)">lien</a></p>'})
    assert "script" not in space.description
    assert "onclick" not in space.description
    assert "javascript" not in space.description
    assert "ok" in space.description


def test_slugs_are_unique_per_organisation(organisation, org_admin):
    a = services.create_space(actor=org_admin, organisation=organisation, data={"title": "Été"})
    b = services.create_space(actor=org_admin, organisation=organisation, data={"title": "Été"})
    assert (a.slug, b.slug) == ("ete", "ete-2")


def test_backoffice_creates_a_process_with_two_phases(client, org_admin, organisation):
    client.force_login(org_admin)
    response = client.post("/gestion/espaces/nouveau/", {
        "kind": "process", "title": "Plan vélo", "summary": "Pistes cyclables",
        "visibility": "public", "is_published": "on", "description": "<p>Vélo</p>"})
    assert response.status_code == 302
    space = Space.objects.get(title="Plan vélo")
    for title, start, end in (("Avis", TODAY, TODAY + D(9)),
                              ("Synthèse", TODAY + D(10), TODAY + D(20))):
        response = client.post(f"/gestion/espaces/{space.pk}/phases/", {
            "form": "phase", "title": title, "start_date": start.isoformat(),
            "end_date": end.isoformat()})
        assert response.status_code == 302
    assert list(space.phases.values_list("title", flat=True)) == ["Avis", "Synthèse"]
    home = client.get("/").content.decode()
    assert "Plan vélo" in home and "Avis" in home


def test_invalid_forms_answer_in_french_and_write_nothing(client, org_admin, process):
    client.force_login(org_admin)
    response = client.post(f"/gestion/espaces/{process.pk}/phases/", {
        "form": "phase", "title": "", "start_date": "2030-02-01", "end_date": "2030-01-01"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ce champ est obligatoire" in body
    assert "La date de fin doit être" in body
    response = client.post(f"/gestion/espaces/{process.pk}/phases/", {
        "form": "phase", "title": "Chevauche", "start_date": TODAY.isoformat(),
        "end_date": TODAY.isoformat()})
    assert "chevauche la phase" in response.content.decode()
    assert Phase.objects.filter(space=process).count() == 2
    response = client.post("/gestion/espaces/nouveau/", {"kind": "process", "title": "X",
                                                        "start_date": "pas une date"})
    assert response.status_code == 200
    assert "Saisissez une date valide" in response.content.decode()


def test_home_separates_current_and_finished_processes(client, organisation, org_admin):
    services.create_space(actor=org_admin, organisation=organisation,
                          data={"title": "Ancienne concertation", "is_published": True,
                                "start_date": TODAY - D(400), "end_date": TODAY - D(300)})
    services.create_space(actor=org_admin, organisation=organisation,
                          data={"title": "Concertation ouverte", "is_published": True,
                                "start_date": TODAY - D(4), "end_date": TODAY + D(30)})
    body = client.get("/").content.decode()
    finished_at = body.index("Processus terminés")
    assert body.index("Concertation ouverte") < finished_at < body.index("Ancienne concertation")
