"""Organisation settings: contrast check, languages, accessibility page and footer mention."""

from __future__ import annotations

import pytest

from parlons.platform.common.colours import contrast_ratio
from parlons.platform.organisations.models import Organisation, OrganisationRole

pytestmark = pytest.mark.django_db


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # WebAIM's checker gives 4.54:1 for #767676 on white, the lightest AA grey.
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def _settings_post(client, **overrides):
    data = {"name": "Ville de Montreval", "primary_colour": "#1d4f91",
            "accent_colour": "#a3195b", "enabled_languages": ["fr", "en"],
            "accessibility_status": "partial"}
    data.update(overrides)
    return client.post("/gestion/organisation/", data)


def test_low_contrast_colour_is_refused(client, org_admin, organisation):
    client.force_login(org_admin)
    response = _settings_post(client, primary_colour="#ffdd00")
    assert response.status_code == 200
    assert "4.5:1" in response.content.decode() or "4,5:1" in response.content.decode()
    assert Organisation.objects.get(pk=organisation.pk).primary_colour != "#ffdd00"


def test_settings_saved_and_french_always_enabled(client, org_admin, organisation):
    client.force_login(org_admin)
    response = _settings_post(client, name="Ville de Montreval-sur-Loire",
                              enabled_languages=["en"], accessibility_status="full",
                              legal_notice="<p>Mentions<script>x</script></p>")
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Ville de Montreval-sur-Loire"
    assert organisation.enabled_languages == ["fr", "en"]
    assert "script" not in organisation.legal_notice
    footer = client.get("/").content.decode()
    assert "Accessibilité :" in footer and "totalement conforme" in footer


def test_accessibility_page_shows_declaration_and_contact(client, organisation):
    organisation.accessibility_contact = "a11y@ville.example"
    organisation.accessibility_derogations = "<p>Cartes interactives</p>"
    organisation.save()
    body = client.get("/accessibilite/").content.decode()
    assert "RGAA" in body and "a11y@ville.example" in body and "Cartes interactives" in body
    assert "Défenseur des droits" in body


def test_last_admin_cannot_be_removed(client, org_admin, organisation):
    client.force_login(org_admin)
    role = OrganisationRole.objects.get(user=org_admin, role="admin")
    response = client.post(f"/gestion/roles/{role.pk}/retirer/", follow=True)
    assert "au moins un" in response.content.decode()
    assert OrganisationRole.objects.filter(pk=role.pk).exists()


def test_roles_are_given_by_email(client, org_admin, citizen, organisation):
    client.force_login(org_admin)
    client.post("/gestion/roles/", {"email": citizen.email.upper(), "role": "moderator"})
    assert OrganisationRole.objects.filter(user=citizen, role="moderator").exists()
    response = client.post("/gestion/roles/", {"email": "inconnu@example.org", "role": "agent"})
    assert "Aucun compte" in response.content.decode()


def test_default_language_is_french_and_can_be_switched(client, organisation):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="fr">' in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()


def test_unknown_host_without_default_organisation_is_404(client, db):
    assert client.get("/").status_code == 404
