"""Sets of codes and sources, links between codes and coded passages: edited on the page,
kept through REFI-QDA export."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from parlons.core.qda.refi import archive_files, read_qdpx, schema_errors

pytestmark = pytest.mark.django_db


def _export(client, project):
    data = client.get(f"/recherche-qualitative/{project.pk}/export.qdpx").content
    assert schema_errors(archive_files(data)["project.qde"], "project") == []
    return read_qdpx(data)[0]


def test_sets_created_edited_deleted_and_exported(imported_project, researcher, reader):
    from parlons.platform.research.models import Code

    client = Client()
    client.force_login(researcher)
    base = f"/recherche-qualitative/{imported_project.pk}/ensembles/"
    page = client.get(base).content.decode()
    assert "Entretiens non-participants" in page and "Freins structurels" in page
    codes = Code.objects.filter(project=imported_project, name__in=["Aller-vers",
                                                                   "Format inadapté"])
    e01 = imported_project.sources.get(name__startswith="E01")
    response = client.post(base, {"kind": "set", "set-name": "À relire",
                                  "set-description": "Deuxième passage",
                                  "set-codes": [c.guid for c in codes],
                                  "set-sources": [e01.guid]})
    assert response.status_code == 302
    new = next(s for s in imported_project.__class__.objects.get(pk=imported_project.pk)
               .refi_extras["sets"] if s["name"] == "À relire")
    exported = _export(client, imported_project)
    mine = next(s for s in exported.sets.values() if s.name == "À relire")
    assert sorted(mine.codes) == sorted(c.guid for c in codes) and mine.sources == [e01.guid]
    # edit: only one code left
    response = client.post(f"{base}{new['guid']}/", {"name": "À relire (2)",
                                                      "codes": [codes[0].guid]})
    assert response.status_code == 302
    exported = _export(client, imported_project)
    mine = next(s for s in exported.sets.values() if s.guid == new["guid"])
    assert (mine.name, mine.codes, mine.sources) == ("À relire (2)", [codes[0].guid], [])
    # a reader sees the sets but cannot change them
    reader_client = Client()
    reader_client.force_login(reader)
    assert "À relire (2)" in reader_client.get(base).content.decode()
    assert reader_client.post(f"{base}{new['guid']}/supprimer/").status_code == 403
    # delete (after the confirmation page)
    assert client.get(f"{base}{new['guid']}/supprimer/").status_code == 200
    assert client.post(f"{base}{new['guid']}/supprimer/").status_code == 302
    assert new["guid"] not in {s.guid for s in _export(client, imported_project).sets.values()}


def test_links_between_codes_and_passages(imported_project, researcher):
    from parlons.platform.research import services
    from parlons.platform.research.models import Code, CodedSelection

    client = Client()
    client.force_login(researcher)
    base = f"/recherche-qualitative/{imported_project.pk}/ensembles/"
    a = Code.objects.get(project=imported_project, name="Aller-vers")
    b = Code.objects.get(project=imported_project, name="Défiance institutionnelle")
    response = client.post(base, {"kind": "link", "link-origin": b.guid, "link-target": a.guid,
                                  "link-name": "appelle", "link-direction": "OneWay",
                                  "link-colour": "#aa0000"})
    assert response.status_code == 302
    page = client.get(base).content.decode()
    assert "appelle" in page and "Défiance institutionnelle" in page
    # a link to itself is refused with a message on the form
    response = client.post(base, {"kind": "link", "link-origin": a.guid, "link-target": a.guid,
                                  "link-direction": "Associative"})
    assert response.status_code == 200 and "form-errors" in response.content.decode()
    # between two coded passages (service), and a GUID of nothing is refused
    first, second = CodedSelection.objects.filter(project=imported_project)[:2]
    services.add_link(actor=researcher, project=imported_project, origin=first.selection_guid,
                      target=second.selection_guid, name="nuance fortement")
    with pytest.raises(ValidationError):
        services.add_link(actor=researcher, project=imported_project, origin=a.guid,
                          target="00000000-0000-0000-0000-000000000000")
    exported = _export(client, imported_project)
    links = {(link.origin, link.target, link.name, link.direction, link.color)
             for link in exported.links.values()}
    assert (b.guid, a.guid, "appelle", "OneWay", "#AA0000") in links
    assert (first.selection_guid, second.selection_guid, "nuance fortement", "Associative",
            None) in links
    # the passages' link is listed with the quote, and deleted through its page
    page = client.get(base).content.decode()
    assert "nuance fortement" in page and "«" in page
    guid = next(link.guid for link in exported.links.values() if link.name == "nuance fortement")
    assert client.post(f"/recherche-qualitative/{imported_project.pk}/liens/{guid}/supprimer/"
                       ).status_code == 302
    assert "nuance fortement" not in client.get(base).content.decode()
    # deleting a linked code drops its links
    services.delete_code(actor=researcher, code=a)
    imported_project.refresh_from_db()
    assert all(a.guid not in (link["origin"], link["target"])
               for link in imported_project.refi_extras["links"])
