"""Quotas, simulation, the public draw, its audit report, replacements, sessions."""

from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from parlons.core.sortition.audit import pseudonym
from parlons.core.sortition.readers import read_instance
from parlons.platform.assemblies import services
from parlons.platform.assemblies.models import Volunteer
from parlons.platform.assemblies.sortition import build_pool, input_files

pytestmark = pytest.mark.django_db


def _bounds(assembly):
    return {(v.feature.name, v.value): (v.min, v.max) for v in
            assembly.features.get(name="Genre").values.select_related("feature")} | {
        (v.feature.name, v.value): (v.min, v.max) for v in
        assembly.features.get(name="Âge").values.select_related("feature")}


def test_census_import_and_bounds(assembly, org_admin):
    # panel of 6: Femme 52 % = 3.12 seats -> [3, 4]; 16-34 ans 30 % = 1.8 -> [1, 2]
    assert _bounds(assembly) == {("Genre", "Femme"): (3, 4), ("Genre", "Homme"): (2, 3),
                                 ("Âge", "16-34 ans"): (1, 2), ("Âge", "35-59 ans"): (2, 3),
                                 ("Âge", "60 ans et plus"): (1, 2)}
    services.update_settings(actor=org_admin, assembly=assembly, quota_tolerance=1)
    assert _bounds(assembly)[("Âge", "16-34 ans")] == (0, 3)  # recomputed with the settings
    services.update_settings(actor=org_admin, assembly=assembly, quota_tolerance=0,
                             panel_size=10)
    services.recompute_bounds(actor=org_admin, assembly=assembly)
    assert _bounds(assembly)[("Âge", "16-34 ans")] == (3, 3)
    # fractions are accepted; sums, numbers and duplicates are checked with line numbers
    services.import_quotas(actor=org_admin, assembly=assembly,
                           raw=b"critere;valeur;part\nSexe;F;0,516\nSexe;H;0,484\n")
    assert [str(v.share) for v in assembly.features.get().values.all()] == ["51.600", "48.400"]
    with pytest.raises(ValidationError) as error:
        services.import_quotas(actor=org_admin, assembly=assembly, raw=(
            b"feature,value,share\nSexe,F,51\nSexe,F,49\nAge,Jeune,abc\nAge,Vieux,40\n"))
    assert error.value.messages == [
        "Line 3: “Sexe = F” already appears on line 2.",
        "Line 4: “abc” is not a share (a percentage such as 51.6 or a fraction such as "
        "0.516)."]
    with pytest.raises(ValidationError, match="add up to 90"):
        services.import_quotas(actor=org_admin, assembly=assembly,
                               raw=b"feature,value,share\nSexe,F,50\nSexe,H,40\n")
    assert assembly.features.get().name == "Sexe"  # nothing changed by the failed imports


def test_shares_editor(assembly, org_admin):
    values = {v.value: v for v in services.FeatureValue.objects.filter(
        feature__assembly=assembly)}
    shares = {v.pk: str(v.share) for v in values.values()}
    shares[values["Femme"].pk], shares[values["Homme"].pk] = "66,7", "33,3"
    services.save_shares(actor=org_admin, assembly=assembly, shares=shares)
    femme = services.FeatureValue.objects.get(pk=values["Femme"].pk)
    assert (femme.share, femme.min, femme.max) == (Decimal("66.700"), 4, 5)
    shares[values["Homme"].pk] = "40"
    with pytest.raises(ValidationError, match="add up to 106.7"):
        services.save_shares(actor=org_admin, assembly=assembly, shares=shares)


def test_simulation_matches_the_core_on_the_exported_files(assembly, pool, org_admin, tmp_path,
                                                          citizen):
    with pytest.raises(PermissionDenied):
        services.simulate(actor=citizen, assembly=assembly)
    result = services.simulate(actor=org_admin, assembly=assembly, algorithm="maximin")
    assert (result["pool"], result["panel_size"], result["incomplete"]) == (22, 6, 0)
    # the exported input files give the core the very same instance
    files = input_files(build_pool(assembly, assembly.volunteers.all()))
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    instance = read_instance(tmp_path / "quotas.csv", tmp_path / "people.csv", 6,
                             address_columns=["address", "postcode"])
    assert instance.digest() == build_pool(assembly, assembly.volunteers.all()).instance.digest()
    from parlons.core.sortition.draw import compute_probabilities

    probabilities, _d, _s = compute_probabilities(instance, "maximin")
    assert result["min_probability"] == pytest.approx(float(probabilities.min()), abs=1e-6)
    assert 0 < result["min_probability"] <= 6 / 22 <= result["max_probability"]


def test_infeasible_quotas_are_explained(assembly, pool, org_admin):
    Volunteer.objects.filter(answers__Âge="16-34 ans").update(answers={"Genre": "Femme",
                                                                       "Âge": "35-59 ans"})
    with pytest.raises(ValidationError, match="No panel meets these quotas"):
        services.simulate(actor=org_admin, assembly=assembly)


def test_public_draw_report_and_rerun(assembly, pool, org_admin, tmp_path):
    record = services.public_draw(actor=org_admin, assembly=assembly, seed="Loto 7 12 23")
    assembly.refresh_from_db()
    assert not assembly.registration_open
    panel = list(Volunteer.objects.filter(status="selected"))
    assert len(panel) == 6 and all(v.draw == record for v in panel)
    genre = [v.answers["Genre"] for v in panel]
    assert 3 <= genre.count("Femme") <= 4
    report = record.report
    assert report["seed"] == "Loto 7 12 23" and report["algorithm"] == "leximin"
    assert all(q["met"] for q in report["quotas"])
    digest = report["canonical_input_sha256"]
    assert sorted(report["panel"]) == sorted(pseudonym(digest, v.draw_id_text) for v in panel)
    assert "Prénom" not in json.dumps(report) and "Martin" not in record.report_html
    with pytest.raises(ValidationError, match="already drawn"):
        services.public_draw(actor=org_admin, assembly=assembly, seed="x")
    # anyone can read the report; the rerun command on the organisers' files gives the panel
    client = Client()
    base = f"/participer/convention/c/{assembly.component_id}/"
    page = client.get(base + "?v=report&round=1")
    assert page.status_code == 200 and "Loto 7 12 23" in page.content.decode()
    published = json.loads(client.get(base + "?v=report-json&round=1").content)
    assert published["panel"] == report["panel"]
    assert client.get(base + "?v=report&round=9").status_code == 404
    admin = Client()
    admin.force_login(org_admin)
    manage = f"/gestion/composants/{assembly.component_id}/contenu/"
    for name in ("quotas.csv", "people.csv"):
        (tmp_path / name).write_bytes(admin.get(f"{manage}?s=inputs&file={name}").content)
        digest_file = report["inputs"][name]["sha256"]
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest_file
    command = shlex.split(report["rerun"])
    assert command[:3] == ["parlons", "sortition", "draw"]
    out = subprocess.run([sys.executable, "-m", "parlons.cli", *command[1:], "--format", "json"],
                         cwd=tmp_path, capture_output=True, text=True, check=True)
    assert sorted(json.loads(out.stdout)["panel"]) == sorted(v.draw_id_text for v in panel)


def test_confirmations_replacements_and_sessions(assembly, pool, org_admin):
    services.public_draw(actor=org_admin, assembly=assembly, seed="s1")
    drawn = list(Volunteer.objects.filter(status="selected").order_by("pk"))
    services.respond(actor=org_admin, volunteer=drawn[0], accept=False)
    services.respond(actor=org_admin, volunteer=drawn[1], accept=True)
    with pytest.raises(ValidationError, match="Only people drawn"):
        services.respond(actor=org_admin, volunteer=Volunteer.objects.filter(
            status="registered").first(), accept=True)
    record = services.replacement_draw(actor=org_admin, assembly=assembly, seed="s2")
    assert (record.round, record.seats) == (2, 1)
    seated = list(Volunteer.objects.filter(status__in=["selected", "confirmed"]))
    assert len(seated) == 6 and drawn[0] not in seated and drawn[1] in seated
    newcomer = Volunteer.objects.get(draw=record)
    assert newcomer.pk not in {v.pk for v in drawn}
    for feature in assembly.features.prefetch_related("values"):
        for value in feature.values.all():
            count = sum(v.answers[feature.name] == value.value for v in seated)
            assert value.min <= count <= value.max, (feature.name, value.value)
    assert "--exclude " + drawn[0].draw_id_text in record.report["rerun"]
    with pytest.raises(ValidationError, match="Every seat is taken"):
        services.replacement_draw(actor=org_admin, assembly=assembly, seed="s3")
    session = services.create_session(actor=org_admin, assembly=assembly, title="Session 1",
                                      date="2026-12-05")
    present = services.record_attendance(actor=org_admin, session=session,
                                         present=[seated[0].pk, seated[1].pk, drawn[0].pk])
    assert present == 2  # the person who declined is not a member
    assert session.attendance.filter(present=True).count() == 2
    assert session.attendance.count() == 6
