"""Recruitment: address import, random phone numbers, seeded invitations, letters as PDF."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from parlons.platform.assemblies import services
from parlons.platform.assemblies.models import Recipient

pytestmark = pytest.mark.django_db


def _messages(error) -> list[str]:
    return error.value.messages


def test_address_import_reports_every_bad_line_and_writes_nothing(assembly, org_admin):
    before = assembly.recipients.count()
    raw = ("adresse;code postal;ville\n"
           "3 place du Martroi;45000;Orléans\n"
           ";45000;Orléans\n"
           "5 rue Jeanne d'Arc;4500;Orléans\n"
           "3 PLACE du martroi ;45 000;Orléans\n"
           "7 rue Royale;45000\n").encode("cp1252")
    with pytest.raises(ValidationError) as error:
        services.import_addresses(actor=org_admin, assembly=assembly, raw=raw)
    messages = _messages(error)
    assert any(m.startswith("Line 3:") and "address is empty" in m for m in messages)
    assert any(m.startswith("Line 4:") and "postcode" in m for m in messages)
    assert any(m.startswith("Line 5:") and "line 2" in m for m in messages)  # same household
    assert any(m.startswith("Line 6:") and "columns" in m for m in messages)
    assert assembly.recipients.count() == before


def test_address_import_in_french_and_against_existing(assembly, org_admin):
    from django.utils import translation

    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.import_addresses(actor=org_admin, assembly=assembly,
                                  raw=b"adresse,code postal,ville\n4 Rue des Lilas,45000,X\n")
    assert _messages(error) == ["Ligne 2 : cette adresse a déjà été importée."]
    with pytest.raises(ValidationError, match="columns"):
        services.import_addresses(actor=org_admin, assembly=assembly, raw=b"street,zip\nx,1\n")
    added = services.import_addresses(
        actor=org_admin, assembly=assembly,
        raw="\ufeffNom,Adresse,CP,Ville\nA,1 quai du Roi,45 000,Orléans\n\n".encode())
    assert added == 1
    assert assembly.recipients.get(address="1 quai du Roi").postcode == "45000"


def test_phone_numbers_are_valid_distinct_and_reproducible(assembly, org_admin, other_org_admin):
    with pytest.raises(PermissionDenied):
        services.generate_phone_numbers(actor=other_org_admin, assembly=assembly,
                                        prefixes=["06"], count=5, seed="s")
    count = services.generate_phone_numbers(actor=org_admin, assembly=assembly,
                                            prefixes=["06 12", "+33 7"], count=40, seed="s")
    phones = list(assembly.recipients.filter(kind="phone").order_by("pk")
                  .values_list("phone", flat=True))
    assert count == 40 == len(set(phones))
    assert all(re.fullmatch(r"(0612|07)\d+", p) and len(p) == 10 for p in phones)
    assert sum(p.startswith("0612") for p in phones) == 20
    again = services._locked(assembly)  # a second assembly list with the same seed
    assembly.recipients.filter(kind="phone").delete()
    services.generate_phone_numbers(actor=org_admin, assembly=again, prefixes=["+33 7", "06 12"],
                                    count=40, seed="s")
    assert list(assembly.recipients.filter(kind="phone").order_by("pk")
                .values_list("phone", flat=True)) == phones
    for prefixes in (["12"], ["06x"], []):
        with pytest.raises(ValidationError):
            services.generate_phone_numbers(actor=org_admin, assembly=assembly,
                                            prefixes=prefixes, count=5, seed="s")
    with pytest.raises(ValidationError, match="too few possible numbers"):
        services.generate_phone_numbers(actor=org_admin, assembly=assembly,
                                        prefixes=["0612345"], count=600, seed="s")


def test_invitation_draw_is_seeded_and_codes_are_unique(assembly, org_admin, codes):
    assert len(codes) == len(set(codes)) == 24
    assert all(re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", c) for c in codes)
    batch = assembly.batches.get()
    assert batch.seed == "graine" and batch.size == 24
    chosen = set(assembly.recipients.filter(batch=batch).values_list("address", flat=True))
    # the same list and seed elsewhere give the same invited addresses
    from parlons.platform.assemblies.models import Assembly
    from parlons.platform.spaces.models import Component

    other = Assembly.objects.create(component=Component.objects.create(
        space=assembly.component.space, kind="assembly", title="Bis"))
    rows = "\n".join(f"{n} rue des Lilas,45000,Orléans" for n in range(1, 31))
    services.import_addresses(actor=org_admin, assembly=other,
                              raw=f"adresse,code postal,ville\n{rows}\n".encode())
    services.draw_invitations(actor=org_admin, assembly=other, kind="address", count=24,
                              seed="graine")
    assert set(other.recipients.filter(code__isnull=False)
               .values_list("address", flat=True)) == chosen
    assert not set(other.recipients.values_list("code", flat=True)) & set(codes)
    with pytest.raises(ValidationError, match="Only 6 recipients"):
        services.draw_invitations(actor=org_admin, assembly=assembly, kind="address", count=7)
    generated = services.draw_invitations(actor=org_admin, assembly=assembly, kind="address",
                                          count=6)
    assert len(generated.seed) == 32  # a random seed, recorded


def test_letters_pdf_one_page_per_letter(client, assembly, org_admin, codes):
    client.force_login(org_admin)
    batch = assembly.batches.get()
    response = client.get(f"/gestion/composants/{assembly.component_id}/contenu/"
                          f"?s=letters&batch={batch.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 24
    texts = [page.extract_text() for page in reader.pages]
    for code, text in zip(codes, texts, strict=True):
        assert code in text
        assert f"/participer/convention/c/{assembly.component_id}/?v=register" in text
    recipient = Recipient.objects.get(code=codes[0])
    assert recipient.address in texts[0]
